import GRDB

/// The database schema. A shipped migration never changes; add a new one instead.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for (identifier, sql) in migrations {
            migrator.registerMigration(identifier) { db in try db.execute(sql: sql) }
        }
        return migrator
    }

    /// Every migration, by identifier, in the order they run.
    private static let migrations: [(identifier: String, sql: String)] = [
        ("v1-runs", v1Runs),
        ("v2-incidents", v2Incidents),
        ("v3-server", v3Server),
        ("v4-alerts", v4Alerts),
        ("v5-modules", v5Modules),
        ("v6-postmortems", v6Postmortems),
        ("v7-run-dates", v7RunDates),
        ("v7-claims", v7Claims),
        ("v8-people", v8People),
        ("v9-incident-roles", v9IncidentRoles),
        ("v10-silences", v10Silences),
        ("v11-console", v11Console),
    ]

    private static let v11Console = """
        CREATE TABLE console_sessions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            prefix TEXT NOT NULL,
            hash BLOB NOT NULL,
            user TEXT,
            token_name TEXT,
            role TEXT NOT NULL,
            csrf TEXT NOT NULL,
            method TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            revoked_at REAL
        );
        CREATE INDEX console_sessions_prefix ON console_sessions (prefix);
        CREATE TABLE sign_in_links (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            prefix TEXT NOT NULL,
            hash BLOB NOT NULL,
            user TEXT NOT NULL,
            created_at REAL NOT NULL,
            expires_at REAL NOT NULL,
            used_at REAL
        );
        CREATE INDEX sign_in_links_prefix ON sign_in_links (prefix);
        """

    private static let v10Silences = """
        CREATE TABLE silences (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            matchers TEXT NOT NULL,
            starts_at REAL NOT NULL,
            ends_at REAL NOT NULL,
            created_by TEXT NOT NULL,
            comment TEXT NOT NULL,
            created_at REAL NOT NULL
        );
        CREATE INDEX silences_ends ON silences (ends_at);
        CREATE TABLE silenced_alerts (
            incident_key TEXT NOT NULL,
            key TEXT NOT NULL,
            group_key TEXT,
            alert TEXT NOT NULL,
            severity TEXT NOT NULL,
            fire_count INTEGER NOT NULL,
            first_seen REAL NOT NULL,
            last_seen REAL NOT NULL,
            silenced_by TEXT NOT NULL,
            reason TEXT NOT NULL,
            PRIMARY KEY (incident_key, key)
        );
        """

    private static let v9IncidentRoles = """
        ALTER TABLE incidents ADD COLUMN communications TEXT;
        ALTER TABLE incidents ADD COLUMN scribe TEXT;
        """

    private static let v1Runs = """
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
        """

    private static let v2Incidents = """
        CREATE TABLE incidents (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            summary TEXT,
            severity TEXT NOT NULL,
            status TEXT NOT NULL,
            triggered_at DOUBLE NOT NULL,
            acknowledged_at DOUBLE,
            mitigated_at DOUBLE,
            resolved_at DOUBLE,
            closed_at DOUBLE,
            commander TEXT,
            assignee TEXT,
            dedup_key TEXT,
            escalation_policy TEXT,
            escalation_level INTEGER,
            escalation_cycle INTEGER,
            escalation_due_at DOUBLE
        );
        CREATE INDEX incidents_status ON incidents(status, severity);
        CREATE INDEX incidents_dedup ON incidents(dedup_key) WHERE dedup_key IS NOT NULL;
        CREATE INDEX incidents_escalation ON incidents(escalation_due_at) WHERE escalation_due_at IS NOT NULL;
        CREATE TABLE incident_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            kind TEXT NOT NULL,
            actor TEXT NOT NULL,
            at DOUBLE NOT NULL,
            details TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX incident_events_incident ON incident_events(incident_id, id);
        CREATE TABLE notifications (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            channel TEXT NOT NULL,
            event TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at DOUBLE NOT NULL,
            last_error TEXT,
            created_at DOUBLE NOT NULL
        );
        CREATE INDEX notifications_due ON notifications(status, next_attempt_at);
        """

    private static let v3Server = """
        ALTER TABLE incident_events ADD COLUMN request_id TEXT;
        ALTER TABLE notifications ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE notifications ADD COLUMN sent_at DOUBLE;
        CREATE TABLE api_tokens (
            name TEXT PRIMARY KEY,
            prefix TEXT NOT NULL,
            hash BLOB NOT NULL,
            created_at DOUBLE NOT NULL,
            revoked_at DOUBLE
        );
        CREATE INDEX api_tokens_prefix ON api_tokens(prefix);
        CREATE TABLE health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at DOUBLE NOT NULL);
        """

    private static let v4Alerts = """
        ALTER TABLE runs ADD COLUMN alert TEXT;
        CREATE INDEX runs_runbook ON runs(runbook_id, started_at);
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            source TEXT NOT NULL,
            key TEXT NOT NULL,
            name TEXT NOT NULL,
            status TEXT NOT NULL,
            severity TEXT,
            labels TEXT NOT NULL DEFAULT '{}',
            annotations TEXT NOT NULL DEFAULT '{}',
            summary TEXT,
            url TEXT,
            starts_at DOUBLE,
            ends_at DOUBLE,
            fire_count INTEGER NOT NULL DEFAULT 0,
            first_seen DOUBLE NOT NULL,
            last_seen DOUBLE NOT NULL,
            UNIQUE (incident_id, key)
        );
        CREATE INDEX alerts_firing ON alerts(incident_id, status);
        CREATE TABLE sns_subscriptions (
            topic_arn TEXT NOT NULL,
            message_id TEXT PRIMARY KEY,
            subscribe_url TEXT NOT NULL,
            received_at DOUBLE NOT NULL,
            confirmed_at DOUBLE,
            confirm_error TEXT
        );
        """

    private static let v5Modules = """
        CREATE TABLE backups (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            path TEXT NOT NULL,
            bytes INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            created_at DOUBLE NOT NULL,
            expires_at DOUBLE,
            verified_at DOUBLE,
            status TEXT NOT NULL,
            error TEXT,
            reason TEXT NOT NULL,
            run_id TEXT,
            manifest TEXT
        );
        CREATE INDEX backups_source ON backups(source, created_at);
        CREATE TABLE drills (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            backup_id TEXT,
            started_at DOUBLE NOT NULL,
            rto_ms INTEGER,
            rpo_ms INTEGER,
            status TEXT NOT NULL,
            message TEXT NOT NULL,
            run_id TEXT
        );
        """

    private static let v6Postmortems = """
        CREATE TABLE postmortems (
            incident_id TEXT PRIMARY KEY REFERENCES incidents(id),
            status TEXT NOT NULL,
            markdown TEXT NOT NULL,
            updated_at DOUBLE NOT NULL,
            updated_by TEXT NOT NULL,
            published_at DOUBLE
        );
        CREATE TABLE postmortem_history (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            status TEXT NOT NULL,
            markdown TEXT NOT NULL,
            at DOUBLE NOT NULL,
            actor TEXT NOT NULL
        );
        CREATE INDEX postmortem_history_incident ON postmortem_history(incident_id, id);
        CREATE TABLE action_items (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            incident_id TEXT NOT NULL REFERENCES incidents(id),
            type TEXT NOT NULL,
            owner TEXT NOT NULL,
            status TEXT NOT NULL,
            text TEXT NOT NULL,
            link TEXT,
            created_at DOUBLE NOT NULL
        );
        CREATE INDEX action_items_incident ON action_items(incident_id, id);
        """

    /// Runs, steps and attempts inserted through their records stored dates as text (GRDB's default): the record
    /// types declared their date strategy in a form GRDB 7 no longer reads, and SQL compared that text with numbers
    /// (`started_at >= ?` counted every run as recent). Dates are seconds since 1970.
    private static let v7RunDates = [
        ("runs", "started_at"), ("runs", "finished_at"), ("run_steps", "started_at"), ("run_steps", "finished_at"),
        ("run_steps", "approved_at"), ("step_attempts", "started_at"), ("step_attempts", "finished_at"),
    ].map { table, column in
        "UPDATE \(table) SET \(column) = (julianday(\(column)) - 2440587.5) * 86400.0 WHERE typeof(\(column)) = 'text';"
    }.joined(separator: "\n")

    /// One row per claimed piece of background work (see `ClaimStorage`): who holds it, its fencing token and when
    /// its lease ends. A completed schedule slot keeps its row so that it never runs twice. Tokens come from one
    /// counter, so none is handed out twice.
    private static let v7Claims = """
        CREATE TABLE work_claims (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            owner TEXT,
            token INTEGER NOT NULL,
            expires_at DOUBLE NOT NULL,
            completed_at DOUBLE,
            PRIMARY KEY (kind, key)
        ) WITHOUT ROWID;
        CREATE INDEX work_claims_completed ON work_claims(completed_at) WHERE completed_at IS NOT NULL;
        CREATE TABLE claim_tokens (id INTEGER PRIMARY KEY CHECK (id = 1), last INTEGER NOT NULL);
        INSERT INTO claim_tokens (id, last) VALUES (1, 0);
        """

    /// On-call overrides, acknowledge-link uses, the signing key, the audit log, and tokens that belong to users.
    /// Tokens created before roles existed could do everything, so they stay `admin`.
    private static let v8People = """
        CREATE TABLE schedule_overrides (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            schedule TEXT NOT NULL,
            user TEXT NOT NULL,
            starts_at DOUBLE NOT NULL,
            ends_at DOUBLE NOT NULL,
            created_by TEXT NOT NULL,
            reason TEXT,
            created_at DOUBLE NOT NULL
        );
        CREATE INDEX schedule_overrides_range ON schedule_overrides(schedule, ends_at);
        CREATE TABLE ack_link_uses (
            notification_id INTEGER PRIMARY KEY,
            user TEXT NOT NULL,
            used_at DOUBLE NOT NULL
        );
        CREATE TABLE server_secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at DOUBLE NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            via TEXT NOT NULL,
            request_id TEXT,
            result TEXT NOT NULL
        );
        CREATE INDEX audit_log_at ON audit_log(at);
        ALTER TABLE api_tokens ADD COLUMN user TEXT;
        ALTER TABLE api_tokens ADD COLUMN role TEXT NOT NULL DEFAULT 'admin';
        """
}
