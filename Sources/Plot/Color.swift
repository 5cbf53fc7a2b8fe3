import Foundation

/// An RGBA colour with components in 0…1.
///
/// The named colours come from the Okabe–Ito palette, which stays distinguishable for readers with
/// the common forms of colour blindness (Okabe & Ito 2008, "Color Universal Design").
///
/// ```swift
/// let shade = Color(hex: "#0072B2").withAlpha(0.3)
/// ```
public struct Color: Sendable, Equatable, Hashable {
    /// Red component, 0…1.
    public var red: Double
    /// Green component, 0…1.
    public var green: Double
    /// Blue component, 0…1.
    public var blue: Double
    /// Opacity, 0 (transparent) … 1 (opaque).
    public var alpha: Double

    /// Creates a colour from components in 0…1; values outside are clamped when drawn.
    public init(red: Double, green: Double, blue: Double, alpha: Double = 1) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// Creates a colour from a hexadecimal string such as `"#1f77b4"`.
    ///
    /// Accepts `#rgb`, `#rrggbb` and `#rrggbbaa`, with or without the `#`. A string that is not a
    /// colour gives black; use ``init(validatingHex:)`` to detect that case.
    public init(hex: String) {
        self = Color(validatingHex: hex) ?? Color(red: 0, green: 0, blue: 0)
    }

    /// Creates a colour from a hexadecimal string, or returns `nil` if the string is not one.
    ///
    /// Accepts `#rgb`, `#rrggbb` and `#rrggbbaa`, with or without the `#`.
    public init?(validatingHex hex: String) {
        var digits = Substring(hex.trimmingCharacters(in: .whitespaces))
        if digits.hasPrefix("#") { digits = digits.dropFirst() }
        var nibbles: [Double] = []
        for character in digits {
            guard let value = character.hexDigitValue else { return nil }
            nibbles.append(Double(value))
        }
        switch nibbles.count {
        case 3:
            let channels = nibbles.map { (value: Double) -> Double in value * 17 / 255 }
            self.init(red: channels[0], green: channels[1], blue: channels[2])
        case 6, 8:
            var bytes: [Double] = []
            for i in stride(from: 0, to: nibbles.count, by: 2) {
                let high: Double = nibbles[i] * 16
                bytes.append((high + nibbles[i + 1]) / 255)
            }
            self.init(red: bytes[0], green: bytes[1], blue: bytes[2], alpha: bytes.count == 4 ? bytes[3] : 1)
        default:
            return nil
        }
    }

    /// The same colour with the opacity replaced by `a` (0…1).
    public func withAlpha(_ a: Double) -> Color {
        Color(red: red, green: green, blue: blue, alpha: a)
    }

    /// Black, for text, frames and ticks.
    public static let black = Color(red: 0, green: 0, blue: 0)
    /// White, the default figure background.
    public static let white = Color(red: 1, green: 1, blue: 1)
    /// Mid gray, the default for error bars and reference lines.
    public static let gray = Color(hex: "#7f7f7f")
    /// Light gray, used for grid lines and missing heat-map cells.
    public static let lightGray = Color(hex: "#d9d9d9")
    /// Okabe–Ito blue.
    public static let blue = Color(hex: "#0072b2")
    /// Okabe–Ito orange.
    public static let orange = Color(hex: "#e69f00")
    /// Okabe–Ito bluish green.
    public static let green = Color(hex: "#009e73")
    /// Okabe–Ito vermillion.
    public static let red = Color(hex: "#d55e00")
    /// Okabe–Ito reddish purple.
    public static let purple = Color(hex: "#cc79a7")
    /// Okabe–Ito sky blue.
    public static let skyBlue = Color(hex: "#56b4e9")
    /// Okabe–Ito yellow (weak on white; best for fills).
    public static let yellow = Color(hex: "#f0e442")

    /// Colours to cycle through for successive series, most distinct first.
    public static let palette: [Color] = [.blue, .orange, .green, .red, .purple, .skyBlue, .yellow, .black]
}
