import Foundation
import GRDB

/// How hard a commit works to survive power loss.
public enum Durability: String, Sendable {
    /// WAL with `synchronous=NORMAL`: every commit survives `kill -9`; power loss may lose the last commits.
    case normal
    /// WAL with `synchronous=FULL`: every commit is fsynced and survives power loss too.
    case full
}

/// Settings of the store.
public struct StoreConfiguration: Sendable {
    /// Commit durability.
    public var durability: Durability
    /// How long a writer waits for a lock held by another process.
    public var busyTimeout: TimeInterval

    /// Creates a configuration.
    public init(durability: Durability = .normal, busyTimeout: TimeInterval = 10) {
        self.durability = durability
        self.busyTimeout = busyTimeout
    }
}

/// The SQLite database: schema, migrations and every read and write. The only code that writes SQL.
public final class Store: Sendable {
    /// The database connection pool (WAL).
    let writer: any DatabaseWriter
    /// The data directory, or `nil` for an in-memory store.
    public let directory: URL?

    /// Opens (creating when needed) `firebreak.db` in `directory`, with owner-only permissions.
    ///
    /// ```swift
    /// let store = try Store.open(directory: URL(fileURLWithPath: ".firebreak"))
    /// ```
    /// - Throws: ``StoreError`` when the directory cannot be created or the database cannot be opened.
    public static func open(directory: URL, configuration: StoreConfiguration = StoreConfiguration()) throws -> Store {
        let manager = FileManager.default
        do {
            try manager.createDirectory(
                at: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        } catch {
            throw StoreError(
                .unavailable,
                "cannot create the data directory \(directory.path): \(error.localizedDescription); pass --data-dir or set FIREBREAK_DATA to a writable directory",
                cause: error)
        }
        var config = Configuration()
        config.busyMode = .timeout(configuration.busyTimeout)
        let synchronous = configuration.durability == .full ? "FULL" : "NORMAL"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
        }
        let path = directory.appendingPathComponent("firebreak.db").path
        let previousMask = umask(0o077)
        defer { umask(previousMask) }
        do {
            let pool = try DatabasePool(path: path, configuration: config)
            for suffix in ["", "-wal", "-shm"] where manager.fileExists(atPath: path + suffix) {
                try? manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path + suffix)
            }
            let store = Store(writer: pool, directory: directory)
            try store.migrate()
            return store
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot open the database \(path): \(error)", cause: error)
        }
    }

    /// An in-memory store, for tests.
    public static func inMemory() throws -> Store {
        let store = Store(writer: try DatabaseQueue(), directory: nil)
        try store.migrate()
        return store
    }

    init(writer: any DatabaseWriter, directory: URL?) {
        self.writer = writer
        self.directory = directory
    }

    private func migrate() throws {
        do {
            try Schema.migrator.migrate(writer)
        } catch {
            throw StoreError(
                .unavailable,
                "cannot migrate the database: \(error); it may come from a newer Firebreak", cause: error)
        }
    }

    /// Runs `body` in a write transaction; SQLite errors become ``StoreError``, errors thrown by `body` pass through.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.write(body)
        } catch let error as DatabaseError {
            throw StoreError(.unavailable, "database write failed: \(error)", cause: error)
        }
    }

    /// Runs `body` in a read transaction; SQLite errors become ``StoreError``, errors thrown by `body` pass through.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.read(body)
        } catch let error as DatabaseError {
            throw StoreError(.unavailable, "database read failed: \(error)", cause: error)
        }
    }
}

/// An error from the store.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Equatable, CustomStringConvertible {
        enum Kind: String, Sendable {
            case notFound
            case conflict
            case unavailable
            case cancelled
        }

        let kind: Kind
        /// The record does not exist.
        public static let notFound = Code(kind: .notFound)
        /// The change conflicts with the current state.
        public static let conflict = Code(kind: .conflict)
        /// The database cannot be used.
        public static let unavailable = Code(kind: .unavailable)
        /// The run was cancelled: its executor's write is refused, and the executor stops.
        public static let cancelled = Code(kind: .cancelled)

        public var description: String { kind.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong and how to fix it.
    public var message: String
    /// The underlying error.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause.map { "\($0)" }.map(CauseDescription.init)
    }

    public var description: String { message }
}

/// A sendable description of an underlying error.
struct CauseDescription: Error, Sendable {
    let text: String
    init(_ text: String) { self.text = text }
}
