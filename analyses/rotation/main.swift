// # Rotation periods of nearby M dwarfs
//
// A notebook: it reads top to bottom. Prose in `notebook.markdown` is shown in the report, in order;
// the parameters below are recorded with the run and hashed into its id.
//
// Run it with `swift run report analyses/rotation` (add `--seed N`, `--jobs N`, `--output DIR`).

import Core
import NotebookRuntime

let notebook = Notebook(
    name: "rotation", title: "Rotation periods of nearby M dwarfs (synthetic ZTF + TESS)", defaultSeed: 20_261_206)

notebook.markdown(
    """
    ## Question
    Which of these M dwarfs show a rotation period, how long is it, and do the ground (ZTF) and space \
    (TESS) light curves agree on it? And how long and how small a modulation could this data have \
    revealed? The run measures the period of every band and of every star, then injects synthetic \
    spot modulation into the same light curves and measures how often its period is found again.

    **The data of this run are synthetic.** The `SyntheticSurvey` observatories write files in the real \
    formats (IRSA ZTF CSV, SPOC TESS FITS) from a model of each star (a sinusoidal rotation of 0.3–20 days \
    and 0.1–2 % semi-amplitude, plus flares), so the whole download–calibrate–search path runs without a \
    network.
    """)

// ## Catalog
// 200 M dwarfs, Gaia-like. `--catalog FILE` replaces them with the stars of a CSV, ECSV, IPAC,
// VOTable or FITS table.
let catalog = try notebook.catalog(default: SyntheticSurvey.mDwarfCatalog(count: 200, seed: notebook.seed))

// ## Observatories
// Nightly ZTF photometry in g and r (north of Dec −31°), and 2-minute TESS sectors for about two
// thirds of the stars.
let observatories: [any VirtualObservatory] = [
    SyntheticSurvey(.ztf, seed: notebook.seed),
    SyntheticSurvey(.tess, seed: notebook.seed),
]

// ## Search
// The generalised Lomb–Scargle periodogram of each band (the same code the flare search uses to
// find a star's rotation before detrending), periods from 0.1 d to half the baseline, significant
// below a false-alarm probability of 10⁻³.
let search = RotationSearch(parameters: .standard)

notebook.markdown(
    """
    ## Method
    Each band is normalised by its median, its impulsive upward outliers (flares) are left out, and its \
    generalised (floating-mean) Lomb–Scargle periodogram (Zechmeister & Kürster 2009) is searched from \
    0.1 day to half the band's baseline. The highest peak gives the band's period, power and \
    semi-amplitude; its false-alarm probability is Baluev's (2008) bound, and a period counts below \
    10⁻³. A star's period is that of its band with the lowest false-alarm probability; the bands \
    disagree when two significant periods differ by more than 5 %, except at twice or half (two spot \
    groups half a turn apart show half the period) and at the daily alias that nightly ZTF sampling \
    puts beside every period (frequencies one per sidereal day apart). Each star's page shows its bands \
    folded on their periods.
    """)

// ## Sensitivity
// One sinusoid per band, period 0.2–30 d and semi-amplitude 0.05–5 % (log-uniform), on top of the
// star's own variability; found when the band's period is within 5 % of it.
let injection = SpotModulationSimulator(parameters: .init(period: 0.2...30, amplitude: 0.0005...0.05))

notebook.markdown(
    """
    ## Sensitivity
    A synthetic sinusoidal modulation (period 0.2–30 days, semi-amplitude 0.05–5 %, log-uniform, random \
    phase) is added to every band's calibrated light curve, which is then searched again with the same \
    settings. It counts as found when the band's period is within 5 % of the injected one. The star's own \
    rotation is still there: a weak injected modulation loses to a strong real one, as it would in the sky.
    """)

// ## Run
try await notebook.run(
    catalog: catalog, observatories: observatories, analysis: search, simulator: injection)
