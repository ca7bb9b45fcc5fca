import FirebreakTesting
import Foundation
import GRDB
import Logging
import Modules
import Runbooks
import Store
import Testing
import Workflows

/// Runs runbooks with the built-in modules through a real executor.
extension ModuleHarness {
    var repositoryPath: String { directory.url.appendingPathComponent("data/backups").path }

    func executor() -> Executor {
        Executor(
            store: store,
            configuration: ExecutorConfiguration(
                runsDirectory: directory.url.appendingPathComponent("data/runs"),
                modules: BuiltinModules.make(ModuleSettings(repository: repositoryPath))), logger: Logger(label: "test")
        )
    }

    func lint(_ text: String) -> RunbookParser.Result {
        RunbookLinter(modules: BuiltinModules.catalog).lint(text, defaultID: "test")
    }

    func start(_ text: String, params: [String: String] = [:]) async throws -> RunDetail {
        let result = lint(text)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let values = try ParamResolver.resolve(params, for: result.runbook)
        let path = directory.write("runbook-\(UUID().uuidString.prefix(6)).md", text)
        let run = try await executor().createRun(runbook: result.runbook, source: text, path: path, params: values)
        _ = try await executor().execute(runID: run.id!, params: values)
        return try await store.runDetail(id: run.id!)
    }

    func approveAndResume(_ detail: RunDetail, step: String, params: [String: String]) async throws -> RunDetail {
        _ = try await store.approve(runID: detail.run.id!, stepName: step, by: "alice", at: Date())
        let values = try ParamResolver.resolve(params, for: lint(detail.run.source).runbook)
        _ = try await executor().execute(runID: detail.run.id!, params: values)
        return try await store.runDetail(id: detail.run.id!)
    }

    /// Overwrites bytes of the file's first page, as a disk or a bad deploy would.
    func corrupt(_ path: String) throws {
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: 20)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: 80))
        try handle.close()
    }
}

extension RunDetail {
    func step(_ name: String) -> StepRecord? { steps.first { $0.name == name } }
    func outputs(_ name: String) -> [String: String] {
        guard let text = step(name)?.outputs else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
    var statuses: [String] { steps.map { "\($0.name)=\($0.status.rawValue)" } }
}

@Suite("module steps in runbooks")
struct RunbookModuleTests {
    static func shipped(_ name: String) throws -> String {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return try String(contentsOf: root.appendingPathComponent("runbooks/\(name)"), encoding: .utf8)
    }

