import Foundation
import GRDB
import Incidents

/// An alert as stored, attached to its incident.
public struct AlertRecord: Sendable, Equatable {
    public var incidentID: String
    public var alert: Alert
    /// The mapped severity when it first fired.
    public var severity: String?
    /// How many times it fired (first delivery and repeats).
    public var fireCount: Int
    public var firstSeen: Date
    public var lastSeen: Date
}

/// An SNS subscription confirmation that arrived.
public struct SNSSubscription: Sendable, Equatable {
    public var topicArn: String
    public var messageID: String
    public var subscribeURL: String
    public var receivedAt: Date
    public var confirmedAt: Date?
    public var confirmError: String?
}

/// SQLite's ``AlertTransaction``: the write transaction of one ingest batch.
struct SQLiteAlertTransaction: AlertTransaction {
    let db: Database

    /// What the store holds for an incident key and one of its alerts.
    public func snapshot(incidentKey: String, alertKey: String) throws -> AlertSnapshot {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: "SELECT \(SQLiteStore.selection) FROM incidents WHERE dedup_key = ? ORDER BY seq DESC LIMIT 1"),
                arguments: [incidentKey])
        else { return AlertSnapshot() }
        let incident = SQLiteStore.incident(from: row)
        var state: AlertSnapshot.AlertState?
        if let alertRow = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT status, fire_count FROM alerts WHERE incident_id = ? AND key = ?"),
            arguments: [incident.id, alertKey])
        {
            state = AlertSnapshot.AlertState(
                status: AlertStatus(rawValue: alertRow[0]) ?? .resolved, fireCount: alertRow[1])
        }
        let others =
            try Int.fetchOne(
                db.cachedStatement(
                    sql: "SELECT count(*) FROM alerts WHERE incident_id = ? AND status = 'firing' AND key != ?"),
                arguments: [incident.id, alertKey]) ?? 0
        return AlertSnapshot(incident: incident, alert: state, othersFiring: others)
    }

    /// The id the next incident gets.
    public func nextIncidentID() throws -> String {
        let last =
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT seq FROM sqlite_sequence WHERE name = 'incidents'")) ?? 0
        return "INC-\(last + 1)"
    }

    /// Stores a decision: the incident (inserted or updated), its timeline and outbox rows, and the alert row.
    public func store(_ decision: AlertDecision, alert: Alert, severity: Severity, at time: Date, requestID: String?)
        throws
    {
        guard let transition = decision.transition else { return }
        switch decision.outcome {
        case .opened: try SQLiteStore.insert(transition.incident, db)
        case .reopened, .autoResolved, .acknowledged: try SQLiteStore.update(transition.incident, db)
        case .attached, .repeated, .resolved, .ignored, .silenced: break
        }
        try SQLiteStore.perform(transition, db, at: time, requestID: requestID)
        guard decision.outcome != .acknowledged else { return }
        if decision.outcome == .repeated {
            // The hot path of an alert storm: only the count and the time change.
            try db.cachedStatement(
                sql: "UPDATE alerts SET fire_count = ?, last_seen = ? WHERE incident_id = ? AND key = ?"
            )
            .execute(arguments: [decision.fireCount, time.timeIntervalSince1970, transition.incident.id, alert.key])
            return
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO alerts (incident_id, source, key, name, status, severity, labels, annotations, summary, url,
                                    starts_at, ends_at, fire_count, first_seen, last_seen)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (incident_id, key) DO UPDATE SET
                    status = excluded.status, fire_count = excluded.fire_count, last_seen = excluded.last_seen,
                    ends_at = excluded.ends_at, labels = excluded.labels, annotations = excluded.annotations,
                    summary = excluded.summary, url = excluded.url
                """
        ).execute(arguments: [
            transition.incident.id, alert.source, alert.key, alert.name, alert.status.rawValue, severity.rawValue,
            SQLiteStore.encodeDetails(alert.labels), SQLiteStore.encodeDetails(alert.annotations), alert.summary,
            alert.url,
            alert.startsAt?.timeIntervalSince1970,
            alert.status == .resolved ? (alert.endsAt ?? time).timeIntervalSince1970 : nil,
            decision.fireCount, time.timeIntervalSince1970, time.timeIntervalSince1970,
        ])
    }

    /// Whether `runbook` already has a run for the incident.
    public func hasRun(incidentID: String, runbook: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM runs WHERE incident_id = ? AND runbook_id = ?)"),
            arguments: [incidentID, runbook]) ?? false
    }

    /// Automatic (alert-started) runs of `runbook` since `time`.
    public func automaticRuns(runbook: String, since time: Date) throws -> Int {
        try Int.fetchOne(
            db.cachedStatement(
                sql: "SELECT count(*) FROM runs WHERE runbook_id = ? AND started_at >= ? AND alert IS NOT NULL"),
            arguments: [runbook, time.timeIntervalSince1970]) ?? 0
    }

    /// Inserts a run and its pending steps.
    public func createRun(_ run: RunRecord, steps: [StepRecord]) throws -> RunRecord {
        try SQLiteStore.insertRun(run, steps: steps, db)
    }

    /// Appends a timeline entry.
    public func append(_ entry: TimelineEntry, to incidentID: String, requestID: String?) throws {
        try SQLiteStore.append(entry, to: incidentID, requestID: requestID, db)
    }

    /// Runs `body` in a savepoint: when it throws, its writes are undone and the rest of the transaction stays.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body()
            return .commit
        }
        return result!
    }
}

extension SQLiteStore {
    /// One write transaction for a batch of alert deliveries (group commit: many requests, one fsync).
    public func ingest<T: Sendable>(_ body: @escaping @Sendable (any AlertTransaction) throws -> T) async throws -> T {
        try await write { db in try body(SQLiteAlertTransaction(db: db)) }
    }

    /// The alerts of an incident, in the order they first fired.
    public func alerts(incidentID: String) async throws -> [AlertRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM alerts WHERE incident_id = ? ORDER BY id", arguments: [incidentID.uppercased()]
            )
            .map(Self.alertRecord(from:))
        }
    }

    /// The most recently seen alerts, newest first.
    public func recentAlerts(limit: Int) async throws -> [AlertRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM alerts ORDER BY last_seen DESC, id DESC LIMIT ?", arguments: [limit]
            )
            .map(Self.alertRecord(from:))
        }
    }

    /// How many alert rows there are, and how many deliveries they counted.
    public func alertTotals() async throws -> (alerts: Int, deliveries: Int) {
        try await read { db in
            let row = try Row.fetchOne(db, sql: "SELECT count(*) AS n, coalesce(sum(fire_count), 0) AS d FROM alerts")
            return (row?["n"] ?? 0, row?["d"] ?? 0)
        }
    }

    static func alertRecord(from row: Row) -> AlertRecord {
        func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
        let alert = Alert(
            source: row["source"], key: row["key"], status: AlertStatus(rawValue: row["status"]) ?? .resolved,
            name: row["name"], labels: decodeDetails(row["labels"]), annotations: decodeDetails(row["annotations"]),
            summary: row["summary"], severity: nil, startsAt: date("starts_at"), endsAt: date("ends_at"),
            url: row["url"])
        return AlertRecord(
            incidentID: row["incident_id"], alert: alert, severity: row["severity"],
            fireCount: row["fire_count"], firstSeen: date("first_seen") ?? Date(timeIntervalSince1970: 0),
            lastSeen: date("last_seen") ?? Date(timeIntervalSince1970: 0))
    }

    // MARK: SNS subscriptions

    /// Records a subscription confirmation request (again: the same message is stored once).
    public func recordSubscription(topicArn: String, messageID: String, subscribeURL: String, at time: Date)
        async throws
    {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO sns_subscriptions (topic_arn, message_id, subscribe_url, received_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (message_id) DO NOTHING
                    """, arguments: [topicArn, messageID, subscribeURL, time.timeIntervalSince1970])
        }
    }

    /// Records the outcome of confirming a subscription.
    public func markSubscription(messageID: String, confirmedAt: Date?, error: String?) async throws {
        try await write { db in
            try db.execute(
                sql: "UPDATE sns_subscriptions SET confirmed_at = ?, confirm_error = ? WHERE message_id = ?",
                arguments: [confirmedAt?.timeIntervalSince1970, error, messageID])
        }
    }

    /// Subscription confirmations, newest first.
    public func subscriptions() async throws -> [SNSSubscription] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sns_subscriptions ORDER BY received_at DESC").map { row in
                SNSSubscription(
                    topicArn: row["topic_arn"], messageID: row["message_id"], subscribeURL: row["subscribe_url"],
                    receivedAt: Date(timeIntervalSince1970: row["received_at"]),
                    confirmedAt: (row["confirmed_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    confirmError: row["confirm_error"])
            }
        }
    }
}
