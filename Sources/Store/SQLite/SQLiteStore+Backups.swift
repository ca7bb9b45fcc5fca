import Foundation
import GRDB

/// What a SQLite backup holds: every table with its row count, and `PRAGMA user_version`.
public struct SQLiteManifest: Sendable, Equatable, Codable {
    /// Row counts by table name.
    public var tables: [String: Int]
    /// The database's `user_version`.
    public var userVersion: Int

    enum CodingKeys: String, CodingKey {
        case tables
        case userVersion = "user_version"
    }

    public init(tables: [String: Int], userVersion: Int) {
        self.tables = tables
        self.userVersion = userVersion
    }

    /// The differences from `expected`, in words; empty when they match.
    public func differences(from expected: SQLiteManifest) -> [String] {
        var problems: [String] = []
        if userVersion != expected.userVersion {
            problems.append("user_version is \(userVersion), the manifest says \(expected.userVersion)")
        }
        for (table, count) in expected.tables.sorted(by: { $0.key < $1.key }) {
            if let actual = tables[table] {
                if actual != count { problems.append("table \(table) has \(actual) rows, the manifest says \(count)") }
            } else {
                problems.append("table \(table) is missing")
            }
        }
        for table in tables.keys.sorted() where expected.tables[table] == nil {
            problems.append("table \(table) is not in the manifest")
        }
        return problems
    }
}

/// The state of a catalogued backup.
public enum BackupStatus: String, Sendable, Codable, CaseIterable {
    /// Written and checksummed; restorable.
    case ok
    /// Verification failed: the file is missing, altered or unreadable.
    case corrupt
}

/// A backup in the catalog.
public struct BackupRecord: Sendable, Equatable {
    /// `BK-n`.
    public var id: String
    /// The source as given: `sqlite:PATH`, `dir:PATH`, `file:PATH` or `command:NAME`.
    public var source: String
    /// `sqlite`, `dir`, `file` or `command`.
    public var kind: String
    /// The file in the repository.
    public var path: String
    public var bytes: Int64
    /// Hex SHA-256 of the file.
    public var sha256: String
    public var createdAt: Date
    /// When retention may delete it; `nil` keeps it until `keep_last` lets it go.
    public var expiresAt: Date?
    /// The last successful verification.
    public var verifiedAt: Date?
    public var status: BackupStatus
    /// Why verification failed.
    public var error: String?
    /// Why it was taken: `manual`, `scheduled`, `step`, `safety`.
    public var reason: String
    /// The run whose step took it.
    public var runID: String?
    /// For SQLite sources.
    public var manifest: SQLiteManifest?

    public init(
        id: String = "", source: String, kind: String, path: String, bytes: Int64, sha256: String, createdAt: Date,
        expiresAt: Date?, verifiedAt: Date? = nil, status: BackupStatus = .ok, error: String? = nil,
        reason: String, runID: String? = nil, manifest: SQLiteManifest? = nil
    ) {
        self.id = id
        self.source = source
        self.kind = kind
        self.path = path
        self.bytes = bytes
        self.sha256 = sha256
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.verifiedAt = verifiedAt
        self.status = status
        self.error = error
        self.reason = reason
        self.runID = runID
        self.manifest = manifest
    }
}

/// A restore drill: the latest backup of a source restored to scratch and verified.
public struct DrillRecord: Sendable, Equatable {
    /// `DR-n`.
    public var id: String
    public var source: String
    public var backupID: String?
    public var startedAt: Date
    /// Recovery time: restore plus verification, in milliseconds.
    public var rtoMs: Int64?
    /// Recovery point: the age of the backup used, in milliseconds.
    public var rpoMs: Int64?
    /// `passed` or `failed`.
    public var status: String
    public var message: String
    public var runID: String?

    public init(
        id: String = "", source: String, backupID: String?, startedAt: Date, rtoMs: Int64?, rpoMs: Int64?,
        status: String, message: String, runID: String? = nil
    ) {
        self.id = id
        self.source = source
        self.backupID = backupID
        self.startedAt = startedAt
        self.rtoMs = rtoMs
        self.rpoMs = rpoMs
        self.status = status
        self.message = message
        self.runID = runID
    }
}

extension SQLiteStore {
    private static let backupColumns =
        "id, source, kind, path, bytes, sha256, created_at, expires_at, verified_at, status, error, reason, run_id, manifest"

