import Testing
@testable import Plot

@Suite("SVGIdentifiers")
struct SVGIdentifiersTests {
    @Test func renumbersEachFamilyInOrderOfFirstAppearance() {
        let svg = """
            <symbol id="glyph7-3"/><symbol id="glyph7-1"/><clipPath id="clip42"/>\
            <use xlink:href="#glyph7-1"/><g clip-path="url(#clip42)"><use xlink:href="#glyph7-3"/></g>\
            <g id="surface913"/><path fill="#ff0000"/><g id="plain"/>
            """
        let expected = """
            <symbol id="glyph1"/><symbol id="glyph2"/><clipPath id="clip1"/>\
            <use xlink:href="#glyph2"/><g clip-path="url(#clip1)"><use xlink:href="#glyph1"/></g>\
            <g id="surface1"/><path fill="#ff0000"/><g id="plain"/>
            """
        #expect(SVGIdentifiers.renumbered(svg) == expected)
    }

    @Test func sameStructureWithDifferentCountersGivesSameText() {
        let a = ##"<g id="surface5"><use xlink:href="#glyph0-1"/></g><g id="surface6"/>"##
        let b = ##"<g id="surface105"><use xlink:href="#glyph3-1"/></g><g id="surface140"/>"##
        #expect(SVGIdentifiers.renumbered(a) == SVGIdentifiers.renumbered(b))
    }
}
