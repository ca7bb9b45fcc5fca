import Foundation
import Incidents
import Store
import Testing

/// ``RunStorage``: runs, their steps and attempts, listings and counts.
@Suite("Conformance: runs and steps")
struct RunConformance {
    @Test("createRun inserts the run and its pending steps; runDetail reads them back", arguments: Engine.allCases)
    func create(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let first = try await Given.run(store, incidentID: "INC-1", alert: #"{"name":"HighErrorRate"}"#)
        let second = try await Given.run(store, runbook: "scale-up", steps: [])
        let id = try #require(first.id)
        #expect(try #require(second.id) > id)
        let detail = try await store.runDetail(id: id)
        #expect(detail.run == first)
        #expect(detail.run.runbookID == "restart-api")
        #expect(detail.run.runbookPath == "/runbooks/restart-api.md")
        #expect(detail.run.source == "# Restart the API")
        #expect(detail.run.params == #"{"region":"eu"}"#)
        #expect(detail.run.status == .pending)
        #expect(detail.run.mode == "automatic")
        #expect(detail.run.incidentID == "INC-1")
        #expect(detail.run.alert == #"{"name":"HighErrorRate"}"#)
        #expect(detail.run.startedAt == t0)
        #expect(detail.steps.map(\.name) == ["check", "restart", "verify"])
        #expect(detail.steps.map(\.index) == [0, 1, 2])
        #expect(detail.steps.allSatisfy { $0.runID == id && $0.status == .pending && $0.kind == "sh" })
        #expect(detail.steps.allSatisfy { $0.attempts == 0 && $0.outputs == "{}" && $0.startedAt == nil })
        #expect(detail.attempts.isEmpty)
        #expect(try await store.runDetail(id: try #require(second.id)).steps.isEmpty)
    }

    @Test("a run's times round-trip exactly", arguments: Engine.allCases)
    func exactTimes(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let run = try await Given.run(store, at: t0.plus(0.0625))
        let id = try #require(run.id)
        try await expecting(.runDatesStoredAsText, on: engine) {
            let startedAt = try await store.runDetail(id: id).run.startedAt
            #expect(startedAt == t0.plus(0.0625))
        }
    }

    @Test("runDetail of an unknown run is notFound", arguments: Engine.allCases)
    func unknownRun(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        await expectStoreError(.notFound) { try await store.runDetail(id: 404) }
    }

    @Test("commit writes the run, steps, attempts and incident events in one transaction", arguments: Engine.allCases)
    func commit(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        var run = try await Given.run(store, incidentID: "INC-1")
        let id = try #require(run.id)
        var steps = try await store.runDetail(id: id).steps
        run.status = .running
        run.cursor = 1
        steps[0].status = .succeeded
        steps[0].attempts = 1
        steps[0].exitCode = 0
        steps[0].startedAt = t0.plus(1)
        steps[0].finishedAt = t0.plus(3)
        steps[0].durationMs = 2000
        steps[0].outputs = #"{"pid":"42"}"#
        steps[1].status = .running
        steps[1].attempts = 1
        steps[1].startedAt = t0.plus(3)
        let attempts = [
            AttemptRecord(
                runID: id, stepIndex: 0, number: 1, status: .succeeded, exitCode: 0, startedAt: t0.plus(1),
                finishedAt: t0.plus(3), durationMs: 2000, output: "ok\n"),
            AttemptRecord(runID: id, stepIndex: 1, number: 1, status: .running, startedAt: t0.plus(3)),
        ]
        let events = [
            TimelineEntry(kind: .stepFinished, actor: "firebreak", at: t0.plus(3), details: ["step": "check"])
        ]
        try await store.commit(
            run: run, steps: steps, attempts: attempts, incidentID: "INC-1", incidentEvents: events, claim: nil)
        let detail = try await store.runDetail(id: id)
        #expect(detail.run == run)
        #expect(detail.steps == steps)
        #expect(detail.attempts == [0: [attempts[0]], 1: [attempts[1]]])
        let timeline = try await store.timeline(incidentID: "INC-1")
        #expect(timeline.map(\.kind) == [.opened, .stepFinished])
        #expect(timeline.last?.details == ["step": "check"])
        #expect(timeline.last?.at == t0.plus(3))

        // An attempt is written again under its number (it ended); a second attempt follows it.
        var ended = attempts[1]
        ended.status = .failed
        ended.exitCode = 1
        ended.finishedAt = t0.plus(4)
        ended.output = "boom\n"
        let retry = AttemptRecord(runID: id, stepIndex: 1, number: 2, status: .running, startedAt: t0.plus(5))
        try await store.commit(
            run: nil, steps: [], attempts: [ended, retry], incidentID: nil, incidentEvents: [], claim: nil)
        #expect(try await store.runDetail(id: id).attempts[1] == [ended, retry])
        #expect(try await store.runDetail(id: id).run == run, "a commit without a run leaves it alone")
    }

    @Test("the one-transition commit writes any of a run, a step and an attempt", arguments: Engine.allCases)
    func commitOne(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        var run = try await Given.run(store)
        let id = try #require(run.id)
        var step = try await store.runDetail(id: id).steps[2]
        step.status = .skipped
        step.reason = "condition false"
        try await store.commit(step: step)
        run.status = .succeeded
        run.cursor = 3
        run.finishedAt = t0.plus(9)
        let attempt = AttemptRecord(runID: id, stepIndex: 0, number: 1, status: .succeeded, startedAt: t0.plus(8))
        try await store.commit(run: run, attempt: attempt)
        let detail = try await store.runDetail(id: id)
        #expect(detail.run == run)
        #expect(detail.steps[2] == step)
        #expect(detail.steps[0].status == .pending)
        #expect(detail.attempts == [0: [attempt]])
    }

    @Test("runs lists newest first, of one incident, up to the limit", arguments: Engine.allCases)
    func list(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.runs().isEmpty)
        let a = try await Given.run(store, incidentID: "INC-1")
        let b = try await Given.run(store)
        let c = try await Given.run(store, incidentID: "INC-1")
        #expect(try await store.runs().map(\.id) == [c.id, b.id, a.id])
        #expect(try await store.runs() == [c, b, a])
        #expect(try await store.runs(incidentID: "INC-1").map(\.id) == [c.id, a.id])
        #expect(try await store.runs(incidentID: "INC-1", limit: 1).map(\.id) == [c.id])
        #expect(try await store.runs(incidentID: nil, limit: 2).map(\.id) == [c.id, b.id])
        #expect(try await store.runs(incidentID: "INC-2").isEmpty)
    }

