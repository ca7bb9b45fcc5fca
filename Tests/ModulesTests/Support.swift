import FirebreakTesting
import Foundation
import GRDB
import Modules
import Store
import Synchronization

/// A data directory with a store, a backup engine with an injectable clock, and helpers for SQLite files.
final class ModuleHarness: Sendable {
    let directory = TemporaryDirectory(prefix: "firebreak-modules")
    let store: any Storage
    let clock = TestClock()

    init() async throws {
        store = try await SQLiteStore.open(directory: directory.url.appendingPathComponent("data"))
    }

    var engine: BackupEngine {
        BackupEngine(
            store: store, repository: directory.url.appendingPathComponent("data/backups"),
            now: { [clock] in clock.value.withLock { $0 } })
    }

    var restorer: RestoreEngine { RestoreEngine(backups: engine) }

    func advance(_ seconds: TimeInterval) {
        clock.value.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var now: Date { clock.value.withLock { $0 } }

    /// A WAL database with three tables of random rows (text, numbers, blobs, NULLs) and a user_version.
    func randomDatabase(_ name: String, rows: Int = 300, seed: UInt64 = 42) throws -> String {
        let path = directory.path(name)
        let pool = try DatabasePool(path: path)
        var generator = SeededGenerator(seed: seed)
        try pool.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, balance REAL, note TEXT);
                    CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER REFERENCES customers(id), payload BLOB, total INTEGER);
                    CREATE TABLE "audit log" (at REAL, line TEXT);
                    CREATE INDEX orders_customer ON orders(customer);
                    PRAGMA user_version = 12;
                    """)
            for id in 1...rows {
                let name = String(
                    (0..<Int.random(in: 1...40, using: &generator)).map { _ in
                        "abcdefghijklmnopqrstuvwxyzé'\"; ".randomElement(using: &generator)!
                    })
                try db.execute(
                    sql: "INSERT INTO customers VALUES (?, ?, ?, ?)",
                    arguments: [
                        id, name, Double.random(in: -1e6...1e6, using: &generator),
                        Bool.random(using: &generator) ? nil : "note \(id)",
                    ])
                let blob = Data(
                    (0..<Int.random(in: 0...512, using: &generator)).map { _ in
                        UInt8.random(in: 0...255, using: &generator)
                    })
                try db.execute(
                    sql: "INSERT INTO orders (customer, payload, total) VALUES (?, ?, ?)",
                    arguments: [id, blob, Int64.random(in: Int64.min...Int64.max, using: &generator)])
                try db.execute(sql: "INSERT INTO \"audit log\" VALUES (?, ?)", arguments: [Double(id), "line \(id)"])
            }
        }
        try pool.close()
        return path
    }

    /// Every row of every table, as text, for comparing databases.
    static func dump(_ path: String) throws -> [String: [String]] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            var result: [String: [String]] = [:]
            for table in try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            {
                result[table] = try Row.fetchAll(
                    db, sql: "SELECT * FROM \(table.quotedDatabaseIdentifier) ORDER BY rowid"
                ).map { "\($0)" }
            }
            result["user_version"] = [try String(Int.fetchOne(db, sql: "PRAGMA user_version") ?? -1)]
            return result
        }
    }

    static func integrity(_ path: String) throws -> String {
        let queue = try DatabaseQueue(path: path)
        defer { try? queue.close() }
        return try queue.read { try String.fetchOne($0, sql: "PRAGMA integrity_check") ?? "" }
    }

    /// A fingerprint (size and FNV-1a hash) of a file's bytes, for "unchanged" checks.
    static func checksum(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "missing" }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return "\(data.count)-\(hash)"
    }
}

/// A deterministic random generator (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}

/// A settable clock shared with the engines.
final class TestClock: Sendable {
    let value = Mutex<Date>(Date(timeIntervalSince1970: 1_800_000_000))
}
