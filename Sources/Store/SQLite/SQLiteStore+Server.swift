import Foundation
import GRDB
import Incidents

/// An API token as stored: its name, a lookup prefix and the SHA-256 of the whole token. Never the token itself.
public struct TokenRecord: Sendable, Equatable, Codable {
    /// The name it was created with.
    public var name: String
    /// The first characters of the token, to find the row without storing the token.
    public var prefix: String
    /// SHA-256 of the token.
    public var hash: Data
    /// When it was created.
    public var createdAt: Date
    /// When it was revoked, if it was.
    public var revokedAt: Date?
    /// The user it acts as; nil for a token of its own (the actor is then `token:<name>`).
    public var user: String?
    /// What it may do.
    public var role: TokenRole

    /// Creates a record.
    public init(
        name: String, prefix: String, hash: Data, createdAt: Date, revokedAt: Date? = nil, user: String? = nil,
        role: TokenRole = .admin
    ) {
        self.user = user
        self.role = role
        self.name = name
        self.prefix = prefix
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    init(row: Row) {
        name = row["name"]
        prefix = row["prefix"]
        hash = row["hash"]
        createdAt = Date(timeIntervalSince1970: row["created_at"])
        revokedAt = (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        user = row["user"]
        role = TokenRole(rawValue: row["role"]) ?? .viewer
    }
}

extension SQLiteStore {
    // MARK: - Tokens

    /// Stores a new token.
    /// - Throws: ``StoreError`` `.conflict` when the name is taken (even by a revoked token, so names stay unambiguous in logs).
    public func createToken(_ token: TokenRecord) async throws {
        try await write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM api_tokens WHERE name = ?", arguments: [token.name]) == true {
                throw StoreError(
                    .conflict,
                    "a token named '\(token.name)' already exists; pick another name, or revoke and re-create under a new one"
                )
            }
            try db.execute(
                sql: "INSERT INTO api_tokens (name, prefix, hash, created_at, user, role) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [
                    token.name, token.prefix, token.hash, token.createdAt.timeIntervalSince1970, token.user,
                    token.role.rawValue,
                ])
        }
    }

    /// Every token, active and revoked, by name.
    public func tokens() async throws -> [TokenRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_tokens ORDER BY name").map(TokenRecord.init(row:))
        }
    }

    /// Tokens whose prefix matches, active or not (the caller tells revoked from wrong).
    public func tokens(prefix: String) async throws -> [TokenRecord] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_tokens WHERE prefix = ?", arguments: [prefix])
                .map(TokenRecord.init(row:))
        }
    }

    /// Revokes a token by name, and the console sessions signed in with it, in one transaction.
    /// - Throws: ``StoreError`` `.notFound` for an unknown name, `.conflict` when it is already revoked.
    public func revokeToken(name: String, at time: Date) async throws {
        try await write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT revoked_at FROM api_tokens WHERE name = ?", arguments: [name])
            else {
                throw StoreError(.notFound, "no token named '\(name)'", entity: .token)
            }
            guard (row["revoked_at"] as Double?) == nil else {
                throw StoreError(.conflict, "token '\(name)' is already revoked")
            }
            try db.execute(
                sql: "UPDATE api_tokens SET revoked_at = ? WHERE name = ?",
                arguments: [time.timeIntervalSince1970, name])
            try db.execute(
                sql: "UPDATE console_sessions SET revoked_at = ? WHERE token_name = ? AND revoked_at IS NULL",
                arguments: [time.timeIntervalSince1970, name])
        }
    }

    // MARK: - Escalations

    public func claimDueEscalations(at time: Date, owner: ClaimOwner, lease: TimeInterval, limit: Int)
        async throws -> [Claim]
    {
        try await write { db in
            let due = try String.fetchAll(
                db,
                sql: """
                    SELECT i.id FROM incidents i
                    LEFT JOIN work_claims c ON c.kind = 'escalation' AND c.key = i.id
                    WHERE i.escalation_due_at <= ? AND (c.owner IS NULL OR c.owner = ? OR c.expires_at <= ?)
                    ORDER BY i.escalation_due_at LIMIT ?
                    """,
                arguments: [time.timeIntervalSince1970, owner.description, time.timeIntervalSince1970, limit])
            var claims: [Claim] = []
            for id in due where claims.count < limit {
                if let claim = try Self.claim(
                    WorkItem(.escalation, key: id), owner: owner, lease: lease, at: time, takingOverFrom: nil, db)
                {
                    claims.append(claim)
                }
            }
            return claims
        }
    }

    /// When the next escalation is due, if any is planned.
    public func nextEscalationDue() async throws -> Date? {
        try await read { db in
            try Double.fetchOne(db, sql: "SELECT MIN(escalation_due_at) FROM incidents")
                .map(Date.init(timeIntervalSince1970:))
        }
    }

    // MARK: - Health and metrics

    /// Writes and commits a probe row, waiting at most `timeout` for a lock. Proves the database takes writes.
    /// - Throws: ``StoreError`` `.unavailable` when it does not.
    public func probeWrite(at time: Date, timeout: TimeInterval) async throws {
        guard let directory else {
            try await write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO health_probe (id, at) VALUES (1, ?)",
                    arguments: [time.timeIntervalSince1970])
            }
            return
        }
        do {
            // A connection of its own (so the probe sees a lock another process holds), opened and closed on the
            // open thread: opening a file is a wait on the disk, which the cooperative pool must not do.
            try await withTaskExecutorPreference(Self.openThread) {
                try Self.probeBlocking(
                    path: directory.appendingPathComponent("firebreak.db").path, at: time, timeout: timeout)
            }
        } catch {
            throw StoreError(.unavailable, "the database does not take writes: \(error)", cause: error)
        }
    }

    private static func probeBlocking(path: String, at time: Date, timeout: TimeInterval) throws {
        var config = Configuration()
        config.busyMode = .timeout(timeout)
        let queue = try DatabaseQueue(path: path, configuration: config)
        try queue.write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO health_probe (id, at) VALUES (1, ?)",
                arguments: [time.timeIntervalSince1970])
        }
        try queue.close()
    }

    /// Open and closed incidents counted by status and severity.
    public func incidentCounts() async throws -> [IncidentStatus: [Severity: Int]] {
        try await read { db in
            var counts: [IncidentStatus: [Severity: Int]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT status, severity, COUNT(*) AS n FROM incidents GROUP BY status, severity")
            {
                guard let status = IncidentStatus(rawValue: row["status"]),
                    let severity = Severity(rawValue: row["severity"])
                else { continue }
                counts[status, default: [:]][severity] = row["n"]
            }
            return counts
        }
    }

    /// Runs counted by status.
    public func runCounts() async throws -> [RunStatus: Int] {
        try await read { db in
            var counts: [RunStatus: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM runs GROUP BY status") {
                if let status = RunStatus(rawValue: row["status"]) { counts[status] = row["n"] }
            }
            return counts
        }
    }
}
