import Core
import Foundation

/// The citation metadata that lets a run archive go to Zenodo as it is: `CITATION.cff` (Citation
/// File Format 1.2.0) and `.zenodo.json` (Zenodo's deposit metadata), both in the archive's top
/// folder.
///
/// - title: the notebook's title and the run id;
/// - creators: as given (`report archive --author "Family, Given"`, repeatable; a name without a
///   comma, such as a collaboration, is kept whole), else git's `user.name` (of the checkout around
///   the working directory, or the global one) read as "Given Family";
/// - description: the notebook's prose (Markdown, as written), and what the run is;
/// - keywords: the field's, the analysis and the surveys searched;
/// - date: the day the run finished (so that archiving twice gives the same bytes);
/// - references: this software, and the papers to cite for each survey the run read (ZTF: Masci et
///   al. 2019; TESS: Ricker et al. 2015; Kepler: Borucki et al. 2010; K2: Howell et al. 2014; Gaia:
///   Gaia Collaboration, Vallenari et al. 2023), with their DOIs. Synthetic surveys cite nothing.
struct DepositMetadata {
    struct Person {
        var family: String?
        var given: String?
        /// The whole name when it could not be split into family and given names.
        var name: String

        /// "Family, Given" is a person; a name without a comma is kept whole ("Gaia Collaboration"),
        /// unless `splittingAtLastSpace` (git's user.name: "Given Family").
        init(_ text: String, splittingAtLastSpace: Bool = false) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            name = trimmed
            if let comma = trimmed.firstIndex(of: ",") {
                family = trimmed[..<comma].trimmingCharacters(in: .whitespaces)
                given = trimmed[trimmed.index(after: comma)...].trimmingCharacters(in: .whitespaces)
            } else if splittingAtLastSpace, let space = trimmed.lastIndex(of: " ") {
                given = trimmed[..<space].trimmingCharacters(in: .whitespaces)
                family = trimmed[trimmed.index(after: space)...].trimmingCharacters(in: .whitespaces)
            }
            if family?.isEmpty ?? true || given?.isEmpty ?? true { family = nil; given = nil }
        }

