import Foundation
import GRDB
import Incidents

extension OverrideRecord {
    init(row: Row) {
        self.init(
            id: row["id"], schedule: row["schedule"], user: row["user"],
            from: Date(timeIntervalSince1970: row["starts_at"]), until: Date(timeIntervalSince1970: row["ends_at"]),
            createdBy: row["created_by"], reason: row["reason"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }
}

extension AuditRecord {
    init(row: Row) {
        self.init(
            id: row["id"], at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"], action: row["action"],
            target: row["target"], via: row["via"], requestID: row["request_id"], result: row["result"])
    }
}

extension SQLiteStore {
    // MARK: - Overrides

    public func addOverride(_ override: OverrideRecord) async throws -> OverrideRecord {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO schedule_overrides (schedule, user, starts_at, ends_at, created_by, reason, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    override.schedule, override.user, override.from.timeIntervalSince1970,
                    override.until.timeIntervalSince1970, override.createdBy, override.reason,
                    override.createdAt.timeIntervalSince1970,
                ])
            var stored = override
            stored.id = db.lastInsertedRowID
            return stored
        }
    }

    public func overrides(schedule: String?, from: Date?, until: Date?) async throws -> [OverrideRecord] {
        try await read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let schedule {
                clauses.append("schedule = ?")
                arguments += [schedule]
            }
            if let from {
                clauses.append("ends_at > ?")
                arguments += [from.timeIntervalSince1970]
            }
            if let until {
                clauses.append("starts_at < ?")
                arguments += [until.timeIntervalSince1970]
            }
            let filter = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM schedule_overrides \(filter) ORDER BY starts_at, id", arguments: arguments
            ).map(OverrideRecord.init(row:))
        }
    }

    public func deleteOverride(id: Int64) async throws -> OverrideRecord {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM schedule_overrides WHERE id = ?", arguments: [id])
            else {
                throw StoreError(.notFound, "no override \(id)", entity: .override)
            }
            try db.execute(sql: "DELETE FROM schedule_overrides WHERE id = ?", arguments: [id])
            return OverrideRecord(row: row)
        }
    }

    // MARK: - Acknowledge links and secrets

    public func useAckLink(
        notificationID: Int64, user: String, incidentID: String, at time: Date, requestID: String?,
        _ decide: @escaping @Sendable (Incident) throws -> Transition
    ) async throws -> Transition {
        try await write { db in
            if let row = try Row.fetchOne(
                db, sql: "SELECT user, used_at FROM ack_link_uses WHERE notification_id = ?",
                arguments: [notificationID])
            {
                let used = Date(timeIntervalSince1970: row["used_at"])
                throw StoreError(
                    .conflict,
                    "this acknowledge link was already used by \(row["user"] as String) at \(used.formatted(.iso8601))")
            }
            try db.execute(
                sql: "INSERT INTO ack_link_uses (notification_id, user, used_at) VALUES (?, ?, ?)",
                arguments: [notificationID, user, time.timeIntervalSince1970])
            return try Self.applyUpdate(id: incidentID, db, at: time, requestID: requestID, decide)
        }
    }

    public func secret(named name: String, initial: Data) async throws -> Data {
        try await write { db in
            try db.execute(
                sql: "INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                arguments: [name, initial])
            return try Data.fetchOne(db, sql: "SELECT value FROM server_secrets WHERE name = ?", arguments: [name])
                ?? initial
        }
    }

    public func notification(id: Int64) async throws -> NotificationRecord {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM notifications WHERE id = ?", arguments: [id])
            else {
                throw StoreError(.notFound, "no notification \(id)", entity: .notification)
            }
            return NotificationRecord(row: row)
        }
    }

    // MARK: - Audit

    public func recordAudit(_ entry: AuditRecord) async throws {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO audit_log (at, actor, action, target, via, request_id, result)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    entry.at.timeIntervalSince1970, entry.actor, entry.action, entry.target, entry.via,
                    entry.requestID, entry.result,
                ])
        }
    }

    public func audit(since: Date?, limit: Int) async throws -> [AuditRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM audit_log WHERE at >= ? ORDER BY at DESC, id DESC LIMIT ?",
                arguments: [since?.timeIntervalSince1970 ?? -Double.greatestFiniteMagnitude, limit]
            ).map(AuditRecord.init(row:))
        }
    }
}
