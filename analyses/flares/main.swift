// # Flares on nearby M dwarfs
//
// A notebook: it reads top to bottom. Prose in `notebook.markdown` is shown in the report, in order;
// the parameters below are recorded with the run and hashed into its id.
//
// Run it with `swift run report analyses/flares` (add `--seed N`, `--jobs N`, `--output DIR`).

import Core
import NotebookRuntime

let notebook = Notebook(
    name: "flares", title: "White-light flares on nearby M dwarfs (synthetic ZTF + TESS)", defaultSeed: 20_261_124)

notebook.markdown(
    """
    ## Question
    How often do nearby M dwarfs flare, and how sensitive is a combined ground (ZTF) and space (TESS) \
    search to flares of a given energy? This run answers both on a catalog of 200 stars: it searches every \
    light curve for flares, then injects synthetic flares into the same light curves and measures how many \
    it recovers.

    **The data of this run are synthetic.** The `SyntheticSurvey` observatories write files in the real \
    formats (IRSA ZTF CSV, SPOC TESS FITS) from a model of each star (rotation plus flares with a \
    power-law energy distribution), so the whole download–calibrate–search path runs without a network.
    """)

// ## Catalog
// 200 M dwarfs, Gaia-like (64-bit source_id, G magnitude, proper motion). `--catalog FILE` replaces
// them with the stars of a CSV, ECSV, IPAC, VOTable or FITS table.
let catalog = try notebook.catalog(default: SyntheticSurvey.mDwarfCatalog(count: 200, seed: notebook.seed))

// ## Observatories
// Nightly ZTF photometry in g and r (north of Dec −31°), and 2-minute TESS sectors for about two
// thirds of the stars.
let observatories: [any VirtualObservatory] = [
    SyntheticSurvey(.ztf, seed: notebook.seed),
    SyntheticSurvey(.tess, seed: notebook.seed),
]

// ## Search
// The standard flare search: rotation found with a generalised Lomb–Scargle periodogram and modelled
// with drifting harmonics, a robust local-quadratic filter on what is left, flare-aware masking, a
// rolling σ scaled until the inverted light curve shows no "flare", and Chang et al. (2015) criteria
// with N3 by cadence and a flare-shape test (README, Science notes). Sparse (ZTF) data: single
// epochs at 5σ after a 20-day filter across nights, confirmed by the nearest epoch within an hour.
let search = FlareSearch(parameters: .standard)

notebook.markdown(
    """
    ## Method
    Each band's rotation is looked for first (generalised Lomb–Scargle periodogram); a significant \
    period under 5 days is modelled with harmonics fitted over three rotations at a time, so spots may \
    evolve. What is left is smoothed by a robust local quadratic (TESS: 0.5 day, or a tenth of the \
    period; ZTF: 20 days across nights), with flare candidates masked. σ is the local scatter, scaled \
    up where the inverted light curve shows flare-like dips (noise the scatter does not describe). \
    Flares meet the criteria of Chang et al. (2015, Eqs. 3a–d): in TESS 2-minute data at least 3 \
    consecutive points 3σ above the quiescent level, shaped like a flare (fast rise, slower decay); in \
    nightly ZTF data single points at 5σ, σ being the larger of the season's scatter and the point's own \
    error, not contradicted by another epoch within the hour.
    """)

// ## Sensitivity
// Davenport et al. (2014) flares, 0.5 per day, amplitudes 0.3–100 % and FWHM 2–60 minutes (log-uniform),
// injected into the calibrated flux before detrending.
let injection = FlareSimulator(
    parameters: .init(ratePerDay: 0.5, amplitude: 0.003...1.0, fwhmMinutes: 2...60))

notebook.markdown(
    """
    ## Sensitivity
    Synthetic Davenport et al. (2014) flares are injected at 0.5 per day (amplitudes 0.3–100 %, FWHM \
    2–60 min, log-uniform) into the calibrated light curves, which are then searched again with the same \
    settings. Recovered fractions are per injection; simulated detections appear only in the sensitivity \
    figures, never among the real detections.
    """)

// ## Run
try await notebook.run(
    catalog: catalog, observatories: observatories, analysis: search, simulator: injection)
