import Foundation
import GRDB
import Incidents

extension Silence {
    init(row: Row) {
        self.init(
            id: row["id"], matchers: Trigger(flattened: SQLiteStore.decodeDetails(row["matchers"])) ?? Trigger(),
            startsAt: Date(timeIntervalSince1970: row["starts_at"]),
            endsAt: Date(timeIntervalSince1970: row["ends_at"]),
            createdBy: row["created_by"], comment: row["comment"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}

extension SilencedAlertRecord {
    init(row: Row) throws {
        let data = Data((row["alert"] as String).utf8)
        self.init(
            incidentKey: row["incident_key"], groupKey: row["group_key"],
            alert: try JSONDecoder().decode(Alert.self, from: data),
            severity: Severity(rawValue: row["severity"]) ?? .p3, fireCount: row["fire_count"],
            firstSeen: Date(timeIntervalSince1970: row["first_seen"]),
            lastSeen: Date(timeIntervalSince1970: row["last_seen"]), silencedBy: row["silenced_by"],
            reason: row["reason"])
    }
}

extension SQLiteStore {
    public func addSilence(_ silence: Silence) async throws -> Silence {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO silences (matchers, starts_at, ends_at, created_by, comment, created_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    Self.encodeDetails(silence.matchers.flattened), silence.startsAt.timeIntervalSince1970,
                    silence.endsAt.timeIntervalSince1970, silence.createdBy, silence.comment,
                    silence.createdAt.timeIntervalSince1970,
                ])
            var stored = silence
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func silences(endingAfter time: Date?) async throws -> [Silence] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM silences WHERE ends_at > ? ORDER BY id DESC",
                arguments: [time?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude]
            ).map(Silence.init(row:))
        }
    }

    public func expireSilence(id: Int64, at time: Date) async throws -> Silence {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM silences WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no silence \(id)", entity: .silence)
            }
            var silence = Silence(row: row)
            guard silence.endsAt > time else {
                throw StoreError(
                    .conflict, "silence \(id) ended already, at \(silence.endsAt.formatted(.iso8601))",
                    entity: .silence)
            }
            // A pending silence never takes effect: it starts and ends now.
            silence.startsAt = min(silence.startsAt, time)
            silence.endsAt = time
            try db.execute(
                sql: "UPDATE silences SET starts_at = ?, ends_at = ? WHERE id = ?",
                arguments: [silence.startsAt.timeIntervalSince1970, silence.endsAt.timeIntervalSince1970, id])
            return silence
        }
    }

    public func silencedAlerts() async throws -> [SilencedAlertRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM silenced_alerts ORDER BY first_seen, key").map(
                SilencedAlertRecord.init(row:))
        }
    }
}

extension SQLiteAlertTransaction {
    public func activeSilences(at time: Date) throws -> [Silence] {
        try Row.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM silences WHERE starts_at <= ? AND ends_at > ? ORDER BY id"),
            arguments: [time.timeIntervalSince1970, time.timeIntervalSince1970]
        ).map(Silence.init(row:))
    }

    public func holdSilenced(_ record: SilencedAlertRecord) throws -> Int {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let alert = String(decoding: try encoder.encode(record.alert), as: UTF8.self)
        try db.cachedStatement(
            sql: """
                INSERT INTO silenced_alerts (incident_key, key, group_key, alert, severity, fire_count, first_seen,
                                             last_seen, silenced_by, reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (incident_key, key) DO UPDATE SET
                    fire_count = fire_count + 1, last_seen = excluded.last_seen, alert = excluded.alert,
                    silenced_by = excluded.silenced_by, reason = excluded.reason
                """
        ).execute(arguments: [
            record.incidentKey, record.alert.key, record.groupKey, alert, record.severity.rawValue, record.fireCount,
            record.firstSeen.timeIntervalSince1970, record.lastSeen.timeIntervalSince1970, record.silencedBy,
            record.reason,
        ])
        return try Int.fetchOne(
            db.cachedStatement(sql: "SELECT fire_count FROM silenced_alerts WHERE incident_key = ? AND key = ?"),
            arguments: [record.incidentKey, record.alert.key]) ?? 1
    }

    public func releaseSilenced(incidentKey: String, alertKey: String) throws -> SilencedAlertRecord? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT * FROM silenced_alerts WHERE incident_key = ? AND key = ?"),
                arguments: [incidentKey, alertKey])
        else { return nil }
        try db.cachedStatement(sql: "DELETE FROM silenced_alerts WHERE incident_key = ? AND key = ?")
            .execute(arguments: [incidentKey, alertKey])
        return try SilencedAlertRecord(row: row)
    }
}
