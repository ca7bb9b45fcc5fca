import GRDB

/// The database schema. A shipped migration never changes; add a new one instead.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-runs") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    runbook_id TEXT NOT NULL,
                    runbook_path TEXT NOT NULL,
                    title TEXT NOT NULL,
                    source TEXT NOT NULL,
                    status TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    params TEXT NOT NULL,
                    cursor INTEGER NOT NULL DEFAULT 0,
                    recovering INTEGER NOT NULL DEFAULT 0,
                    incident_id TEXT,
                    error TEXT,
                    started_at DOUBLE NOT NULL,
                    finished_at DOUBLE
                );
                CREATE INDEX runs_incident ON runs(incident_id);
                CREATE TABLE run_steps (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    idx INTEGER NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    exit_code INTEGER,
                    started_at DOUBLE,
                    finished_at DOUBLE,
                    duration_ms INTEGER,
                    outputs TEXT NOT NULL DEFAULT '{}',
                    reason TEXT,
                    approved_by TEXT,
                    approved_at DOUBLE,
                    PRIMARY KEY (run_id, idx)
                ) WITHOUT ROWID;
                CREATE TABLE step_attempts (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    step_idx INTEGER NOT NULL,
                    number INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    exit_code INTEGER,
                    started_at DOUBLE NOT NULL,
                    finished_at DOUBLE,
                    duration_ms INTEGER,
                    output TEXT NOT NULL DEFAULT '',
                    PRIMARY KEY (run_id, step_idx, number)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }
}