    private static func backup(from row: Row) -> BackupRecord {
        let manifest: SQLiteManifest? = (row["manifest"] as String?).flatMap {
            try? JSONDecoder().decode(SQLiteManifest.self, from: Data($0.utf8))
        }
        return BackupRecord(
            id: row["id"], source: row["source"], kind: row["kind"], path: row["path"], bytes: row["bytes"],
            sha256: row["sha256"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
            expiresAt: (row["expires_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            verifiedAt: (row["verified_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            status: BackupStatus(rawValue: row["status"]) ?? .corrupt, error: row["error"], reason: row["reason"],
            runID: row["run_id"], manifest: manifest)
    }

    /// A `WHERE` clause over `source` and `run_id`, shared by the backup and drill listings.
    private static func moduleFilter(source: String?, runID: String?) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let source {
            conditions.append("source = ?")
            arguments += [source]
        }
        if let runID {
            conditions.append("run_id = ?")
            arguments += [runID]
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), arguments)
    }

    /// Catalogs a backup whose file is already in place; returns it with its new `BK-n` id.
    public func insertBackup(_ backup: BackupRecord) async throws -> BackupRecord {
        let manifest = try backup.manifest.map { String(decoding: try JSONEncoder().encode($0), as: UTF8.self) }
        return try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO backups (id, source, kind, path, bytes, sha256, created_at, expires_at, verified_at,
                                         status, error, reason, run_id, manifest)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    UUID().uuidString, backup.source, backup.kind, backup.path, backup.bytes, backup.sha256,
                    backup.createdAt.timeIntervalSince1970, backup.expiresAt?.timeIntervalSince1970,
                    backup.verifiedAt?.timeIntervalSince1970, backup.status.rawValue, backup.error,
                    backup.reason, backup.runID, manifest,
                ])
            var stored = backup
            stored.id = "BK-\(db.lastInsertedRowID)"
            try db.execute(
                sql: "UPDATE backups SET id = ? WHERE seq = ?", arguments: [stored.id, db.lastInsertedRowID])
            return stored
        }
    }

    /// One backup.
    /// - Throws: ``StoreError`` `.notFound` naming the command that lists backups.
    public func backup(id: String) async throws -> BackupRecord {
        let normalized = id.uppercased().hasPrefix("BK-") ? "BK-" + id.dropFirst(3) : "BK-\(id)"
        guard
            let backup = try await read({ db in
                try Row.fetchOne(
                    db, sql: "SELECT \(Self.backupColumns) FROM backups WHERE id = ?", arguments: [normalized]
                ).map(Self.backup(from:))
            })
        else {
            throw StoreError(.notFound, "no backup \(id)", entity: .backup)
        }
        return backup
    }

    /// Backups, newest first; of one source when given.
    public func backups(source: String?, runID: String?) async throws -> [BackupRecord] {
        let (filter, arguments) = Self.moduleFilter(source: source, runID: runID)
        return try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.backupColumns) FROM backups \(filter) ORDER BY created_at DESC, seq DESC",
                arguments: arguments
            ).map(Self.backup(from:))
        }
    }

    /// The newest restorable (`ok`) backup of `source`, taken at or before `time` when given. Safety backups (taken
    /// of a target just before a restore replaced it) are skipped: they hold the state being recovered from; name
    /// one by id to undo a restore.
    public func latestBackup(source: String, at time: Date?) async throws -> BackupRecord? {
        try await read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT \(Self.backupColumns) FROM backups
                    WHERE source = ? AND status = 'ok' AND reason != 'safety' AND created_at <= ?
                    ORDER BY created_at DESC, seq DESC LIMIT 1
                    """,
                arguments: [source, (time ?? .distantFuture).timeIntervalSince1970]
            ).map(Self.backup(from:))
        }
    }

    /// Records a verification: `error == nil` marks it verified at `time`, otherwise corrupt with the reason.
    public func recordVerification(backupID: String, at time: Date, error: String?) async throws {
        try await write { db in
            if let error {
                try db.execute(
                    sql: "UPDATE backups SET status = 'corrupt', error = ? WHERE id = ?", arguments: [error, backupID])
            } else {
                try db.execute(
                    sql: "UPDATE backups SET status = 'ok', error = NULL, verified_at = ? WHERE id = ?",
                    arguments: [time.timeIntervalSince1970, backupID])
            }
        }
    }

    /// Removes backups from the catalog (their files are the caller's to delete first).
    public func deleteBackups(ids: [String]) async throws {
        guard !ids.isEmpty else { return }
        try await write { db in
            for id in ids { try db.execute(sql: "DELETE FROM backups WHERE id = ?", arguments: [id]) }
        }
    }

    /// Records a drill; returns it with its `DR-n` id.
    public func insertDrill(_ drill: DrillRecord) async throws -> DrillRecord {
        try await write { db in
            try db.execute(
                sql: """
                    INSERT INTO drills (id, source, backup_id, started_at, rto_ms, rpo_ms, status, message, run_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    UUID().uuidString, drill.source, drill.backupID, drill.startedAt.timeIntervalSince1970,
                    drill.rtoMs, drill.rpoMs, drill.status, drill.message, drill.runID,
                ])
            var stored = drill
            stored.id = "DR-\(db.lastInsertedRowID)"
            try db.execute(sql: "UPDATE drills SET id = ? WHERE seq = ?", arguments: [stored.id, db.lastInsertedRowID])
            return stored
        }
    }

    /// Drills, newest first; of one source or one run when given.
    public func drills(source: String?, runID: String?) async throws -> [DrillRecord] {
        let (filter, arguments) = Self.moduleFilter(source: source, runID: runID)
        return try await read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, source, backup_id, started_at, rto_ms, rpo_ms, status, message, run_id FROM drills \(filter) ORDER BY started_at DESC, seq DESC",
                arguments: arguments
            ).map { row in
                DrillRecord(
                    id: row["id"], source: row["source"], backupID: row["backup_id"],
                    startedAt: Date(timeIntervalSince1970: row["started_at"]), rtoMs: row["rto_ms"],
                    rpoMs: row["rpo_ms"], status: row["status"], message: row["message"], runID: row["run_id"])
            }
        }
    }
}
