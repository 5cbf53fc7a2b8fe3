/// The viridis colour map: perceptually uniform, readable in gray scale and by colour-blind readers.
///
/// The 256 entries are matplotlib's `_viridis_data` (Stéfan van der Walt and Nathaniel Smith, CC0),
/// rounded to 8 bits per channel.
enum Viridis {
    /// The colour for `t` in 0…1 (clamped), interpolated linearly between table entries.
    static func color(at t: Double) -> Color {
        let t = t.isFinite ? min(max(t, 0), 1) : 0
        let position = t * Double(table.count - 1)
        let index = min(Int(position), table.count - 2)
        let f = position - Double(index)
        let a = table[index]
        let b = table[index + 1]
        return Color(red: a.0 + (b.0 - a.0) * f, green: a.1 + (b.1 - a.1) * f, blue: a.2 + (b.2 - a.2) * f)
    }

    /// The 256 colours as (red, green, blue) in 0…1.
    static let table: [(Double, Double, Double)] = {
        var colors: [(Double, Double, Double)] = []
        for chunk in hex {
            let bytes = Array(chunk.utf8)
            var i = 0
            while i + 6 <= bytes.count {
                func channel(_ j: Int) -> Double {
                    let text = String(decoding: bytes[(i + j)..<(i + j + 2)], as: UTF8.self)
                    return Double(UInt8(text, radix: 16) ?? 0) / 255
                }
                colors.append((channel(0), channel(2), channel(4)))
                i += 6
            }
        }
        return colors
    }()

    private static let hex: [String] = [
        "44015444025645045745055946075a46085c460a5d460b5e",
        "470d60470e61471063471164471365481467481668481769",
        "48186a481a6c481b6d481c6e481d6f481f70482071482173",
        "482374482475482576482677482878482979472a7a472c7a",
        "472d7b472e7c472f7d46307e46327e46337f463480453581",
        "453781453882443983443a83443b84433d84433e85423f85",
        "4240864241864142874144874045884046883f47883f4889",
        "3e49893e4a893e4c8a3d4d8a3d4e8a3c4f8a3c508b3b518b",
        "3b528b3a538b3a548c39558c39568c38588c38598c375a8c",
        "375b8d365c8d365d8d355e8d355f8d34608d34618d33628d",
        "33638d32648e32658e31668e31678e31688e30698e306a8e",
        "2f6b8e2f6c8e2e6d8e2e6e8e2e6f8e2d708e2d718e2c718e",
        "2c728e2c738e2b748e2b758e2a768e2a778e2a788e29798e",
        "297a8e297b8e287c8e287d8e277e8e277f8e27808e26818e",
        "26828e26828e25838e25848e25858e24868e24878e23888e",
        "23898e238a8d228b8d228c8d228d8d218e8d218f8d21908d",
        "21918c20928c20928c20938c1f948c1f958b1f968b1f978b",
        "1f988b1f998a1f9a8a1e9b8a1e9c891e9d891f9e891f9f88",
        "1fa0881fa1881fa1871fa28720a38620a48621a58521a685",
        "22a78522a88423a98324aa8325ab8225ac8226ad8127ad81",
        "28ae8029af7f2ab07f2cb17e2db27d2eb37c2fb47c31b57b",
        "32b67a34b67935b77937b87838b9773aba763bbb753dbc74",
        "3fbc7340bd7242be7144bf7046c06f48c16e4ac16d4cc26c",
        "4ec36b50c46a52c56954c56856c66758c7655ac8645cc863",
        "5ec96260ca6063cb5f65cb5e67cc5c69cd5b6ccd5a6ece58",
        "70cf5773d05675d05477d1537ad1517cd2507fd34e81d34d",
        "84d44b86d54989d5488bd6468ed64590d74393d74195d840",
        "98d83e9bd93c9dd93ba0da39a2da37a5db36a8db34aadc32",
        "addc30b0dd2fb2dd2db5de2bb8de29bade28bddf26c0df25",
        "c2df23c5e021c8e020cae11fcde11dd0e11cd2e21bd5e21a",
        "d8e219dae319dde318dfe318e2e418e5e419e7e419eae51a",
        "ece51befe51cf1e51df4e61ef6e620f8e621fbe723fde725",
    ]
}
