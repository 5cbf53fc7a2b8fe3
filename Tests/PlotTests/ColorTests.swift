import Testing
import Plot

@Suite("Color")
struct ColorTests {
    @Test func parsesSixAndThreeDigitHex() {
        let c = Color(hex: "#1f77b4")
        #expect(abs(c.red - 31.0 / 255) < 1e-12)
        #expect(abs(c.green - 119.0 / 255) < 1e-12)
        #expect(abs(c.blue - 180.0 / 255) < 1e-12)
        #expect(c.alpha == 1)
        #expect(Color(hex: "fff") == .white)
        #expect(Color(hex: "#00000080").alpha == 128.0 / 255)
    }

    @Test func rejectsMalformedHex() {
        #expect(Color(validatingHex: "#12345") == nil)
        #expect(Color(validatingHex: "#gggggg") == nil)
        #expect(Color(hex: "not a colour") == .black)
    }

    @Test func withAlphaReplacesOnlyOpacity() {
        let c = Color.orange.withAlpha(0.25)
        #expect(c.alpha == 0.25)
        #expect(c.withAlpha(1) == .orange)
    }

    @Test func paletteColoursAreDistinct() {
        #expect(Set(Color.palette).count == Color.palette.count)
        #expect(Color.palette.count >= 5)
    }
}
