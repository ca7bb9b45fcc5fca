import FirebreakTesting
import Foundation
import Store
import Testing

@Suite("Store")
struct StoreTests {
    func makeRun(_ store: any Storage) async throws -> RunRecord {
        let run = RunRecord(
            runbookID: "rb", runbookPath: "/x/rb.md", title: "T", source: "# T", mode: "automatic",
            params: "{}", startedAt: Date(timeIntervalSince1970: 1_700_000_000))
        return try await store.createRun(
            run,
            steps: [
                StepRecord(runID: 0, index: 0, name: "a", kind: "sh"),
                StepRecord(runID: 0, index: 1, name: "b", kind: "manual"),
            ])
    }

    @Test("a run and its steps are created together and read back")
    func createAndRead() async throws {
        let store = try SQLiteStore.inMemory()
        let run = try await makeRun(store)
        #expect(run.id == 1)
        #expect(run.displayID == "RUN-1")
        let detail = try await store.runDetail(id: 1)
        #expect(detail.run == run)
        #expect(detail.steps.map(\.name) == ["a", "b"])
        #expect(detail.steps.allSatisfy { $0.runID == 1 && $0.status == .pending })
    }

    @Test("commits of a transition are atomic and readable after reopening the file")
    func durableCommit() async throws {
        let directory = TemporaryDirectory()
        do {
            let store = try await SQLiteStore.open(directory: directory.url)
            var run = try await makeRun(store)
            var step = try await store.runDetail(id: 1).steps[0]
            run.status = .running
            step.status = .succeeded
            step.exitCode = 0
            try await store.commit(
                run: run, step: step,
                attempt: AttemptRecord(
                    runID: 1, stepIndex: 0, number: 1, status: .succeeded, exitCode: 0, startedAt: Date(),
                    output: "ok\n"))
        }
        let reopened = try await SQLiteStore.open(directory: directory.url)
        let detail = try await reopened.runDetail(id: 1)
        #expect(detail.run.status == .running)
        #expect(detail.steps[0].status == .succeeded)
        #expect(detail.attempts[0]?.map(\.output) == ["ok\n"])
    }

    @Test("approve records who and when, and refuses unknown, finished, running or not-yet-reached steps")
    func approve() async throws {
        let store = try SQLiteStore.inMemory()
        _ = try await makeRun(store)
        let when = Date(timeIntervalSince1970: 1_800_000_000)
        await #expect { try await store.approve(runID: 1, stepName: "b", by: "erin", at: when) } throws: { error in
            (error as? StoreError)?.code == .conflict && "\(error)".contains("has not been reached yet")
        }
        var running = try await store.runDetail(id: 1).steps[1]
        running.status = .running
        try await store.commit(step: running)
        await #expect { try await store.approve(runID: 1, stepName: "b", by: "erin", at: when) } throws: { error in
            (error as? StoreError)?.code == .conflict && "\(error)".contains("is running now")
        }
        var waiting = running
        waiting.status = .waiting
        try await store.commit(step: waiting)
        let step = try await store.approve(runID: 1, stepName: "b", by: "erin", at: when)
        #expect(step.approvedBy == "erin")
        #expect(step.approvedAt == when)
        await #expect { try await store.approve(runID: 1, stepName: "zzz", by: "x", at: when) } throws: { error in
            (error as? StoreError)?.code == .notFound && "\(error)".contains("its steps are: a, b")
        }
        await #expect { try await store.approve(runID: 7, stepName: "a", by: "x", at: when) } throws: { error in
            (error as? StoreError)?.code == .notFound
        }
        var done = try await store.runDetail(id: 1).steps[0]
        done.status = .succeeded
        try await store.commit(step: done)
        await #expect { try await store.approve(runID: 1, stepName: "a", by: "x", at: when) } throws: { error in
            (error as? StoreError)?.code == .conflict
        }
    }

    @Test("runs are listed newest first and filtered by incident")
    func list() async throws {
        let store = try SQLiteStore.inMemory()
        _ = try await makeRun(store)
        var second = RunRecord(
            runbookID: "rb2", runbookPath: "/x", title: "T", source: "", mode: "automatic",
            params: "{}", incidentID: "INC-1", startedAt: Date())
        second = try await store.createRun(second, steps: [])
        #expect(try await store.runs().map(\.id) == [2, 1])
        #expect(try await store.runs(incidentID: "INC-1").map(\.id) == [2])
    }

    @Test("the database uses WAL and owner-only files")
    func walAndPermissions() async throws {
        let directory = TemporaryDirectory()
        let data = directory.url.appendingPathComponent("data")
        let store = try await SQLiteStore.open(directory: data)
        _ = try await makeRun(store)
        #expect(FileManager.default.fileExists(atPath: data.appendingPathComponent("firebreak.db-wal").path))
        let attributes = try FileManager.default.attributesOfItem(atPath: data.path)
        #expect(attributes[.posixPermissions] as? Int == 0o700)
    }

    @Test(arguments: [("RUN-12", Int64(12)), ("run-3", 3), ("44", 44)])
    func parseRunID(text: String, id: Int64) {
        #expect(RunRecord.parseID(text) == id)
    }

    @Test func invalidRunID() {
        #expect(RunRecord.parseID("INC-3") == nil)
    }
}
