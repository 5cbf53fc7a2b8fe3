import Core
import Foundation

/// `report lightcurve FILE`: calibrate, detrend and search one raw file, without a run.
public struct QuickLook: Sendable {
    /// What a quick look found, as printed with `--json`.
    public struct Result: Codable, Sendable {
        public struct Band: Codable, Sendable {
            public var band: String
            public var points: Int
            public var timeSystem: String
            public var fluxUnit: String
            public var rejected: Int
        }
        public struct Flare: Codable, Sendable, Equatable {
            public var band: String
            public var start: Double
            public var stop: Double
            public var peak: Double
            public var amplitude: Double
            public var ed: Double
            public var edErr: Double
            public var points: Int
            public var significance: Double
            /// The vetting numbers of the candidate (rise, decay, template fit, flags).
            public var vetting: FlareVetting?

            enum CodingKeys: String, CodingKey {
                case band, start, stop, peak, amplitude, ed, points, significance, vetting
                case edErr = "ed_err"
            }
        }
        public var file: String
        public var format: String
        /// Good points searched, all bands.
        public var points: Int
        public var bands: [Band]
        public var flares: [Flare]?
    }

    public let file: URL
    public let parameters: FlareSearch.Parameters
    /// The time system of a light-curve table whose time column and header do not say it, or that
    /// overrides what they say; `nil` to take the file's own (SPOC and ZTF files always say it).
    public let timeSystem: TimeSystem?

    public init(file: URL, parameters: FlareSearch.Parameters = .standard, timeSystem: TimeSystem? = nil) {
        self.file = file
        self.parameters = parameters
        self.timeSystem = timeSystem
    }

    /// Reads and searches the file; writes a figure to `plot` (PNG or SVG) when given.
    public func run(flares: Bool, plot: URL?) throws -> Result {
        let format = try RawFile.format(of: file)
        let bands = try RawFile.lightcurves(of: file, timeSystem: timeSystem)
        let output = try FlareSearch(parameters: parameters).analyze(
            AnalysisInput(entry: CatalogEntry(id: file.lastPathComponent, ra: 0, dec: 0), bands: bands, mode: .simulation))
        if let plot {
            let spans = flares ? output.detections.map { ReportFigures.Span(band: $0.band, start: $0.start, stop: $0.stop) } : []
            try ReportFigures.source(
                bands, detections: spans, sourceName: file.lastPathComponent, models: flares ? output.models : [:]
            ).write(to: plot)
        }
        return Result(
            file: file.path, format: format.rawValue, points: bands.reduce(0) { $0 + $1.lightcurve.count },
            bands: bands.map {
                .init(
                    band: $0.band, points: $0.lightcurve.count, timeSystem: $0.lightcurve.timeSystem.name,
                    fluxUnit: $0.lightcurve.fluxUnit.rawValue, rejected: $0.flaggedRows + $0.invalidRows)
            },
            flares: flares
                ? output.detections.map {
                    .init(
                        band: $0.band, start: $0.start, stop: $0.stop, peak: $0.peakTime, amplitude: $0.amplitude,
                        ed: $0.equivalentDuration, edErr: $0.equivalentDurationError, points: $0.pointCount,
                        significance: $0.significance, vetting: $0.vetting)
                } : nil)
    }

    /// The result as one JSON object (sorted keys, so output is stable).
    public static func json(_ result: Result) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return String(decoding: try encoder.encode(result), as: UTF8.self)
    }

    /// A short human-readable summary.
    public static func text(_ result: Result) -> String {
        var lines = ["\(result.file): \(result.format), \(result.points) good points"]
        for b in result.bands {
            lines.append("  \(b.band): \(b.points) points (\(b.rejected) rejected), time \(b.timeSystem), flux \(b.fluxUnit)")
        }
        if let flares = result.flares {
            lines.append("  \(flares.count) flares")
            for f in flares {
                lines.append(
                    String(
                        format: "    %@ peak %.5f  [%.5f, %.5f]  amplitude %.4g  ED %.3g ± %.2g s  %d points  %.1fσ",
                        f.band, f.peak, f.start, f.stop, f.amplitude, f.ed, f.edErr, f.points, f.significance)
                        + (f.vetting.map { v in
                            String(
                                format: "  rise %.0f min, decay %.0f min, Δχ² flare %.0f / bump %.0f",
                                v.riseTime * 1440, v.decayTime * 1440, v.templateDeltaChiSquare, v.symmetricDeltaChiSquare)
                                + (v.flags.isEmpty ? "" : ", " + v.flags.names.joined(separator: ", "))
                        } ?? ""))
            }
        }
        return lines.joined(separator: "\n")
    }
}
