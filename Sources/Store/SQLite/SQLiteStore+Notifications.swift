import Foundation
import GRDB

/// A notification in the outbox: pending, sent, or dead (a dead letter).
public struct NotificationRecord: Sendable, Equatable, Codable {
    /// Where a notification is in its life.
    public enum Status: String, Sendable, Codable {
        /// Waiting for its next attempt.
        case pending
        /// Delivered.
        case sent
        /// Every attempt failed; `firebreak dlq replay` re-queues it.
        case dead
    }

    /// Row id.
    public var id: Int64
    /// The incident it is about.
    public var incidentID: String
    /// The channel name.
    public var channel: String
    /// The event (`opened`, `escalated`, …).
    public var event: String
    /// Details of the event (an escalation's level and cycle).
    public var details: [String: String]
    /// Where it is.
    public var status: Status
    /// Delivery attempts so far.
    public var attempts: Int
    /// When the next attempt is due.
    public var nextAttemptAt: Date
    /// The error of the last failed attempt.
    public var lastError: String?
    /// When the decision that queued it was committed.
    public var createdAt: Date
    /// When it was delivered.
    public var sentAt: Date?

    init(row: Row) {
        id = row["id"]
        incidentID = row["incident_id"]
        channel = row["channel"]
        event = row["event"]
        details = SQLiteStore.decodeDetails(row["details"])
        status = Status(rawValue: row["status"]) ?? .pending
        attempts = row["attempts"]
        nextAttemptAt = Date(timeIntervalSince1970: row["next_attempt_at"])
        lastError = row["last_error"]
        createdAt = Date(timeIntervalSince1970: row["created_at"])
        sentAt = (row["sent_at"] as Double?).map(Date.init(timeIntervalSince1970:))
    }
}

extension SQLiteStore {
    /// The notification outbox rows of an incident.
    public func notifications(incidentID: String) async throws -> [NotificationRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM notifications WHERE incident_id = ? ORDER BY id",
                arguments: [incidentID.uppercased()]
            ).map(NotificationRecord.init(row:))
        }
    }

    public func claimDueNotifications(at time: Date, owner: ClaimOwner, lease: TimeInterval, limit: Int)
        async throws -> [ClaimedNotification]
    {
        try await write { db in
            // Oldest first; a row another live owner holds is passed over in the query itself (SQLite's writer
            // lock makes this the single-node `FOR UPDATE SKIP LOCKED`).
            let due = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT n.* FROM notifications n
                        LEFT JOIN work_claims c ON c.kind = 'notification' AND c.key = CAST(n.id AS TEXT)
                        WHERE n.status = 'pending' AND n.next_attempt_at <= ?
                            AND (c.owner IS NULL OR c.owner = ? OR c.expires_at <= ?)
                        ORDER BY n.next_attempt_at, n.id LIMIT ?
                        """),
                arguments: [time.timeIntervalSince1970, owner.description, time.timeIntervalSince1970, limit]
            ).map(NotificationRecord.init(row:))
            var claimed: [ClaimedNotification] = []
            for notification in due where claimed.count < limit {
                let work = WorkItem(.notification, key: String(notification.id))
                guard let claim = try Self.claim(work, owner: owner, lease: lease, at: time, takingOverFrom: nil, db)
                else { continue }
                claimed.append(ClaimedNotification(notification: notification, claim: claim))
            }
            return claimed
        }
    }

    /// When the next pending notification is due, if any is.
    public func nextNotificationDue() async throws -> Date? {
        try await read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(next_attempt_at) FROM notifications WHERE status = 'pending'")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    public func markNotificationSent(id: Int64, at time: Date, claim: Claim) async throws {
        try await write { db in
            try Self.ensureClaim(claim, isFor: WorkItem(.notification, key: String(id)))
            try Self.ensureHeld(claim, db)
            try db.execute(
                sql:
                    "UPDATE notifications SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?",
                arguments: [time.timeIntervalSince1970, id])
            try Self.release(claim, completed: false, db)
        }
    }

    public func markNotificationFailed(id: Int64, error: String, retryAt: Date?, claim: Claim) async throws {
        try await write { db in
            try Self.ensureClaim(claim, isFor: WorkItem(.notification, key: String(id)))
            try Self.ensureHeld(claim, db)
            try db.execute(
                sql: """
                    UPDATE notifications SET status = ?, attempts = attempts + 1, last_error = ?,
                        next_attempt_at = COALESCE(?, next_attempt_at)
                    WHERE id = ?
                    """,
                arguments: [retryAt == nil ? "dead" : "pending", error, retryAt?.timeIntervalSince1970, id])
            try Self.release(claim, completed: false, db)
        }
    }

    public func postponeNotification(id: Int64, until time: Date, claim: Claim) async throws {
        try await write { db in
            try Self.ensureClaim(claim, isFor: WorkItem(.notification, key: String(id)))
            try Self.ensureHeld(claim, db)
            try db.execute(
                sql: "UPDATE notifications SET next_attempt_at = ? WHERE id = ?",
                arguments: [time.timeIntervalSince1970, id])
            try Self.release(claim, completed: false, db)
        }
    }

    /// Dead letters, oldest first.
    public func deadLetters() async throws -> [NotificationRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM notifications WHERE status = 'dead' ORDER BY id")
                .map(NotificationRecord.init(row:))
        }
    }

    /// Re-queues dead letters (all of them when `id` is nil) for delivery now, with a fresh count of attempts.
    /// - Returns: The re-queued notifications.
    /// - Throws: ``StoreError`` `.notFound` when `id` is not a dead letter.
    @discardableResult
    public func replayDeadLetters(id: Int64?, at time: Date) async throws -> [NotificationRecord] {
        try await write { db in
            var sql = "SELECT * FROM notifications WHERE status = 'dead'"
            var arguments: StatementArguments = []
            if let id {
                sql += " AND id = ?"
                arguments += [id]
            }
            let rows = try Row.fetchAll(db, sql: sql + " ORDER BY id", arguments: arguments).map(
                NotificationRecord.init(row:))
            if let id, rows.isEmpty {
                let status = try String.fetchOne(
                    db, sql: "SELECT status FROM notifications WHERE id = ?", arguments: [id])
                throw StoreError(
                    .notFound,
                    status.map { "notification \(id) is \($0), not a dead letter; only dead letters can be replayed" }
                        ?? "no notification \(id)", entity: .notification)
            }
            var replayed: [NotificationRecord] = []
            for var row in rows {
                try db.execute(
                    sql: "UPDATE notifications SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ?",
                    arguments: [time.timeIntervalSince1970, row.id])
                row.status = .pending
                row.attempts = 0
                row.nextAttemptAt = time
                replayed.append(row)
            }
            return replayed
        }
    }

    /// Counts of notifications by status.
    public func notificationCounts() async throws -> [NotificationRecord.Status: Int] {
        try await read { db in
            var counts: [NotificationRecord.Status: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM notifications GROUP BY status") {
                if let status = NotificationRecord.Status(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }
}
