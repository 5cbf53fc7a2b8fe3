import GRDB

extension Store {
    /// The schema, as named migrations of plain SQL. A shipped migration is never edited: changes
    /// come as new migrations appended here. README.md documents the tables for users who query them.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, sources, datasets, detections, histograms") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        id TEXT PRIMARY KEY,
                        analysis TEXT NOT NULL,
                        title TEXT NOT NULL,
                        parameters TEXT NOT NULL,            -- JSON, sorted keys
                        parameter_hash TEXT NOT NULL,        -- SHA-256 of parameters
                        seed INTEGER NOT NULL,
                        code_version TEXT NOT NULL,
                        catalog_name TEXT NOT NULL,
                        catalog_checksum TEXT NOT NULL,
                        catalog_count INTEGER NOT NULL,
                        cache_directory TEXT NOT NULL,
                        shard TEXT,                          -- "i/N" or NULL for the whole catalog
                        jobs INTEGER NOT NULL,
                        synthetic INTEGER NOT NULL CHECK (synthetic IN (0, 1)),
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        status TEXT NOT NULL CHECK (status IN ('running', 'finished', 'failed')),
                        error TEXT
                    );
                    CREATE TABLE notebook_cells (
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        text TEXT NOT NULL,
                        PRIMARY KEY (run_id, position)
                    );
                    CREATE TABLE observatories (
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        description TEXT NOT NULL,
                        synthetic INTEGER NOT NULL CHECK (synthetic IN (0, 1)),
                        PRIMARY KEY (run_id, name)
                    );
                    CREATE TABLE sources (
                        id INTEGER PRIMARY KEY,
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        catalog_index INTEGER NOT NULL,
                        catalog_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        ra REAL NOT NULL,
                        dec REAL NOT NULL,
                        magnitude REAL,
                        magnitude_band TEXT,
                        pmra REAL,
                        pmdec REAL,
                        parallax REAL,
                        epoch REAL NOT NULL,
                        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
                        UNIQUE (run_id, catalog_id)
                    );
                    CREATE TABLE datasets (
                        id INTEGER PRIMARY KEY,
                        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,           -- index in the source's dataset list
                        observatory TEXT NOT NULL,
                        band TEXT NOT NULL,
                        format TEXT NOT NULL,
                        raw_path TEXT NOT NULL,              -- relative to runs.cache_directory
                        selection TEXT,                      -- e.g. the ZTF oid within the file
                        size_bytes INTEGER NOT NULL,
                        sha256 TEXT NOT NULL,
                        calibration TEXT NOT NULL,           -- JSON
                        UNIQUE (source_id, position)
                    );
                    CREATE TABLE failures (
                        id INTEGER PRIMARY KEY,
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        source_id INTEGER REFERENCES sources(id) ON DELETE CASCADE,
                        stage TEXT NOT NULL,                 -- fetch, load, analyze, simulate
                        observatory TEXT,
                        path TEXT,
                        message TEXT NOT NULL
                    );
                    CREATE TABLE statistics (
                        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                        band TEXT NOT NULL,                  -- '' for the whole source
                        name TEXT NOT NULL,
                        value REAL,
                        unit TEXT,
                        PRIMARY KEY (source_id, band, name)
                    );
                    CREATE TABLE injections (
                        id INTEGER PRIMARY KEY,
                        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                        number INTEGER NOT NULL,             -- id within the source
                        band TEXT NOT NULL,
                        peak_time REAL NOT NULL,
                        amplitude REAL NOT NULL,
                        fwhm REAL NOT NULL,                  -- days
                        ed REAL NOT NULL,                    -- seconds
                        recovered INTEGER NOT NULL CHECK (recovered IN (0, 1))
                    );
                    CREATE TABLE detections (
                        id INTEGER PRIMARY KEY,
                        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                        band TEXT NOT NULL,
                        time_system TEXT NOT NULL,
                        start REAL NOT NULL,
                        stop REAL NOT NULL,
                        peak_time REAL NOT NULL,
                        amplitude REAL NOT NULL,
                        ed REAL NOT NULL,
                        ed_err REAL NOT NULL,
                        significance REAL NOT NULL,
                        n_points INTEGER NOT NULL,
                        first_index INTEGER NOT NULL,
                        last_index INTEGER NOT NULL,
                        first_dataset_id INTEGER REFERENCES datasets(id),
                        first_row INTEGER NOT NULL,
                        peak_dataset_id INTEGER REFERENCES datasets(id),
                        peak_row INTEGER NOT NULL,
                        last_dataset_id INTEGER REFERENCES datasets(id),
                        last_row INTEGER NOT NULL,
                        simulated INTEGER NOT NULL CHECK (simulated IN (0, 1)),
                        injection_id INTEGER REFERENCES injections(id)
                    );
                    CREATE INDEX detections_by_source ON detections(source_id, simulated);
                    CREATE VIEW real_detections AS SELECT * FROM detections WHERE simulated = 0;
                    CREATE TABLE histograms (
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        quantity TEXT NOT NULL,
                        axes TEXT NOT NULL,                  -- JSON
                        PRIMARY KEY (run_id, name)
                    );
                    CREATE TABLE histogram_counts (
                        run_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        bin INTEGER NOT NULL,                -- row-major index over the axes; -1 = outside
                        count INTEGER NOT NULL,
                        PRIMARY KEY (run_id, name, bin),
                        FOREIGN KEY (run_id, name) REFERENCES histograms(run_id, name) ON DELETE CASCADE
                    );
                    """)
        }
        migrator.registerMigration("v2: detection vetting numbers") { db in
            try db.execute(
                sql: """
                    ALTER TABLE detections ADD COLUMN points_above INTEGER;        -- run points at or above N1
                    ALTER TABLE detections ADD COLUMN rise_time REAL;             -- days, half maximum to peak
                    ALTER TABLE detections ADD COLUMN decay_time REAL;            -- days, peak to half maximum
                    ALTER TABLE detections ADD COLUMN template_delta_chi2 REAL;   -- flare template vs no flare
                    ALTER TABLE detections ADD COLUMN symmetric_delta_chi2 REAL;  -- Gaussian bump vs no flare
                    ALTER TABLE detections ADD COLUMN template_fwhm REAL;         -- days
                    ALTER TABLE detections ADD COLUMN template_amplitude REAL;
                    ALTER TABLE detections ADD COLUMN vetting_flags INTEGER;      -- FlareVetting.Flags bits
                    """)
        }
        migrator.registerMigration("v3: blind vetting pages, cards and verdicts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE vet_pages (
                        id TEXT PRIMARY KEY,                 -- the page id, in the page and in every verdicts file from it
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        seed INTEGER NOT NULL,               -- sampling and shuffling seed
                        simulated_fraction REAL NOT NULL,    -- share of simulated cards asked for
                        unblinded_at TEXT                    -- NULL while vetting is blind
                    );
                    CREATE TABLE vet_cards (
                        page_id TEXT NOT NULL REFERENCES vet_pages(id) ON DELETE CASCADE,
                        card_id TEXT NOT NULL,               -- opaque id shown on the page
                        position INTEGER NOT NULL,           -- place on the page, from 1
                        detection_id INTEGER NOT NULL REFERENCES detections(id) ON DELETE CASCADE,
                        PRIMARY KEY (page_id, card_id)
                    );
                    CREATE TABLE verdicts (
                        page_id TEXT NOT NULL,
                        card_id TEXT NOT NULL,
                        detection_id INTEGER NOT NULL REFERENCES detections(id) ON DELETE CASCADE,
                        vetter TEXT NOT NULL,
                        verdict TEXT NOT NULL CHECK (verdict IN ('flare', 'not_flare', 'unsure')),
                        comment TEXT NOT NULL,
                        time TEXT NOT NULL,                  -- when the vetter judged (ISO 8601, from the browser)
                        PRIMARY KEY (page_id, card_id, vetter),
                        FOREIGN KEY (page_id, card_id) REFERENCES vet_cards(page_id, card_id) ON DELETE CASCADE
                    );
                    """)
        }
        migrator.registerMigration("v4: the share of a detection's excess before its peak") { db in
            try db.execute(sql: "ALTER TABLE detections ADD COLUMN rise_area_fraction REAL;  -- FlareVetting.riseAreaFraction")
        }
        migrator.registerMigration("v5: what the analysis's products mean, and who filled each histogram") { db in
            try db.execute(
                sql: """
                    -- As JSON, in the order the analysis gave them: kind 'statistic' (StatisticDescription), 'detection field', 'injection parameter', 'sensitivity figure',
                    -- 'coverage figure' (CoverageFigure).
                    CREATE TABLE product_descriptions (
                        run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                        kind TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        name TEXT NOT NULL,
                        description TEXT NOT NULL,
                        PRIMARY KEY (run_id, kind, position)
                    );
                    -- The sources that contributed to each coverage histogram (Histogram.sources).
                    CREATE TABLE histogram_sources (
                        run_id TEXT NOT NULL,
                        name TEXT NOT NULL,
                        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                        PRIMARY KEY (run_id, name, source_id)
                    );
                    """)
        }
        migrator.registerMigration("v6: injections of any simulator, their parameters by name") { db in
            // The injections table held a flare's peak, amplitude, FWHM and ED; a simulator's events
            // now carry named parameters, as injected and as measured. Rebuilt (SQLite cannot drop
            // columns under NOT NULL); GRDB checks the foreign keys once the migration is done.
            try db.execute(
                sql: """
                    CREATE TABLE injections_v6 (
                        id INTEGER PRIMARY KEY,
                        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
                        number INTEGER NOT NULL,             -- id within the source
                        band TEXT NOT NULL,
                        time REAL NOT NULL,                  -- the event's time: a flare's peak, a modulation's epoch
                        recovered INTEGER NOT NULL CHECK (recovered IN (0, 1))
                    );
                    INSERT INTO injections_v6 (id, source_id, number, band, time, recovered)
                        SELECT id, source_id, number, band, peak_time, recovered FROM injections;
                    -- One row per parameter of an injection (Simulator.injectionParameters says what each
                    -- means): its injected value, and what the analysis measured (NULL: not measured).
                    CREATE TABLE injection_parameters (
                        injection_id INTEGER NOT NULL REFERENCES injections(id) ON DELETE CASCADE,
                        name TEXT NOT NULL,
                        injected REAL NOT NULL,
                        measured REAL,
                        PRIMARY KEY (injection_id, name)
                    ) WITHOUT ROWID;
                    -- Flares stored before: the measured ED and amplitude are those of the detection with
                    -- the largest ED that recovered it (FlareSimulator.recovery(of:in:)).
                    INSERT INTO injection_parameters (injection_id, name, injected, measured)
                        SELECT i.id, 'ed', i.ed, (SELECT MAX(d.ed) FROM detections d WHERE d.injection_id = i.id) FROM injections i;
                    INSERT INTO injection_parameters (injection_id, name, injected, measured)
                        SELECT i.id, 'amplitude', i.amplitude,
                            (SELECT d.amplitude FROM detections d WHERE d.injection_id = i.id ORDER BY d.ed DESC LIMIT 1)
                        FROM injections i;
                    INSERT INTO injection_parameters (injection_id, name, injected, measured)
                        SELECT id, 'fwhm', fwhm, NULL FROM injections;
                    DROP TABLE injections;
                    ALTER TABLE injections_v6 RENAME TO injections;
                    """)
        }
        migrator.registerMigration("v7: the part of a detection's ED extrapolated beyond its last point") { db in
            try db.execute(sql: "ALTER TABLE detections ADD COLUMN ed_extrapolated REAL;  -- FlareVetting.extrapolatedED, s")
        }
        return migrator
    }
}