    @Test("runCounts counts by status", arguments: Engine.allCases)
    func counts(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.runCounts().values.reduce(0, +) == 0)
        _ = try await Given.run(store)
        _ = try await Given.run(store, status: .running)
        _ = try await Given.run(store, status: .running)
        _ = try await Given.run(store, status: .failed)
        let counts = try await store.runCounts()
        #expect(counts[.pending] == 1)
        #expect(counts[.running] == 2)
        #expect(counts[.failed] == 1)
        #expect(counts[.succeeded, default: 0] == 0)
        #expect(counts.values.reduce(0, +) == 4)
    }

    @Test("unfinishedAutomaticRuns: automatic runs pending or running, no others", arguments: Engine.allCases)
    func unfinishedAutomatic(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let pending = try await Given.run(store)
        let running = try await Given.run(store, status: .running)
        _ = try await Given.run(store, status: .waiting)
        _ = try await Given.run(store, status: .succeeded)
        _ = try await Given.run(store, status: .failed)
        _ = try await Given.run(store, mode: "interactive")
        _ = try await Given.run(store, mode: "interactive", status: .running)
        let unfinished = try await store.unfinishedAutomaticRuns()
        #expect(unfinished.map(\.id).sorted { ($0 ?? 0) < ($1 ?? 0) } == [pending.id, running.id])
        #expect(Set(unfinished.map(\.status)) == [.pending, .running])
    }
}
