import Foundation

/// A ZTF light-curve table as served by IRSA's light-curve service (`nph_light_curves`, FORMAT=CSV).
///
/// Holds the 24 IRSA columns (`oid` … `programid`) column-wise. A response can contain several
/// objects (`oid`), one filter each; ``ZTFLightcurveTable/objects`` lists them, and each becomes one
/// dataset. Columns a file adds (a leading unnamed index, `snr`, `flux`, …) are ignored; `ccdid` and
/// `qid` are accepted as decimal or hexadecimal (`0xf`) text, as IRSA writes them.
///
/// Reference: ZTF Science Data System Explanatory Supplement, §13.6 (light-curve files);
/// IRSA "ZTF Lightcurve Queries" API documentation.
public struct ZTFLightcurveTable: Sendable, Equatable {
    /// The columns in IRSA's order.
    public static let columnNames = [
        "oid", "expid", "hjd", "mjd", "mag", "magerr", "catflags", "filtercode", "ra", "dec", "chi", "sharp",
        "filefracday", "field", "ccdid", "qid", "limitmag", "magzp", "magzprms", "clrcoeff", "clrcounc",
        "exptime", "airmass", "programid",
    ]
    static let required = ["oid", "mjd", "mag", "magerr", "catflags", "filtercode"]

    public var oid: [Int64] = []
    public var expid: [Int64] = []
    public var hjd: [Double] = []
    public var mjd: [Double] = []
    public var mag: [Double] = []
    public var magerr: [Double] = []
    public var catflags: [Int32] = []
    public var filtercode: [String] = []
    public var ra: [Double] = []
    public var dec: [Double] = []
    public var chi: [Double] = []
    public var sharp: [Double] = []
    public var filefracday: [Int64] = []
    public var field: [Int32] = []
    public var ccdid: [Int32] = []
    public var qid: [Int32] = []
    public var limitmag: [Double] = []
    public var magzp: [Double] = []
    public var magzprms: [Double] = []
    public var clrcoeff: [Double] = []
    public var clrcounc: [Double] = []
    public var exptime: [Double] = []
    public var airmass: [Double] = []
    public var programid: [Int32] = []

    public init() {}

    public var count: Int { oid.count }

    /// One ZTF object in the table: its `oid`, filter and rows.
    public struct Object: Sendable, Hashable {
        public var oid: Int64
        public var filter: String
        public var rows: [Int]
    }

    /// The objects in the table, in order of first appearance.
    public var objects: [Object] {
        var order: [Int64] = []
        var rows: [Int64: [Int]] = [:]
        for (i, id) in oid.enumerated() {
            if rows[id] == nil { order.append(id) }
            rows[id, default: []].append(i)
        }
        return order.map { Object(oid: $0, filter: filtercode[rows[$0]![0]], rows: rows[$0]!) }
    }

    // MARK: Reading

    /// Reads an IRSA CSV light-curve file.
    /// - Throws: ``CSVError`` naming the file, line, column and value.
    public static func read(from url: URL) throws -> ZTFLightcurveTable {
        try ZTFLightcurveTable(csv: CSVTable(contentsOf: url), source: url.path)
    }