    @Test("a runbook backs up, breaks and restores a database through module steps; outputs reach later steps")
    func backupBreakRestore() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("app.db", rows: 40)
        let original = try ModuleHarness.dump(database)
        let text = """
            ---
            params:
              db: { type: string, required: true }
            ---
            # Break and repair

            ```yaml {module=backup name=before}
            source: "sqlite:{{ params.db }}"
            ```

            ```sh {name=show}
            echo "backup $BACKUP_ID has $BYTES bytes"
            ```

            ```sh {name=break}
            printf 'garbage garbage garbage garbage garbage garbage garbage garbage garbage' | dd of="$DB" bs=1 seek=16 conv=notrunc 2>/dev/null
            ```

            ```yaml {module=health name=broken onFailure=continue}
            sqlite: "{{ params.db }}"
            query: PRAGMA integrity_check
            expect: ok
            ```

            ```yaml {module=restore name=repair}
            backup: "{{ steps.before.outputs.backup_id }}"
            to: "{{ params.db }}"
            ```

            ```yaml {module=health name=verify}
            sqlite: "{{ params.db }}"
            query: SELECT count(*) FROM customers
            expect: "40"
            ```
            """
        let detail = try await harness.start(text, params: ["db": database])
        #expect(detail.run.status == .succeeded, "\(detail.statuses) \(detail.run.error ?? "") \(detail.attempts)")
        #expect(detail.outputs("before")["backup_id"] == "BK-1")
        #expect(detail.outputs("before")["sha256"]?.count == 64)
        #expect(detail.attempts[1]?.last?.output.hasPrefix("backup BK-1 has ") == true)
        #expect(detail.step("broken")?.status == .failed)
        // The failure names the check and why it failed, not just "unhealthy".
        #expect(
            detail.step("broken")?.reason?.hasSuffix("unhealthy: broken: \(database): file is not a database") == true,
            "\(detail.step("broken")?.reason ?? "")")
        #expect(detail.outputs("repair")["safety_backup_id"] == "BK-2")
        #expect(try ModuleHarness.dump(database) == original)
        #expect(try await harness.store.backups(runID: detail.run.displayID).count == 2)
    }

    @Test("module bodies are linted with their file lines")
    func lint() async throws {
        let harness = try await ModuleHarness()
        let text =
            "# T\n\n```yaml {module=backup}\nsource: sqlite:/x\nkeep_dayz: 3\n```\n\n```yaml {module=health}\ntcp: localhost\n```\n\n```yaml {module=restore}\nbackup: latest\n```\n\n```yaml {module=teleport}\nx: 1\n```\n"
        let problems = harness.lint(text).diagnostics.map { "\($0.line): \($0.message)" }
        #expect(problems.count == 4, "\(problems)")
        #expect(
            problems.contains { $0.hasPrefix("5: unknown key 'keep_dayz'") && $0.contains("did you mean 'keep_days'") })
        #expect(problems.contains { $0.hasPrefix("9: 'tcp' must be host:port") })
        #expect(problems.contains { $0.hasPrefix("13: a restore step needs 'to'") })
        #expect(problems.contains { $0.contains("teleport") })
    }

    @Test("runbooks/database-restore.md restores the latest backup after confirmation, keeping a safety backup")
    func databaseRestore() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("orders.db", rows: 60)
        let original = try ModuleHarness.dump(database)
        _ = try await harness.engine.create(BackupSource(parsing: "sqlite:\(database)"))
        try harness.corrupt(database)
        let text = try Self.shipped("database-restore.md")
        var detail = try await harness.start(text, params: ["database": database])
        #expect(detail.run.status == .waiting, "\(detail.statuses)")
        #expect(detail.step("check-before")?.status == .failed)
        #expect(detail.step("restore")?.status == .waiting)
        detail = try await harness.approveAndResume(detail, step: "restore", params: ["database": database])
        #expect(detail.step("restore")?.status == .succeeded, "\(detail.statuses)")
        #expect(detail.step("verify")?.status == .succeeded)
        // The checklist item waits for a human; done, the run ends without the rollback.
        #expect(detail.run.status == .waiting)
        let manual = try #require(detail.steps.first { $0.status == .waiting })
        detail = try await harness.approveAndResume(detail, step: manual.name, params: ["database": database])
        #expect(detail.run.status == .succeeded)
        #expect(detail.step("rollback")?.status == .skipped)
        #expect(detail.outputs("restore")["backup_id"] == "BK-1")
        #expect(try ModuleHarness.dump(database) == original)
        let safety = try await harness.store.backups().filter { $0.reason != "manual" }
        #expect(safety.count == 2, "the runbook's safety step and the restore's own safety backup")
    }

    @Test("runbooks/database-restore.md rolls back to the safety backup when no good backup exists")
    func databaseRestoreRollback() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("orders.db", rows: 10)
        let before = try ModuleHarness.dump(database)
        let text = try Self.shipped("database-restore.md")
        var detail = try await harness.start(text, params: ["database": database])
        detail = try await harness.approveAndResume(detail, step: "restore", params: ["database": database])
        #expect(detail.step("restore")?.status == .failed)
        #expect(
            try await harness.store.runDetail(id: detail.run.id!).attempts[detail.step("restore")!.index]?.last?.output
                .contains("no good backup") == true)
        #expect(detail.step("rollback")?.status == .succeeded, "\(detail.statuses)")
        #expect(try ModuleHarness.dump(database) == before)
    }

    @Test("runbooks/restore-drill.md drills the latest backup and reports RTO and RPO")
    func restoreDrill() async throws {
        let harness = try await ModuleHarness()
        let database = try harness.randomDatabase("app.db", rows: 20)
        let source = "sqlite:\(database)"
        let text = try Self.shipped("restore-drill.md")
        // Without a backup the freshness check stops the drill.
        let stale = try await harness.start(text, params: ["source": source])
        #expect(stale.run.status == .failed)
        #expect(stale.step("fresh")?.status == .failed)

        _ = try await harness.engine.create(BackupSource(parsing: source))
        let detail = try await harness.start(text, params: ["source": source])
        #expect(detail.step("drill")?.status == .succeeded, "\(detail.statuses)")
        #expect(detail.outputs("drill")["rto_ms"] != nil)
        #expect(detail.step("report")?.status == .succeeded)
        let report = detail.attempts[detail.step("report")!.index]?.last?.output ?? ""
        #expect(report.hasPrefix("drill DR-1: RTO "), "\(report)")
        #expect(try await harness.store.drills().first?.status == "passed")
        // Every manual checklist item waits for a human.
        #expect(detail.run.status == .waiting)
    }
}
