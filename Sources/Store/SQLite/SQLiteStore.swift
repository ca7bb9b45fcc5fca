import Foundation
import GRDB
import Synchronization

/// The SQLite engine of ``Storage``: schema, migrations and every read and write, on GRDB's async `read` and
/// `write` (their closures run on GRDB's own queues, never blocking the cooperative pool).
public final class SQLiteStore: Storage {
    /// The database connection pool (WAL).
    let writer: any DatabaseWriter
    /// The data directory, or `nil` for an in-memory store.
    public let directory: URL?

    /// Opens (creating when needed) `firebreak.db` in `directory`, with owner-only permissions.
    ///
    /// ```swift
    /// let store = try SQLiteStore.open(directory: URL(fileURLWithPath: ".firebreak"))
    /// ```
    /// - Throws: ``StoreError`` when the directory cannot be created or the database cannot be opened.
    public static func open(directory: URL, configuration: StoreConfiguration = StoreConfiguration()) throws
        -> SQLiteStore
    {
        let manager = FileManager.default
        do {
            try manager.createDirectory(
                at: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
            try manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory.path)
        } catch {
            throw StoreError(
                .unavailable,
                "cannot create the data directory \(directory.path): \(error.localizedDescription)",
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
            let store = SQLiteStore(writer: pool, directory: directory)
            try store.migrate()
            return store
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.unavailable, "cannot open the database \(path): \(error)", cause: error)
        }
    }

    /// Opens the store as ``open(directory:configuration:)`` does, on a thread of its own: opening and migrating
    /// a database file waits on the disk, which an async caller must not do on the cooperative pool.
    public static func open(directory: URL, configuration: StoreConfiguration = StoreConfiguration()) async throws
        -> SQLiteStore
    {
        try await withTaskExecutorPreference(openThread) {
            try openBlocking(directory: directory, configuration: configuration)
        }
    }

    /// Where async callers open databases (and the health probe its own connection).
    static let openThread = DedicatedExecutor(name: "firebreak-open")

    private static func openBlocking(directory: URL, configuration: StoreConfiguration) throws -> SQLiteStore {
        try open(directory: directory, configuration: configuration)
    }

    /// An in-memory store, for tests.
    public static func inMemory() throws -> SQLiteStore {
        let store = SQLiteStore(writer: try DatabaseQueue(), directory: nil)
        try store.migrate()
        return store
    }

    init(writer: any DatabaseWriter, directory: URL?) {
        self.writer = writer
        self.directory = directory
        writer.add(transactionObserver: ChangeObserver(feed: changes), extent: .databaseLifetime)
    }

    /// What each commit changed (see ``ChangeObserver``).
    public let changes = ChangeFeed()
    /// The writer connection's `PRAGMA data_version` at the last look (``announceForeignCommits()``).
    let lastDataVersion = Mutex<Int?>(nil)

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
    ///
    /// Every write runs on ``writeThread`` with GRDB's synchronous write, which executes on the calling thread:
    /// SQLite takes one writer at a time anyway, and a task that prefers the write executor (the alert writer, a
    /// terminal's run) reaches the database with no thread hop at all. Measured with `scripts/bench/ingest.sh` and
    /// `step-overhead.sh`, the hop to GRDB's queue and back cost a fifth of the alerts per second and 18% per step.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let writer = self.writer
        return try await withTaskExecutorPreference(Self.writeThread) {
            try Self.writeBlocking(writer, body)
        }
    }

    public var writeExecutor: (any TaskExecutor)? { Self.writeThread }

    /// One write thread per process, however many stores (tests open several).
    static let writeThread = DedicatedExecutor(name: "firebreak-write")

    /// GRDB's synchronous write; only ever called on ``writeThread``, never on the cooperative pool.
    private static func writeBlocking<T>(_ writer: any DatabaseWriter, _ body: (Database) throws -> T) throws -> T {
        do {
            return try writer.write(body)
        } catch let error as DatabaseError {
            throw StoreError(.unavailable, "database write failed: \(error)", cause: error)
        }
    }

    /// Runs `body` in a read transaction; SQLite errors become ``StoreError``, errors thrown by `body` pass through.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch let error as DatabaseError {
            throw StoreError(.unavailable, "database read failed: \(error)", cause: error)
        }
    }
}