    public init(csv: CSVTable, source: String) throws {
        var index: [String: Int] = [:]
        for name in Self.columnNames { index[name] = csv.column(name) }
        for name in Self.required where index[name] == nil {
            throw CSVError.missingColumn(source: source, column: name)
        }
        let n = csv.rows.count
        // Column positions looked up once, not per cell.
        let at = Self.columnNames.map { index[$0] }
        func position(_ name: String) -> Int? { at[Self.columnNames.firstIndex(of: name)!] }
        let (cOid, cExpid, cHjd, cMjd, cMag, cMagerr, cCatflags, cFilter) = (
            position("oid"), position("expid"), position("hjd"), position("mjd"), position("mag"), position("magerr"),
            position("catflags"), position("filtercode")
        )
        let (cRa, cDec, cChi, cSharp, cFfd, cField, cCcd, cQid) = (
            position("ra"), position("dec"), position("chi"), position("sharp"), position("filefracday"), position("field"),
            position("ccdid"), position("qid")
        )
        let (cLim, cZp, cZprms, cClr, cClru, cExp, cAir, cProg) = (
            position("limitmag"), position("magzp"), position("magzprms"), position("clrcoeff"), position("clrcounc"),
            position("exptime"), position("airmass"), position("programid")
        )
        for array in [\ZTFLightcurveTable.hjd, \.mjd, \.mag, \.magerr, \.ra, \.dec, \.chi, \.sharp, \.limitmag, \.magzp,
            \.magzprms, \.clrcoeff, \.clrcounc, \.exptime, \.airmass]
        {
            self[keyPath: array].reserveCapacity(n)
        }
        for (k, row) in csv.rows.enumerated() {
            let line = csv.lineNumbers[k]
            func text(_ column: Int?) -> String? {
                guard let column else { return nil }
                let raw = row[column]
                guard let first = raw.first, let last = raw.last else { return raw }
                return first == " " || last == " " || first == "\t" || last == "\t"
                    ? raw.trimmingCharacters(in: .whitespaces) : raw
            }
            func name(_ column: Int?) -> String { column.map { csv.header[$0] } ?? "" }
            func double(_ column: Int?) throws -> Double {
                guard let t = text(column), !t.isEmpty, t != "null", t != "NaN", t != "nan" else { return .nan }
                guard let v = Double(t) else {
                    throw CSVError.invalidValue(source: source, line: line, column: name(column), value: t)
                }
                return v
            }
            func integer(_ column: Int?, required: Bool = false) throws -> Int64 {
                guard let t = text(column), !t.isEmpty, t != "null" else {
                    if required { throw CSVError.invalidValue(source: source, line: line, column: name(column), value: "") }
                    return -1
                }
                if let v = Int64(t) { return v }
                let v: Int64?
                if t.hasPrefix("0x") || t.hasPrefix("0X") {
                    v = Int64(t.dropFirst(2), radix: 16)
                } else {
                    v = Double(t).flatMap { $0 == $0.rounded() && abs($0) < 9e15 ? Int64($0) : nil }
                }
                guard let v else { throw CSVError.invalidValue(source: source, line: line, column: name(column), value: t) }
                return v
            }
            oid.append(try integer(cOid, required: true))
            expid.append(try integer(cExpid))
            hjd.append(try double(cHjd))
            let t = try double(cMjd)
            guard t.isFinite else {
                throw CSVError.invalidValue(source: source, line: line, column: "mjd", value: text(cMjd) ?? "")
            }
            mjd.append(t)
            mag.append(try double(cMag))
            magerr.append(try double(cMagerr))
            catflags.append(Int32(truncatingIfNeeded: try integer(cCatflags, required: true)))
            filtercode.append(text(cFilter) ?? "")
            ra.append(try double(cRa))
            dec.append(try double(cDec))
            chi.append(try double(cChi))
            sharp.append(try double(cSharp))
            filefracday.append(try integer(cFfd))
            field.append(Int32(truncatingIfNeeded: try integer(cField)))
            ccdid.append(Int32(truncatingIfNeeded: try integer(cCcd)))
            qid.append(Int32(truncatingIfNeeded: try integer(cQid)))
            limitmag.append(try double(cLim))
            magzp.append(try double(cZp))
            magzprms.append(try double(cZprms))
            clrcoeff.append(try double(cClr))
            clrcounc.append(try double(cClru))
            exptime.append(try double(cExp))
            airmass.append(try double(cAir))
            programid.append(Int32(truncatingIfNeeded: try integer(cProg)))
        }
        assert(oid.count == n)
    }

    // MARK: Writing

    /// Writes the table in IRSA's CSV layout (24 columns, `ccdid`/`qid` as hexadecimal as IRSA does).
    /// Deterministic: the same table gives the same bytes.
    public func csvText() -> String {
        var out = Self.columnNames.joined(separator: ",") + "\n"
        out.reserveCapacity(count * 220)
        func f(_ v: Double, _ digits: Int) -> String { v.isFinite ? String(format: "%.\(digits)f", v) : "" }
        func g(_ v: Double) -> String { v.isFinite ? String(format: "%.9g", v) : "" }
        for i in 0..<count {
            let fields: [String] = [
                String(oid[i]), String(expid[i]), f(hjd[i], 8), f(mjd[i], 7), g(mag[i]), g(magerr[i]),
                String(catflags[i]), filtercode[i], f(ra[i], 7), f(dec[i], 7), g(chi[i]), g(sharp[i]),
                String(filefracday[i]), String(field[i]), "0x" + String(ccdid[i], radix: 16),
                "0x" + String(qid[i], radix: 16), g(limitmag[i]), g(magzp[i]), g(magzprms[i]), g(clrcoeff[i]),
                g(clrcounc[i]), g(exptime[i]), g(airmass[i]), String(programid[i]),
            ]
            out += fields.joined(separator: ",")
            out += "\n"
        }
        return out
    }

    /// Writes the CSV to `url` (callers write to a temporary name and rename, see ``RawCache``).
    public func write(to url: URL) throws {
        try Data(csvText().utf8).write(to: url)
    }
}
