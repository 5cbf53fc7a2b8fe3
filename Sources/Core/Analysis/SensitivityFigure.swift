import Foundation

/// What one parameter of the events a ``Simulator`` injects means, and how a report shows it. Stored
/// with the run, like ``StatisticDescription``, so the report draws any simulator's sensitivity
/// without its code.
///
/// ```swift
/// InjectionParameterDescription("fwhm", label: "FWHM", unit: "min", scale: 1440, log: true,
///                               description: "full width at half maximum of the injected flare")
/// ```
public struct InjectionParameterDescription: Sendable, Hashable, Codable {
    /// The key in ``Injection/parameters`` (`injection_parameters.name` in the run database).
    public var name: String
    /// A short label for axes and table headings.
    public var label: String
    /// The unit of the value shown (after `scale`).
    public var unit: String?
    /// The stored value times this is shown (days to minutes: 1440).
    public var scale: Double
    /// Whether the parameter is drawn on a logarithmic axis (it was drawn log-uniform, or spans decades).
    public var log: Bool
    /// The unit of the stored value, for exports (nil: the same as `unit`).
    public var storedUnit: String?
    /// One sentence for readers.
    public var description: String
    /// IVOA UCD of the stored value, for exports (e.g. `time.duration`).
    public var ucd: String?

    public init(
        _ name: String, label: String, unit: String? = nil, scale: Double = 1, log: Bool = false, storedUnit: String? = nil,
        ucd: String? = nil, description: String
    ) {
        self.name = name
        self.label = label
        self.unit = unit
        self.scale = scale
        self.log = log
        self.storedUnit = storedUnit
        self.ucd = ucd
        self.description = description
    }

    /// The unit of the stored value (nil: none, or unknown when only the shown one is given).
    public var unitStored: String? { storedUnit ?? (scale == 1 ? unit : nil) }

    /// The axis label: "FWHM (min)".
    public var axisLabel: String { label + (unit.map { " (\($0))" } ?? "") }

    /// For runs whose simulator described nothing: each stored parameter by its name, linear, unscaled.
    public static func defaults(for names: [String]) -> [InjectionParameterDescription] {
        names.sorted().map { InjectionParameterDescription($0, label: $0.replacingOccurrences(of: "_", with: " "), description: "") }
    }
}

/// One panel of a report's sensitivity figure, drawn from the injections alone: how many of the
/// injected events the analysis found again, along the parameters they were injected with.
public struct SensitivityFigure: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// The recovered fraction in bins of parameter `x`, one line per band.
        case recovery
        /// Measured / injected value of parameter `y` (default `x`) of every event with a measurement, against
        /// injected `x`: each event a point, and the median with its 16–84 % range per bin, per band.
        case ratio
        /// The recovered fraction over parameters `x` and `y`, one map per band (the two bands with
        /// most injections).
        case map
    }

    public var kind: Kind
    /// ``InjectionParameterDescription/name`` along x.
    public var x: String
    /// The second parameter (`map`: along y; `ratio`: the one whose measured / injected is drawn).
    public var y: String?
    public var title: String
    /// What the panel shows, in a few words, for the figure's caption.
    public var caption: String

    public init(_ kind: Kind, x: String, y: String? = nil, title: String, caption: String) {
        self.kind = kind
        self.x = x
        self.y = y
        self.title = title
        self.caption = caption
    }

    /// What a report draws for simulators that described nothing: the recovered fraction along
    /// each parameter.
    public static func defaults(for parameters: [InjectionParameterDescription]) -> [SensitivityFigure] {
        parameters.map { p in
            SensitivityFigure(.recovery, x: p.name, title: "Recovered fraction by \(p.label)", caption: "recovered fraction by \(p.label)")
        }
    }
}
