import Foundation
import Incidents
import Store
import Testing

/// ``RunStorage`` run control from outside the executor: approve, pause, cancel (and its fence), retry.
@Suite("Conformance: run control")
struct RunControlConformance {
    /// Sets the steps of run `id` to these statuses, in order.
    static func set(_ store: any RunStorage, run id: Int64, _ statuses: [StepStatus]) async throws -> [StepRecord] {
        var steps = try await store.runDetail(id: id).steps
        for index in statuses.indices { steps[index].status = statuses[index] }
        try await store.commit(run: nil, steps: steps, attempts: [], incidentID: nil, incidentEvents: [], claim: nil)
        return steps
    }

    @Test("approve records who and when on a waiting step, and refuses every other", arguments: Engine.allCases)
    func approve(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let id = try #require(try await Given.run(store, status: .running).id)
        _ = try await Self.set(store, run: id, [.succeeded, .waiting, .pending])
        await expectStoreError(.conflict, "a finished step") {
            try await store.approve(runID: id, stepName: "check", by: "erin", at: t0)
        }
        await expectStoreError(.conflict, "a step not reached yet") {
            try await store.approve(runID: id, stepName: "verify", by: "erin", at: t0)
        }
        await expectStoreError(.notFound, "an unknown step") {
            try await store.approve(runID: id, stepName: "nope", by: "erin", at: t0)
        }
        await expectStoreError(.notFound, "an unknown run") {
            try await store.approve(runID: 404, stepName: "check", by: "erin", at: t0)
        }
        let approved = try await store.approve(runID: id, stepName: "restart", by: "erin", at: t0.plus(30))
        #expect(approved.name == "restart")
        #expect(approved.approvedBy == "erin")
        #expect(approved.approvedAt == t0.plus(30))
        #expect(approved.status == .waiting)
        #expect(try await store.runDetail(id: id).steps[1] == approved)
        _ = try await Self.set(store, run: id, [.succeeded, .succeeded, .running])
        await expectStoreError(.conflict, "a running step") {
            try await store.approve(runID: id, stepName: "verify", by: "erin", at: t0)
        }
    }

    @Test("pauseRun makes a running run waiting and its running step pending", arguments: Engine.allCases)
    func pause(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let id = try #require(try await Given.run(store, status: .running).id)
        _ = try await Self.set(store, run: id, [.succeeded, .running, .pending])
        try await store.pauseRun(id: id)
        let detail = try await store.runDetail(id: id)
        #expect(detail.run.status == .waiting)
        #expect(detail.steps.map(\.status) == [.succeeded, .pending, .pending])

        let failed = try #require(try await Given.run(store, status: .failed).id)
        try await store.pauseRun(id: failed)
        #expect(try await store.runDetail(id: failed).run.status == .failed, "only a running run pauses")
    }

    @Test("cancelRun ends the run and its unfinished steps, and tells the incident", arguments: Engine.allCases)
    func cancel(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        let id = try #require(try await Given.run(store, incidentID: "INC-1", status: .running).id)
        _ = try await Self.set(store, run: id, [.succeeded, .running, .pending])
        let attempt = AttemptRecord(runID: id, stepIndex: 1, number: 1, status: .running, startedAt: t0.plus(1))
        try await store.commit(attempt: attempt)
        let cancelled = try await store.cancelRun(id: id, by: "erin", reason: "wrong region", at: t0.plus(10))
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.finishedAt == t0.plus(10))
        let detail = try await store.runDetail(id: id)
        #expect(detail.run.status == .cancelled)
        #expect(detail.run.finishedAt == t0.plus(10))
        #expect(detail.run.error?.contains("erin") == true)
        #expect(detail.steps.map(\.status) == [.succeeded, .failed, .skipped])
        #expect(detail.steps[1].finishedAt == t0.plus(10))
        #expect(detail.attempts[1]?.map(\.status) == [.failed])
        let event = try #require(try await store.timeline(incidentID: "INC-1").last)
        #expect(event.kind == .runCancelled)
        #expect(event.actor == "erin")
        #expect(event.at == t0.plus(10))
        #expect(event.details == ["run": "RUN-\(id)", "runbook": "restart-api", "reason": "wrong region"])

