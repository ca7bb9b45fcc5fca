import Foundation
import GRDB

/// Operations on SQLite files other than Firebreak's own database: snapshots, integrity checks, probes. They live
/// here because the store is the only code that writes SQL.
public enum SQLiteFiles {
    /// The 16-byte header every SQLite 3 database file starts with.
    static let header = Array("SQLite format 3\0".utf8)

    /// Whether the file at `path` starts with the SQLite header.
    public static func isDatabase(path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let bytes = (try? handle.read(upToCount: header.count)) ?? Data()
        return Array(bytes) == header
    }

    /// Copies the live database at `source` into a new file at `destination` through SQLite's online backup API,
    /// in one step under one read transaction: the copy is consistent, and in WAL mode writers carry on meanwhile.
    /// The copy is switched to rollback-journal mode so it is one self-contained file.
    /// - Returns: the copy's manifest.
    /// - Throws: ``StoreError`` saying what failed.
    public static func snapshot(database source: String, to destination: String, busyTimeout: TimeInterval = 10) throws
        -> SQLiteManifest
    {
        guard FileManager.default.fileExists(atPath: source) else {
            throw StoreError(.notFound, "\(source) does not exist; check the path of the sqlite: source")
        }
        guard isDatabase(path: source) else {
            throw StoreError(
                .conflict,
                "\(source) is not a SQLite database (its header is wrong); use file:\(source) to archive it as a plain file"
            )
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(busyTimeout)
            let reader = try DatabaseQueue(path: source, configuration: configuration)
            let copy = try DatabaseQueue(path: destination)
            try reader.backup(to: copy)
            try reader.close()
            try copy.writeWithoutTransaction { db in
                _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = DELETE")
            }
            let manifest = try copy.read(manifest(of:))
            try copy.close()
            return manifest
        } catch let error as DatabaseError {
            throw StoreError(.unavailable, "cannot back up \(source): \(error.message ?? "\(error)")", cause: error)
        }
    }

    /// What a check of a database file found.
    public struct Inspection: Sendable {
        /// `PRAGMA integrity_check` lines other than "ok".
        public var integrityProblems: [String]
        public var manifest: SQLiteManifest
    }

    /// Runs `PRAGMA integrity_check` and counts every table's rows, reading only.
    /// - Throws: ``StoreError`` when the file cannot be opened as a database at all.
    public static func inspect(path: String) throws -> Inspection {
        guard isDatabase(path: path) else {
            throw StoreError(.conflict, "\(path) is not a SQLite database (its header is wrong)")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                let lines = try String.fetchAll(db, sql: "PRAGMA integrity_check")
                let problems = lines.filter { $0 != "ok" }
                return Inspection(
                    integrityProblems: problems,
                    manifest: problems.isEmpty ? try manifest(of: db) : SQLiteManifest(tables: [:], userVersion: 0))
            }
        } catch let error as DatabaseError {
            throw StoreError(
                .conflict, "\(path) cannot be read as a database: \(error.message ?? "\(error)")", cause: error)
        }
    }

    /// Opens `path` read-only and runs `query`; returns its first column of the first row, as text.
    /// - Throws: ``StoreError`` with SQLite's message.
    public static func probe(path: String, query: String, busyTimeout: TimeInterval = 5) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.notFound, "\(path) does not exist")
        }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(busyTimeout)
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            return try queue.read { db in
                try Row.fetchOne(db, sql: query).map { row in row.databaseValues.first.map(text(of:)) ?? "" }
            }
        } catch let error as DatabaseError {
            throw StoreError(.unavailable, "\(path): \(error.message ?? "\(error)")", cause: error)
        }
    }

    static func text(of value: DatabaseValue) -> String {
        switch value.storage {
        case .null: "NULL"
        case .int64(let number): String(number)
        case .double(let number): String(number)
        case .string(let string): string
        case .blob(let data): "<\(data.count) bytes>"
        }
    }

    static func manifest(of db: Database) throws -> SQLiteManifest {
        let tables = try String.fetchAll(
            db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        var counts: [String: Int] = [:]
        for table in tables {
            counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.quotedDatabaseIdentifier)") ?? 0
        }
        let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        return SQLiteManifest(tables: counts, userVersion: version)
    }
}
