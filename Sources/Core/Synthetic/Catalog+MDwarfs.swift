import Foundation

extension SyntheticSurvey {
    /// A made-up catalog of nearby M dwarfs, Gaia-like: 64-bit `source_id`s, positions uniform on the
    /// sky, G = 9–17 mag, parallaxes 10–100 mas and proper motions of 50–1500 mas/yr, at epoch 2016.0.
    public static func mDwarfCatalog(count: Int, seed: UInt64) throws -> Catalog {
        var g = SeededGenerator(seed: seed, stream: "catalog")
        var entries: [CatalogEntry] = []
        var ids = Set<String>()
        for k in 0..<count {
            let ra = g.uniform() * 360
            let dec = asin(2 * g.uniform() - 1) * 180 / .pi
            var id: String
            repeat {
                // Gaia DR3 source_id: HEALPix level-12 index × 2^35 + a running number (> 2^53).
                let healpix = UInt64(g.uniform() * 201_326_592)
                id = String(healpix * 34_359_738_368 + UInt64(g.uniform() * 1_000_000))
            } while ids.contains(id)
            ids.insert(id)
            let parallax = g.logUniform(10...100)
            let pm = g.logUniform(50...1500)
            let angle = g.uniform(0...(2 * .pi))
            entries.append(
                CatalogEntry(
                    id: id, name: String(format: "MD %03d", k + 1), ra: ra, dec: dec,
                    magnitude: ((9 + 8 * g.uniform()) * 1000).rounded() / 1000, magnitudeBand: "G",
                    pmra: pm * cos(angle), pmdec: pm * sin(angle), parallax: parallax, epoch: 2016.0))
        }
        return try Catalog(name: "synthetic M dwarfs (\(count), seed \(seed))", entries: entries)
    }
}
