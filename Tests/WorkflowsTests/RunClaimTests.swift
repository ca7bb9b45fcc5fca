import FirebreakTesting
import Foundation
import Store
import Testing
import Workflows

/// The executor claims the run it executes and fences every commit with that claim.
@Suite("run claims")
struct RunClaimTests {
    let text = """
        # Claimed

        ```sh {name=first}
        echo first
        ```
        """

    /// A run created but not executed, and its id.
    func created(_ harness: Harness, _ text: String) async throws -> Int64 {
        let runbook = try harness.parse(text)
        let path = harness.directory.write("runbook.md", text)
        let run = try await harness.executor().createRun(runbook: runbook, source: text, path: path, params: [:])
        return try #require(run.id)
    }

    @Test("a run held by a live claim of another host is refused, and nothing runs")
    func liveClaimElsewhere() async throws {
        let harness = try await Harness()
        let runID = try await created(harness, text)
        let other = ClaimOwner(host: "node-b.example", process: 42, nonce: "x")
        _ = try #require(try await harness.store.claim(.run(runID), owner: other, lease: 60, at: Date()))
        await #expect {
            _ = try await harness.executor().execute(runID: runID, params: [:])
        } throws: { error in
            let message = (error as? WorkflowError)?.message ?? ""
            return message.contains("is being executed by node-b.example/42/x")
                && message.contains("firebreak runs cancel RUN-\(runID)")
        }
        let detail = try await harness.store.runDetail(id: runID)
        #expect(detail.run.status == .pending)
        #expect(detail.steps.map(\.status) == [.pending])
    }

    @Test("a claim left by a dead process on this host is taken over at once, and released when the run ends")
    func deadLocalClaim() async throws {
        let harness = try await Harness()
        let runID = try await created(harness, text)
        let dead = ClaimOwner(host: ClaimOwner.process.host, process: 999_999, nonce: "gone")
        _ = try #require(try await harness.store.claim(.run(runID), owner: dead, lease: 3600, at: Date()))
        let run = try await harness.executor().execute(runID: runID, params: [:])
        #expect(run.status == .succeeded)
        #expect(try await harness.store.currentClaim(on: .run(runID)) == nil)
    }

    @Test("an executor whose claim was taken over stops at its next commit, and its step result is not written")
    func takenOver() async throws {
        let harness = try await Harness()
        let gate = harness.directory.path("go")
        let started = harness.directory.path("started")
        let runID = try await created(
            harness,
            """
            # Slow

            ```sh {name=wait}
            touch '\(started)'
            while [ ! -f '\(gate)' ]; do sleep 0.05; done
            ```

            ```sh {name=after}
            echo never
            ```
            """)
        let execution = Task { try await harness.executor().execute(runID: runID, params: [:]) }
        let deadline = ContinuousClock.now + .seconds(20)
        while !FileManager.default.fileExists(atPath: started), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // Another node takes the run over (as after its lease expired), then the step ends.
        let other = ClaimOwner(host: "node-b.example", process: 7, nonce: "y")
        let taken = try #require(
            try await harness.store.claim(
                .run(runID), owner: other, lease: 60, at: Date(), takingOverFrom: { _ in true }))
        _ = FileManager.default.createFile(atPath: gate, contents: nil)
        await #expect {
            _ = try await execution.value
        } throws: { error in
            (error as? WorkflowError)?.message.contains("was taken over by another process") == true
        }
        let detail = try await harness.store.runDetail(id: runID)
        #expect(detail.step("wait")?.status == .running, "the late result was refused")
        #expect(detail.step("after")?.status == .pending)
        let current = try await harness.store.currentClaim(on: .run(runID))
        #expect(current?.owner == taken.owner)
        #expect(current?.token == taken.token)
    }
}
