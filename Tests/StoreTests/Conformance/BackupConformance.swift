import Foundation
import Store
import Testing

/// ``ModuleRecordStorage``: the backup catalog and restore drills.
@Suite("Conformance: backups and drills")
struct BackupConformance {
    static func backup(
        _ source: String = "sqlite:/srv/app.db", at time: Date, reason: String = "scheduled", runID: String? = nil,
        status: BackupStatus = .ok
    ) -> BackupRecord {
        BackupRecord(
            source: source, kind: String(source.prefix { $0 != ":" }),
            path: "/backups/\(time.timeIntervalSince1970).bak",
            bytes: 4096, sha256: String(repeating: "ab", count: 32), createdAt: time, expiresAt: time.plus(86_400),
            status: status, reason: reason, runID: runID,
            manifest: source.hasPrefix("sqlite:")
                ? SQLiteManifest(tables: ["orders": 12, "users": 3], userVersion: 4) : nil)
    }

    @Test("insertBackup catalogs a backup under a new BK id; backup reads it back whole", arguments: Engine.allCases)
    func insert(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let given = Self.backup(at: t0, runID: "RUN-3")
        let first = try await store.insertBackup(given)
        let second = try await store.insertBackup(Self.backup("dir:/etc/app", at: t0.plus(60)))
        #expect(first.id.hasPrefix("BK-"))
        #expect(second.id.hasPrefix("BK-"))
        #expect(first.id != second.id)
        var expected = given
        expected.id = first.id
        #expect(first == expected)
        #expect(try await store.backup(id: first.id) == expected)
        #expect(try await store.backup(id: second.id).manifest == nil)
        #expect(try await store.backup(id: second.id).kind == "dir")
        await expectStoreError(.notFound) { try await store.backup(id: "BK-404") }
    }

    @Test("backups lists newest first, of one source or one run", arguments: Engine.allCases)
    func list(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.backups().isEmpty)
        let a = try await store.insertBackup(Self.backup(at: t0, runID: "RUN-1"))
        let b = try await store.insertBackup(Self.backup("dir:/etc/app", at: t0.plus(10), runID: "RUN-1"))
        let c = try await store.insertBackup(Self.backup(at: t0.plus(20)))
        #expect(try await store.backups().map(\.id) == [c.id, b.id, a.id])
        #expect(try await store.backups(source: nil, runID: nil) == [c, b, a])
        #expect(try await store.backups(source: "sqlite:/srv/app.db").map(\.id) == [c.id, a.id])
        #expect(try await store.backups(runID: "RUN-1").map(\.id) == [b.id, a.id])
        #expect(try await store.backups(source: "sqlite:/srv/app.db", runID: "RUN-1").map(\.id) == [a.id])
        #expect(try await store.backups(source: "file:/nope").isEmpty)
    }

    @Test("latestBackup is the newest good one, at or before a time, never a safety backup", arguments: Engine.allCases)
    func latest(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let source = "sqlite:/srv/app.db"
        #expect(try await store.latestBackup(source: source) == nil)
        let old = try await store.insertBackup(Self.backup(at: t0))
        let recent = try await store.insertBackup(Self.backup(at: t0.plus(100)))
        _ = try await store.insertBackup(Self.backup(at: t0.plus(200), status: .corrupt))
        _ = try await store.insertBackup(Self.backup(at: t0.plus(300), reason: "safety"))
        _ = try await store.insertBackup(Self.backup("dir:/etc/app", at: t0.plus(400)))
        #expect(try await store.latestBackup(source: source) == recent)
        #expect(try await store.latestBackup(source: source, at: nil) == recent)
        #expect(try await store.latestBackup(source: source, at: t0.plus(100)) == recent)
        #expect(try await store.latestBackup(source: source, at: t0.plus(99)) == old)
        #expect(try await store.latestBackup(source: source, at: t0.minus(1)) == nil)
        #expect(try await store.latestBackup(source: "dir:/etc/app")?.createdAt == t0.plus(400))
    }

    @Test("recordVerification marks a backup verified, or corrupt with the reason", arguments: Engine.allCases)
    func verification(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let backup = try await store.insertBackup(Self.backup(at: t0))
        try await store.recordVerification(backupID: backup.id, at: t0.plus(60), error: nil)
        var stored = try await store.backup(id: backup.id)
        #expect(stored.status == .ok)
        #expect(stored.verifiedAt == t0.plus(60))
        #expect(stored.error == nil)
        try await store.recordVerification(backupID: backup.id, at: t0.plus(120), error: "sha256 mismatch")
        stored = try await store.backup(id: backup.id)
        #expect(stored.status == .corrupt)
        #expect(stored.error == "sha256 mismatch")
        #expect(stored.verifiedAt == t0.plus(60), "the last successful verification stays")
        #expect(try await store.latestBackup(source: backup.source) == nil)
        try await store.recordVerification(backupID: backup.id, at: t0.plus(180), error: nil)
        stored = try await store.backup(id: backup.id)
        #expect(stored.status == .ok)
        #expect(stored.error == nil)
        #expect(stored.verifiedAt == t0.plus(180))
    }

    @Test("deleteBackups removes exactly the given backups", arguments: Engine.allCases)
    func delete(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let a = try await store.insertBackup(Self.backup(at: t0))
        let b = try await store.insertBackup(Self.backup(at: t0.plus(1)))
        let c = try await store.insertBackup(Self.backup(at: t0.plus(2)))
        try await store.deleteBackups(ids: [])
        #expect(try await store.backups().count == 3)
        try await store.deleteBackups(ids: [a.id, c.id])
        #expect(try await store.backups().map(\.id) == [b.id])
        await expectStoreError(.notFound) { try await store.backup(id: a.id) }
    }

    @Test(
        "insertDrill records a drill under a new DR id; drills lists newest first, filtered", arguments: Engine.allCases
    )
    func drills(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.drills().isEmpty)
        let given = DrillRecord(
            source: "sqlite:/srv/app.db", backupID: "BK-1", startedAt: t0, rtoMs: 1_250, rpoMs: 3_600_000,
            status: "passed", message: "restored 15 rows", runID: "RUN-2")
        let a = try await store.insertDrill(given)
        let b = try await store.insertDrill(
            DrillRecord(
                source: "dir:/etc/app", backupID: nil, startedAt: t0.plus(10), rtoMs: nil, rpoMs: nil,
                status: "failed", message: "no backup to restore"))
        let c = try await store.insertDrill(
            DrillRecord(
                source: "sqlite:/srv/app.db", backupID: "BK-2", startedAt: t0.plus(20), rtoMs: 900, rpoMs: 60_000,
                status: "passed", message: "ok"))
        #expect(a.id.hasPrefix("DR-"))
        #expect(Set([a.id, b.id, c.id]).count == 3)
        var expected = given
        expected.id = a.id
        #expect(a == expected)
        #expect(try await store.drills() == [c, b, a])
        #expect(try await store.drills(source: nil, runID: nil).map(\.id) == [c.id, b.id, a.id])
        #expect(try await store.drills(source: "sqlite:/srv/app.db").map(\.id) == [c.id, a.id])
        #expect(try await store.drills(runID: "RUN-2") == [expected])
        #expect(try await store.drills(source: "dir:/etc/app", runID: "RUN-2").isEmpty)
    }
}
