import Foundation
import Incidents
import Runbooks
import Store
import Testing
import Workflows

@Suite("run control: cancel, retry, approvals, reserved outputs")
struct RunControlTests {
    /// Starts a run whose second step sleeps; returns once that step's process runs.
    func startSleeping(_ harness: Harness, incidentID: String? = nil) async throws -> (
        Int64, Task<RunRecord, any Error>
    ) {
        let marker = harness.directory.path("started")
        let text =
            "# T\n\n```sh {name=first}\ntrue\n```\n\n```sh {name=sleeper}\ntouch '\(marker)'\nsleep 30\n```\n\n"
            + "```sh {name=after}\ntouch '\(harness.directory.path("after-ran"))'\n```\n"
        let runbook = try harness.parse(text)
        let executor = harness.executor(grace: .seconds(1))
        let run = try await executor.createRun(
            runbook: runbook, source: text, path: harness.directory.write("r.md", text),
            params: [:], incidentID: incidentID)
        let task = Task { try await executor.execute(runID: run.id!, params: [:]) }
        let deadline = ContinuousClock.now + .seconds(20)
        while !FileManager.default.fileExists(atPath: marker), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        return (run.id!, task)
    }

    @Test("cancel stops the step in flight (its process group), skips the rest and is on the incident's timeline")
    func cancelRunning() async throws {
        let harness = try await Harness()
        let t0 = Date()
        _ = try await harness.store.openIncident(at: t0) { id in
            IncidentEngine().open(id: id, title: "Down", severity: .p2, by: "alice", at: t0)
        }
        let (runID, task) = try await startSleeping(harness, incidentID: "INC-1")
        let started = ContinuousClock.now
        let (cancelled, signalled) = try await RunControl.cancel(
            store: harness.store, runID: runID, by: "bob", reason: "wrong runbook",
            runsDirectory: harness.directory.url.appendingPathComponent("data/runs"), grace: .seconds(2))
        #expect(cancelled.status == .cancelled)
        #expect(signalled >= 1)
        let ended = try await task.value
        #expect(ContinuousClock.now - started < .seconds(15), "the 30 s sleep was killed")
        #expect(ended.status == .cancelled)
        let detail = try await harness.store.runDetail(id: runID)
        #expect(detail.statuses == ["first=succeeded", "sleeper=failed", "after=skipped"])
        #expect(detail.run.error == "cancelled by bob: wrong runbook")
        #expect(!FileManager.default.fileExists(atPath: harness.directory.path("after-ran")))
        let kinds = try await harness.store.timeline(incidentID: "INC-1").map(\.kind.rawValue)
        #expect(kinds.contains("run_cancelled"))
        // A second cancel is refused: the run has ended.
        await #expect(throws: StoreError.self) {
            _ = try await harness.store.cancelRun(id: runID, by: "bob", reason: nil, at: Date())
        }
    }

    @Test("approve refuses a step that is running, or not reached yet")
    func approveOnlyWaiting() async throws {
        let harness = try await Harness()
        let (runID, task) = try await startSleeping(harness)
        await #expect(throws: StoreError.self) {
            _ = try await harness.store.approve(runID: runID, stepName: "sleeper", by: "mallory", at: Date())
        }
        await #expect(throws: StoreError.self) {
            _ = try await harness.store.approve(runID: runID, stepName: "after", by: "mallory", at: Date())
        }
        _ = try await RunControl.cancel(
            store: harness.store, runID: runID, by: "t", reason: nil,
            runsDirectory: harness.directory.url.appendingPathComponent("data/runs"),
            grace: .seconds(1))
        _ = try await task.value
    }

    @Test("retry runs a failed run again from its failed step; the steps that succeeded stay done")
    func retryFromFailedStep() async throws {
        let harness = try await Harness()
        let log = harness.directory.path("log")
        let fixed = harness.directory.path("fixed")
        let text =
            "# T\n\n```sh {name=one}\necho one >> '\(log)'\n```\n\n```sh {name=two}\necho two >> '\(log)'\ntest -f '\(fixed)'\n```\n\n"
            + "```sh {name=three}\necho three >> '\(log)'\n```\n"
        let failed = try await harness.run(text)
        #expect(failed.run.status == .failed)
        #expect(failed.statuses == ["one=succeeded", "two=failed", "three=skipped"])
        _ = FileManager.default.createFile(atPath: fixed, contents: nil)
        #expect(try await harness.store.prepareRetry(runID: failed.run.id!, by: "alice", at: Date()) == "two")
        let retried = try await harness.resume(failed.run.id!)
        #expect(retried.run.status == .succeeded)
        #expect(retried.statuses == ["one=succeeded", "two=succeeded", "three=succeeded"])
        #expect(retried.step("two")?.attempts == 2)
        #expect(harness.directory.read("log") == "one\ntwo\ntwo\nthree\n")
        await #expect(throws: StoreError.self) {
            _ = try await harness.store.prepareRetry(runID: failed.run.id!, by: "alice", at: Date())
        }
    }

    @Test("a retried confirm step asks again: the approval was for the attempt that failed")
    func retryAsksAgain() async throws {
        let harness = try await Harness()
        let text = "# T\n\n```sh {name=gate confirm=true}\nexit 1\n```\n"
        let waiting = try await harness.run(text)
        #expect(waiting.run.status == .waiting)
        _ = try await harness.store.approve(runID: waiting.run.id!, stepName: "gate", by: "alice", at: Date())
        #expect(try await harness.resume(waiting.run.id!).run.status == .failed)
        _ = try await harness.store.prepareRetry(runID: waiting.run.id!, by: "bob", at: Date())
        #expect(try await harness.store.runDetail(id: waiting.run.id!).step("gate")?.approvedBy == nil)
        let again = try await harness.resume(waiting.run.id!)
        #expect(again.run.status == .waiting, "the retry waits for a new confirmation")
        #expect(again.step("gate")?.attempts == 1)
    }

    @Test("a waiting run is cancelled when its incident resolves")
    func waitingRunEndsWithIncident() async throws {
        let harness = try await Harness()
        let t0 = Date()
        let engine = IncidentEngine()
        _ = try await harness.store.openIncident(at: t0) { id in
            engine.open(id: id, title: "Down", severity: .p3, by: "a", at: t0)
        }
        let text = "# T\n\n```sh {name=gate confirm=true}\ntrue\n```\n"
        let runbook = try harness.parse(text)
        let executor = harness.executor()
        let run = try await executor.createRun(
            runbook: runbook, source: text, path: harness.directory.write("r.md", text),
            params: [:], incidentID: "INC-1")
        #expect(try await executor.execute(runID: run.id!, params: [:]).status == .waiting)
        _ = try await harness.store.updateIncident(id: "INC-1", at: t0) {
            try engine.apply(.resolve, to: $0, by: "alice", at: t0)
        }
        let detail = try await harness.store.runDetail(id: run.id!)
        #expect(detail.run.status == .cancelled)
        #expect(detail.run.error == "cancelled by firebreak: incident INC-1 resolved")
        #expect(detail.step("gate")?.status == .skipped)
    }

    @Test("an output named path or ld_preload is refused: the step fails and $PATH stays intact")
    func reservedOutputs() async throws {
        let harness = try await Harness()
        let text =
            "# T\n\n```sh {name=one onFailure=continue}\necho path=/nowhere >> \"$FIREBREAK_OUTPUT\"\n```\n\n"
            + "```sh {name=two}\ncommand -v sh\n```\n"
        let detail = try await harness.run(text)
        #expect(detail.step("one")?.status == .failed)
        #expect(
            detail.step("one")?.reason?.contains("refused output 'path'") == true, "\(detail.step("one")?.reason ?? "")"
        )
        #expect(detail.step("two")?.status == .succeeded)
        #expect(detail.step("one")?.outputs.contains("nowhere") == false)
    }
}