        /// Zenodo's form: "Family, Given".
        var zenodoName: String { family.map { "\($0), \(given ?? "")" } ?? name }
    }

    struct Reference {
        var title: String
        var authors: [String]
        var year: Int
        var journal: String
        var doi: String
    }

    /// Papers to cite per survey, by the observatory names the run records.
    static let surveyReferences: [(prefix: String, reference: Reference)] = [
        ("ztf", Reference(
            title: "The Zwicky Transient Facility: Data Processing, Products, and Archive", authors: ["Masci, Frank J."],
            year: 2019, journal: "Publications of the Astronomical Society of the Pacific", doi: "10.1088/1538-3873/aae8ac")),
        ("tess", Reference(
            title: "Transiting Exoplanet Survey Satellite (TESS)", authors: ["Ricker, George R."], year: 2015,
            journal: "Journal of Astronomical Telescopes, Instruments, and Systems", doi: "10.1117/1.JATIS.1.1.014003")),
        ("kepler", Reference(
            title: "Kepler Planet-Detection Mission: Introduction and First Results", authors: ["Borucki, William J."], year: 2010,
            journal: "Science", doi: "10.1126/science.1185402")),
        ("k2", Reference(
            title: "The K2 Mission: Characterization and Early Results", authors: ["Howell, Steve B."], year: 2014,
            journal: "Publications of the Astronomical Society of the Pacific", doi: "10.1086/676406")),
        ("gaia", Reference(
            title: "Gaia Data Release 3. Summary of the content and survey properties", authors: ["Gaia Collaboration"], year: 2023,
            journal: "Astronomy & Astrophysics", doi: "10.1051/0004-6361/202243940")),
    ]

    var title: String
    var creators: [Person]
    var description: String
    var keywords: [String]
    var date: String
    var version: String
    var references: [Reference]

    /// - Throws: ``ArchiveError/noAuthor`` when no author is given and git knows no `user.name`.
    static func collect(store: Store, run: RunRecord, authors: [String]) throws -> DepositMetadata {
        var creators = authors.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.map { Person($0) }
        if creators.isEmpty {
            let folder = (try? PackageLayout.locate())?.root ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
            if let name = PackageLayout.git(["config", "user.name"], in: folder), !name.isEmpty {
                creators = [Person(name, splittingAtLastSpace: true)]
            }
        }
        guard !creators.isEmpty else { throw ArchiveError.noAuthor }
        let prose = try store.cells().map(\.text).joined(separator: "\n\n")
        let observatories = try store.observatories()
        let real = observatories.filter { !$0.synthetic }.map { $0.name.lowercased() }
        let references = surveyReferences.filter { entry in real.contains { $0.hasPrefix(entry.prefix) } }.map(\.reference)
        let surveys = observatories.map(\.name)
        return DepositMetadata(
            title: "\(run.title) (virtualobserver run \(run.id))",
            creators: creators,
            description: (prose.isEmpty ? "" : prose + "\n\n")
                + "Run \(run.id) of the virtualobserver analysis '\(run.analysis)' (\(run.codeVersion)) on the catalog "
                + "'\(run.catalogName)' (\(run.catalogCount) sources), seed \(run.seed)"
                + (run.synthetic ? ", on synthetic data" : "")
                + ": the report (index.html), the run database (run.sqlite), the calibrated light curves (lightcurves/), "
                + "provenance.json and a SHA-256 manifest.",
            keywords: ["stellar flares", "light curves", "time-domain astronomy", run.analysis] + surveys,
            date: String(run.finishedAt ?? run.startedAt).prefix(10).description,
            version: run.id, references: references)
    }

    /// A YAML double-quoted scalar (JSON string syntax is valid YAML).
    static func quoted(_ s: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8)
        return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
    }

    /// `CITATION.cff`, Citation File Format 1.2.0, type `dataset`.
    func citationCFF() -> String {
        func person(_ p: Person, indent: String) -> String {
            if let family = p.family, let given = p.given {
                return "\(indent)- family-names: \(Self.quoted(family))\n\(indent)  given-names: \(Self.quoted(given))\n"
            }
            return "\(indent)- name: \(Self.quoted(p.name))\n"
        }
        var out = "cff-version: 1.2.0\n"
        out += "message: \"If you use this run, please cite it as below, and the papers of the surveys it used.\"\n"
        out += "type: dataset\n"
        out += "title: \(Self.quoted(title))\n"
        out += "authors:\n" + creators.map { person($0, indent: "  ") }.joined()
        out += "version: \(Self.quoted(version))\n"
        out += "date-released: \(Self.quoted(date))\n"
        out += "abstract: \(Self.quoted(description))\n"
        out += "keywords:\n" + keywords.map { "  - \(Self.quoted($0))\n" }.joined()
        out += "license: CC-BY-4.0\n"
        out += "references:\n"
        out += "  - type: software\n    title: \"virtualobserver\"\n    version: \(Self.quoted(VirtualObserver.version))\n"
        out += "    authors:\n      - name: \"The virtualobserver developers\"\n"
        for r in references {
            out += "  - type: article\n    title: \(Self.quoted(r.title))\n    authors:\n"
            out += r.authors.map { person(Person($0), indent: "      ") }.joined()
            out += "    year: \(r.year)\n    journal: \(Self.quoted(r.journal))\n    doi: \(Self.quoted(r.doi))\n"
        }
        return out
    }

    /// `.zenodo.json`: Zenodo's deposit metadata (upload type dataset, open access, CC-BY-4.0).
    func zenodoJSON() throws -> Data {
        // Zenodo's field names are the snake-case forms of these.
        struct Creator: Encodable { var name: String }
        struct Related: Encodable {
            var identifier: String
            var relation: String
            var scheme: String
            var resourceType: String
        }
        struct Zenodo: Encodable {
            var uploadType = "dataset"
            var accessRight = "open"
            var license = "cc-by-4.0"
            var title: String
            var creators: [Creator]
            var description: String
            var keywords: [String]
            var publicationDate: String
            var version: String
            var relatedIdentifiers: [Related]
        }
        let zenodo = Zenodo(
            title: title, creators: creators.map { Creator(name: $0.zenodoName) },
            description: Markdown.html(description), keywords: keywords, publicationDate: date, version: version,
            relatedIdentifiers: references.map {
                Related(identifier: $0.doi, relation: "references", scheme: "doi", resourceType: "publication-article")
            })
        return try PackageLayout.prettyJSON(zenodo, snakeCaseKeys: true)
    }
}