        await expectStoreError(.conflict, "a run that ended") {
            try await store.cancelRun(id: id, by: "erin", reason: nil, at: t0.plus(11))
        }
        await expectStoreError(.notFound) { try await store.cancelRun(id: 404, by: "erin", reason: nil, at: t0) }
        #expect(try await store.runCounts()[.cancelled] == 1)
    }

    @Test(
        "after a cancel the executor's commits are refused with cancelled and change nothing",
        arguments: Engine.allCases)
    func cancelFence(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        var run = try await Given.run(store, status: .running)
        let id = try #require(run.id)
        let claim = try #require(
            try await store.claim(.run(id), owner: Given.owner("executor"), lease: 60, at: t0))
        var steps = try await Self.set(store, run: id, [.running])
        _ = try await store.cancelRun(id: id, by: "erin", reason: nil, at: t0.plus(5))
        let before = try await store.runDetail(id: id)
        run.status = .succeeded
        steps[0].status = .succeeded
        let attempt = AttemptRecord(runID: id, stepIndex: 0, number: 1, status: .succeeded, startedAt: t0)
        await expectStoreError(.cancelled, "a run write") { try await store.commit(run: run) }
        await expectStoreError(.cancelled, "a step write") { try await store.commit(step: steps[0]) }
        await expectStoreError(.cancelled, "an attempt write") { try await store.commit(attempt: attempt) }
        await expectStoreError(.cancelled, "a write under the executor's claim") {
            try await store.commit(step: steps[0], claim: claim)
        }
        #expect(try await store.runDetail(id: id) == before)
    }

    @Test("commitFinished keeps the steps that ended before the cancel, and only those", arguments: Engine.allCases)
    func commitFinished(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let id = try #require(try await Given.run(store, status: .running).id)
        var steps = try await Self.set(store, run: id, [.running, .running])
        _ = try await store.cancelRun(id: id, by: "erin", reason: nil, at: t0.plus(5))
        steps[0].status = .succeeded
        steps[0].exitCode = 0
        steps[0].finishedAt = t0.plus(4)
        steps[1].status = .running
        steps[1].reason = "still going"
        let finished = AttemptRecord(
            runID: id, stepIndex: 0, number: 1, status: .succeeded, exitCode: 0, startedAt: t0.plus(1),
            finishedAt: t0.plus(4), output: "done\n")
        let unfinished = AttemptRecord(runID: id, stepIndex: 1, number: 1, status: .running, startedAt: t0.plus(2))
        try await store.commitFinished(steps: steps, attempts: [finished, unfinished])
        let detail = try await store.runDetail(id: id)
        #expect(detail.steps[0] == steps[0])
        #expect(detail.steps[1].status == .failed, "the cancel's record of the unfinished step stays")
        #expect(detail.steps[2].status == .skipped)
        #expect(detail.attempts == [0: [finished]])
        #expect(detail.run.status == .cancelled)
    }

    @Test(
        "prepareRetry resets the failed step and what follows it, and the run waits at it", arguments: Engine.allCases)
    func retry(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        var run = try await Given.run(store, incidentID: "INC-1", steps: ["check", "restart", "verify", "notify"])
        let id = try #require(run.id)
        var steps = try await store.runDetail(id: id).steps
        steps[0].status = .succeeded
        steps[1].status = .failed
        steps[1].exitCode = 3
        steps[1].finishedAt = t0.plus(2)
        steps[1].approvedBy = "erin"
        steps[1].approvedAt = t0.plus(1)
        steps[2].status = .skipped
        steps[2].reason = "an earlier step failed"
        steps[3].status = .succeeded
        run.status = .failed
        run.cursor = 4
        run.error = "step restart failed"
        run.finishedAt = t0.plus(3)
        try await store.commit(run: run, steps: steps, attempts: [], incidentID: nil, incidentEvents: [], claim: nil)

        #expect(try await store.prepareRetry(runID: id, by: "erin", at: t0.plus(60)) == "restart")
        let detail = try await store.runDetail(id: id)
        #expect(detail.run.status == .waiting)
        #expect(detail.run.cursor == 1)
        #expect(detail.run.error == nil)
        #expect(detail.run.finishedAt == nil)
        #expect(detail.steps.map(\.status) == [.succeeded, .pending, .pending, .succeeded])
        #expect(detail.steps[1].exitCode == nil)
        #expect(detail.steps[1].finishedAt == nil)
        #expect(detail.steps[1].approvedBy == nil, "a retry asks for its confirmation again")
        #expect(detail.steps[1].approvedAt == nil)
        #expect(detail.steps[2].reason == nil)
        let event = try #require(try await store.timeline(incidentID: "INC-1").last)
        #expect(event.kind == .runRetried)
        #expect(event.details == ["run": "RUN-\(id)", "runbook": "restart-api", "step": "restart"])

        await expectStoreError(.conflict, "a run that is not failed") {
            try await store.prepareRetry(runID: id, by: "erin", at: t0.plus(61))
        }
        await expectStoreError(.notFound) { try await store.prepareRetry(runID: 404, by: "erin", at: t0) }
    }

    @Test("prepareRetry refuses a run that ran its recovery steps or has no failed step", arguments: Engine.allCases)
    func retryRefused(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        var recovering = try await Given.run(store, status: .failed)
        recovering.recovering = true
        try await store.commit(run: recovering)
        _ = try await Self.set(store, run: try #require(recovering.id), [.failed])
        await expectStoreError(.conflict) {
            try await store.prepareRetry(runID: try #require(recovering.id), by: "erin", at: t0)
        }
        let noFailedStep = try #require(try await Given.run(store, status: .failed).id)
        await expectStoreError(.conflict) { try await store.prepareRetry(runID: noFailedStep, by: "erin", at: t0) }
        #expect(try await store.runDetail(id: noFailedStep).run.status == .failed)
    }

    @Test(
        "resolving an incident cancels its waiting and pending runs, not its running ones", arguments: Engine.allCases)
    func incidentEndsIdleRuns(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        let waiting = try #require(try await Given.run(store, incidentID: "INC-1", status: .waiting).id)
        let pending = try #require(try await Given.run(store, incidentID: "INC-1").id)
        let running = try #require(try await Given.run(store, incidentID: "INC-1", status: .running).id)
        let elsewhere = try #require(try await Given.run(store, incidentID: "INC-2", status: .waiting).id)
        _ = try await store.updateIncident(id: "INC-1", at: t0.plus(100)) {
            try Given.engine.apply(.resolve, to: $0, by: "bob", at: t0.plus(100))
        }
        #expect(try await store.runDetail(id: waiting).run.status == .cancelled)
        #expect(try await store.runDetail(id: pending).run.status == .cancelled)
        #expect(try await store.runDetail(id: pending).run.finishedAt == t0.plus(100))
        #expect(try await store.runDetail(id: running).run.status == .running)
        #expect(try await store.runDetail(id: elsewhere).run.status == .waiting)
        let cancels = try await store.timeline(incidentID: "INC-1").filter { $0.kind == .runCancelled }
        #expect(cancels.map(\.details["run"]) == ["RUN-\(waiting)", "RUN-\(pending)"])
        #expect(cancels.allSatisfy { $0.actor == "firebreak" })
    }
}
