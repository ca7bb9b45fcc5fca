import FirebreakTesting
import Foundation
import GRDB
import Modules
import Store
import Synchronization
import Testing

@Suite("backup and restore")
struct BackupRestoreTests {
    @Test("a SQLite backup restores to equal data, with integrity and the manifest")
    func sqliteRoundTrip() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("orders.db")
        let backup = try await harness.engine.create(BackupSource(parsing: "sqlite:\(database)"))
        #expect(backup.id == "BK-1")
        #expect(backup.kind == "sqlite")
        #expect(
            backup.manifest
                == SQLiteManifest(tables: ["customers": 300, "orders": 300, "audit log": 300], userVersion: 12))
        #expect(backup.sha256.count == 64)
        #expect(backup.expiresAt == harness.now.addingTimeInterval(30 * 86_400))
        let attributes = try FileManager.default.attributesOfItem(atPath: backup.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)

        let target = harness.directory.path("restored.db")
        let report = try await harness.restorer.restore(.id(backup.id), to: target)
        #expect(report.safetyBackup == nil)
        #expect(try ModuleHarness.dump(target) == ModuleHarness.dump(database))
        #expect(try ModuleHarness.integrity(target) == "ok")
        // No temporary files are left beside the target or in the repository.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: harness.directory.path).filter {
            $0.hasPrefix(".firebreak")
        }
        #expect(leftovers.isEmpty)
        let repository = (backup.path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: repository).filter { $0.hasPrefix(".tmp") }.isEmpty)
    }

    @Test("a backup taken while a writer keeps inserting is consistent, and the writer is not blocked")
    func backupUnderWrites() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("live.db", rows: 2000)
        let pool = try DatabasePool(path: database)
        let writer = Task.detached { () -> (Int, Double) in
            var inserted = 0
            var slowest = 0.0
            while !Task.isCancelled {
                let start = Date()
                try pool.write { db in
                    try db.execute(
                        sql: "INSERT INTO \"audit log\" VALUES (?, ?)",
                        arguments: [Date().timeIntervalSince1970, "live"])
                }
                slowest = max(slowest, Date().timeIntervalSince(start))
                inserted += 1
            }
            return (inserted, slowest)
        }
        try await Task.sleep(for: .milliseconds(50))
        var backups: [BackupRecord] = []
        for _ in 0..<3 { backups.append(try await harness.engine.create(BackupSource(parsing: "sqlite:\(database)"))) }
        writer.cancel()
        let (inserted, slowest) = try await writer.value
        #expect(inserted > 10)
        #expect(slowest < 2, "a write waited \(slowest)s for the backup")
        var counts: [Int] = []
        for backup in backups {
            let restored = harness.directory.path("copy-\(backup.id).db")
            _ = try await harness.restorer.restore(.id(backup.id), to: restored)
            #expect(try ModuleHarness.integrity(restored) == "ok")
            let dump = try ModuleHarness.dump(restored)
            #expect(dump["audit log"]?.count == backup.manifest?.tables["audit log"])
            #expect(dump["customers"]?.count == 2000)
            counts.append(dump["audit log"]!.count)
        }
        #expect(counts == counts.sorted())
        #expect(counts.last! > 2000, "the backups saw none of the concurrent inserts")
        try pool.close()
    }

    @Test("a flipped byte makes verify fail and restore refuse, leaving the target byte-identical")
    func corruption() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("app.db")
        let backup = try await harness.engine.create(BackupSource(parsing: "sqlite:\(database)"))
        let passed = await harness.engine.verify(backup)
        #expect(passed.passed)
        #expect(passed.backup.verifiedAt != nil)

        let handle = try #require(FileHandle(forUpdatingAtPath: backup.path))
        try handle.seek(toOffset: 5000)
        let byte = try #require(try handle.read(upToCount: 1)).first!
        try handle.seek(toOffset: 5000)
        try handle.write(contentsOf: Data([byte ^ 0xFF]))
        try handle.close()

        let target = harness.directory.write("target.db", "the data the responder must not lose")
        let before = ModuleHarness.checksum(target)
        await #expect {
            _ = try await harness.restorer.restore(.id(backup.id), to: target)
        } throws: { error in
            guard let error = error as? ModuleError else { return false }
            return error.kind == .refused && error.message.contains("checksum mismatch")
                && error.message.contains("not touched")
        }
        #expect(ModuleHarness.checksum(target) == before)
        #expect(try await harness.store.backup(id: backup.id).status == .corrupt)
        // A second attempt is refused from the catalog, still without touching the target.
        await #expect(throws: ModuleError.self) { _ = try await harness.restorer.restore(.id(backup.id), to: target) }
        #expect(ModuleHarness.checksum(target) == before)
        let failed = await harness.engine.verify(try await harness.store.backup(id: backup.id))
        #expect(!failed.passed)
        #expect(failed.problem?.contains("checksum mismatch") == true)
        // No safety backup was taken: nothing was replaced.
        #expect(try await harness.store.backups().count == 1)
    }

    @Test("a backup whose data does not match its manifest is refused")
    func manifestMismatch() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("app.db", rows: 20)
        var backup = try await harness.engine.create(BackupSource(parsing: "sqlite:\(database)"))
        backup.manifest?.tables["orders"] = 21
        let forged = try await harness.store.insertBackup(backup)
        await #expect {
            _ = try await harness.restorer.restore(.id(forged.id), to: harness.directory.path("new.db"))
        } throws: { error in
            (error as? ModuleError)?.message.contains("table orders has 20 rows, the manifest says 21") == true
        }
        #expect(!FileManager.default.fileExists(atPath: harness.directory.path("new.db")))
    }

    @Test("restoring over an existing database takes a safety backup first, and it restores the old data")
    func safetyBackup() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("app.db", rows: 50, seed: 1)
        let original = try ModuleHarness.dump(database)
        let backup = try await harness.engine.create(BackupSource(parsing: "sqlite:\(database)"))
        let pool = try DatabasePool(path: database)
        try await pool.write {
            try $0.execute(
                sql: "DELETE FROM orders WHERE id % 2 = 0; INSERT INTO customers (name) VALUES ('after the backup')")
        }
        try pool.close()
        let damaged = try ModuleHarness.dump(database)

        let report = try await harness.restorer.restore(.latest(source: nil, at: nil), to: database)
        #expect(report.backup.id == backup.id)
        let safety = try #require(report.safetyBackup)
        #expect(safety.reason == "safety")
        #expect(safety.source == "sqlite:\(database)")
        #expect(try ModuleHarness.dump(database) == original)
        #expect(!FileManager.default.fileExists(atPath: database + "-wal") || Files.size(database + "-wal") == 0)

        _ = try await harness.restorer.restore(.id(safety.id), to: database)
        #expect(try ModuleHarness.dump(database) == damaged)
        #expect(try await harness.store.backups().filter { $0.reason == "safety" }.count == 2)
    }

    @Test("--at picks the newest backup at or before the time")
    func pointInTime() async throws {
        let harness = try await ModuleHarness()
        let file = harness.directory.write("config.txt", "version 1")
        let source = try BackupSource(parsing: "file:\(file)")
        var backups: [BackupRecord] = []
        for version in 1...3 {
            try "version \(version)".write(toFile: file, atomically: true, encoding: .utf8)
            backups.append(try await harness.engine.create(source))
            harness.advance(3600)
        }
        let start = backups[0].createdAt
        for (offset, expected) in [(0.0, 0), (3599, 0), (3600, 1), (7300, 2), (99_999, 2)] {
            let chosen = try await harness.restorer.resolve(
                .latest(source: source.description, at: start.addingTimeInterval(offset)), target: file)
            #expect(chosen.id == backups[expected].id, "at +\(offset)s")
        }
        await #expect(throws: ModuleError.self) {
            try await harness.restorer.resolve(
                .latest(source: source.description, at: start.addingTimeInterval(-1)), target: file)
        }
        _ = try await harness.restorer.restore(
            .latest(source: source.description, at: start.addingTimeInterval(3700)), to: file)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "version 2")
    }

    @Test("directories round-trip with their permissions, and an existing tree is swapped, not merged")
    func directories() async throws {
        let harness = try await ModuleHarness()
        let tree = harness.directory.path("site")
        harness.directory.write("site/index.html", "<h1>hello</h1>")
        harness.directory.write("site/private/key.pem", "secret")
        chmod(harness.directory.path("site/private/key.pem"), 0o640)
        chmod(harness.directory.path("site/private"), 0o750)
        let backup = try await harness.engine.create(BackupSource(parsing: "dir:\(tree)"))
        #expect(backup.path.hasSuffix(".tar.gz"))
        #expect(await harness.engine.verify(backup).passed)

        harness.directory.write("site/index.html", "defaced")
        harness.directory.write("site/extra.txt", "dropped by the attacker")
        let report = try await harness.restorer.restore(.id(backup.id), to: tree)
        #expect(report.safetyBackup?.kind == "dir")
        #expect(harness.directory.read("site/index.html") == "<h1>hello</h1>")
        #expect(!FileManager.default.fileExists(atPath: harness.directory.path("site/extra.txt")))
        let key = try FileManager.default.attributesOfItem(atPath: harness.directory.path("site/private/key.pem"))
        #expect((key[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        let directory = try FileManager.default.attributesOfItem(atPath: harness.directory.path("site/private"))
        #expect((directory[.posixPermissions] as? NSNumber)?.intValue == 0o750)
    }

    @Test("a dir: restore swaps the tree in one step: a watcher never sees the target missing")
    func directorySwapIsAtomic() async throws {
        let harness = try await ModuleHarness()
        let tree = harness.directory.path("site")
        for index in 0..<50 { harness.directory.write("site/page-\(index).html", String(repeating: "x", count: 4096)) }
        let backup = try await harness.engine.create(BackupSource(parsing: "dir:\(tree)"))
        let missing = Mutex(0)
        let checks = Mutex(0)
        let stop = Mutex(false)
        let watcher = Thread {
            var status = stat()
            while !stop.withLock({ $0 }) {
                if stat(tree, &status) != 0 { missing.withLock { $0 += 1 } }
                checks.withLock { $0 += 1 }
            }
        }
        watcher.start()
        for _ in 0..<5 {
            harness.directory.write("site/index.html", "defaced")
            _ = try await harness.restorer.restore(.id(backup.id), to: tree)
        }
        stop.withLock { $0 = true }
        #expect(checks.withLock { $0 } > 100, "the watcher ran during the restores")
        #expect(missing.withLock { $0 } == 0, "the target directory was missing for a moment")
        #expect(!FileManager.default.fileExists(atPath: harness.directory.path("site/index.html")))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: harness.directory.path)
            .filter { $0.hasPrefix(".firebreak-") }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test("a command backup stores the command's output; a failing command stores nothing")
    func commandBackups() async throws {
        let harness = try await ModuleHarness()
        let backup = try await harness.engine.create(
            BackupSource(parsing: "command:pg", command: "printf 'CREATE TABLE t;\\n'; echo noise >&2"))
        #expect(backup.source == "command:pg")
        #expect(try String(contentsOfFile: backup.path, encoding: .utf8) == "CREATE TABLE t;\n")
        await #expect {
            _ = try await harness.engine.create(
                BackupSource(parsing: "command:pg", command: "echo partial; echo 'connection refused' >&2; exit 3"))
        } throws: { error in
            (error as? ModuleError)?.message.contains("connection refused") == true
        }
        #expect(try await harness.store.backups().count == 1)
        let repository = (backup.path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: repository).count == 1)
    }

    @Test("bad sources are refused with the accepted forms")
    func badSources() async throws {
        let harness = try await ModuleHarness()
        #expect(throws: ModuleError.self) { try BackupSource(parsing: "postgres://x") }
        #expect(throws: ModuleError.self) { try BackupSource(parsing: "command:dump") }
        await #expect {
            _ = try await harness.engine.create(BackupSource(parsing: "sqlite:\(harness.directory.path("missing.db"))"))
        } throws: { error in (error as? ModuleError)?.kind == .invalid }
        let text = harness.directory.write("notes.txt", "not a database")
        await #expect {
            _ = try await harness.engine.create(BackupSource(parsing: "sqlite:\(text)"))
        } throws: { error in (error as? ModuleError)?.message.contains("use file:") == true }
    }

    @Test("prune deletes expired backups but never the newest good one of a source")
    func retention() async throws {
        let harness = try await ModuleHarness()
        let file = harness.directory.write("a.txt", "a")
        let source = try BackupSource(parsing: "file:\(file)")
        var backups: [BackupRecord] = []
        for _ in 0..<4 {
            backups.append(try await harness.engine.create(source, retention: Retention(keepDays: 1)))
            harness.advance(3600)
        }
        // The newest is corrupt: the newest good one is backups[2].
        try await harness.store.recordVerification(backupID: backups[3].id, at: harness.now, error: "damaged")
        harness.advance(30 * 86_400)
        let preview = try await harness.engine.prune(retention: Retention(keepDays: 1), dryRun: true)
        #expect(preview.deleted.map(\.backup.id).sorted() == [backups[0].id, backups[1].id, backups[3].id].sorted())
        #expect(try await harness.store.backups().count == 4)
        #expect(FileManager.default.fileExists(atPath: backups[0].path))

        let report = try await harness.engine.prune(retention: Retention(keepDays: 1))
        #expect(report.deleted.count == 3)
        #expect(try await harness.store.backups().map(\.id) == [backups[2].id])
        #expect(!FileManager.default.fileExists(atPath: backups[0].path))
        #expect(FileManager.default.fileExists(atPath: backups[2].path))

        // keep_last keeps the newest N whatever their age.
        for _ in 0..<3 { _ = try await harness.engine.create(source, retention: Retention(keepDays: nil)) }
        let kept = try await harness.engine.prune(retention: Retention(keepDays: nil, keepLast: 2))
        #expect(kept.deleted.count == 2)
        #expect(try await harness.store.backups().count == 2)
    }

    @Test("a drill restores the latest backup to scratch and records RTO and RPO")
    func drill() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("app.db", rows: 100)
        let before = ModuleHarness.checksum(database)
        let backup = try await harness.engine.create(BackupSource(parsing: "sqlite:\(database)"))
        harness.advance(90)
        let drill = await harness.restorer.drill(source: "sqlite:\(database)")
        #expect(drill.status == "passed", "\(drill.message)")
        #expect(drill.id == "DR-1")
        #expect(drill.backupID == backup.id)
        #expect(drill.rpoMs == 90_000)
        #expect((drill.rtoMs ?? -1) >= 0)
        #expect(try await harness.store.drills().map(\.id) == ["DR-1"])
        #expect(ModuleHarness.checksum(database) == before)

        let missing = await harness.restorer.drill(source: "sqlite:/nowhere.db")
        #expect(missing.status == "failed")
        #expect(missing.message.contains("no good backup"))
        #expect(try await harness.store.drills().count == 2)
    }
}

enum Files {
    static func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.intValue ?? 0
    }
}
