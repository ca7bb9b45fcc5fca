import Foundation
import Incidents
import Store
import Testing

/// The fence: once an expired lease was taken over, the first owner's late write is refused with `.claimLost` and
/// changes nothing, for each kind of claimed work (a run's commit, a notification's outcome, an escalation).
@Suite("Conformance: claim fencing")
struct ClaimFencingConformance {
    static let slow = Given.owner("slow")
    static let fast = Given.owner("fast")

    @Test("a run commit under a claim that was taken over is refused and changes nothing", arguments: Engine.allCases)
    func runCommit(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        var run = try await Given.run(store, incidentID: "INC-1", status: .running)
        let id = try #require(run.id)
        let stale = try #require(try await store.claim(.run(id), owner: Self.slow, lease: 30, at: t0))
        var step = try await store.runDetail(id: id).steps[0]
        step.status = .running
        try await store.commit(step: step, claim: stale)
        let current = try #require(try await store.claim(.run(id), owner: Self.fast, lease: 30, at: t0.plus(31)))
        #expect(current.token > stale.token)
        let before = try await store.runDetail(id: id)
        let timeline = try await store.timeline(incidentID: "INC-1")

        step.status = .succeeded
        run.status = .succeeded
        let attempt = AttemptRecord(runID: id, stepIndex: 0, number: 1, status: .succeeded, startedAt: t0)
        await expectStoreError(.claimLost) { try await store.commit(step: step, claim: stale) }
        await expectStoreError(.claimLost) {
            try await store.commit(
                run: run, steps: [step], attempts: [attempt], incidentID: "INC-1",
                incidentEvents: [TimelineEntry(kind: .run("succeeded"), actor: "firebreak", at: t0.plus(40))],
                claim: stale)
        }
        #expect(try await store.runDetail(id: id) == before)
        #expect(try await store.timeline(incidentID: "INC-1") == timeline)
        #expect(try await store.currentClaim(on: .run(id)) == current)

        try await store.commit(step: step, claim: current)
        #expect(try await store.runDetail(id: id).steps[0].status == .succeeded)
        #expect(try await store.currentClaim(on: .run(id)) == current, "a commit keeps the claim")
    }

    @Test(
        "a notification outcome under a claim that was taken over is refused and changes nothing",
        arguments: Engine.allCases)
    func notificationOutcome(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        let stale = try #require(
            try await store.claimDueNotifications(at: t0, owner: Self.slow, lease: 30, limit: 10).first)
        #expect(
            try await store.claimDueNotifications(at: t0.plus(29), owner: Self.fast, lease: 30, limit: 10).isEmpty,
            "held until the lease ends")
        let current = try #require(
            try await store.claimDueNotifications(at: t0.plus(31), owner: Self.fast, lease: 30, limit: 10).first)
        #expect(current.notification.id == stale.notification.id)
        #expect(current.claim.owner == Self.fast)
        #expect(current.claim.token > stale.claim.token)
        let id = stale.notification.id
        let before = try await store.notifications(incidentID: "INC-1")

        await expectStoreError(.claimLost) {
            try await store.markNotificationSent(id: id, at: t0.plus(32), claim: stale.claim)
        }
        await expectStoreError(.claimLost) {
            try await store.markNotificationFailed(id: id, error: "late", retryAt: t0.plus(90), claim: stale.claim)
        }
        await expectStoreError(.claimLost) {
            try await store.markNotificationFailed(id: id, error: "late", retryAt: nil, claim: stale.claim)
        }
        await expectStoreError(.claimLost) {
            try await store.postponeNotification(id: id, until: t0.plus(99), claim: stale.claim)
        }
        let after = try await store.notifications(incidentID: "INC-1")
        #expect(after == before)
        #expect(after.first?.status == .pending)
        #expect(after.first?.attempts == 0)
        #expect(after.first?.sentAt == nil)
        #expect(try await store.currentClaim(on: current.claim.work) == current.claim)

        try await store.markNotificationSent(id: id, at: t0.plus(33), claim: current.claim)
        #expect(try await store.notifications(incidentID: "INC-1").first?.sentAt == t0.plus(33))
    }

    @Test(
        "an escalation fired under a claim that was taken over is refused and changes nothing",
        arguments: Engine.allCases)
    func escalation(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store, .p0)
        let stale = try #require(
            try await store.claimDueEscalations(at: t0.plus(300), owner: Self.slow, lease: 30, limit: 10).first)
        #expect(try await store.claimDueEscalations(at: t0.plus(329), owner: Self.fast, lease: 30, limit: 10).isEmpty)
        let current = try #require(
            try await store.claimDueEscalations(at: t0.plus(331), owner: Self.fast, lease: 30, limit: 10).first)
        #expect(current.work == stale.work)
        #expect(current.token > stale.token)
        let incident = try await store.incident(id: "INC-1")
        let timeline = try await store.timeline(incidentID: "INC-1")
        let outbox = try await store.notifications(incidentID: "INC-1")

        await expectStoreError(.claimLost) {
            try await store.updateIncident(id: "INC-1", at: t0.plus(332), requestID: nil, claim: stale) {
                try Given.engine.escalate($0, at: t0.plus(332))
            }
        }
        #expect(try await store.incident(id: "INC-1") == incident)
        #expect(try await store.incident(id: "INC-1").escalation?.dueAt == t0.plus(300))
        #expect(try await store.timeline(incidentID: "INC-1") == timeline)
        #expect(try await store.notifications(incidentID: "INC-1") == outbox)
        #expect(try await store.currentClaim(on: current.work) == current)

        _ = try await store.updateIncident(id: "INC-1", at: t0.plus(333), requestID: nil, claim: current) {
            try Given.engine.escalate($0, at: t0.plus(333))
        }
        #expect(try await store.timeline(incidentID: "INC-1").last?.kind == .escalated)
        #expect(try await store.currentClaim(on: current.work) == nil)
    }

    @Test(
        "a claim that was taken over stays lost when its first owner claims the released work anew",
        arguments: Engine.allCases)
    func lostStaysLost(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let id = try #require(try await Given.run(store, status: .running).id)
        let stale = try #require(try await store.claim(.run(id), owner: Self.slow, lease: 30, at: t0))
        let other = try #require(try await store.claim(.run(id), owner: Self.fast, lease: 30, at: t0.plus(31)))
        try await store.release(other)
        let fresh = try #require(try await store.claim(.run(id), owner: Self.slow, lease: 30, at: t0.plus(40)))
        var step = try await store.runDetail(id: id).steps[0]
        step.status = .succeeded
        step.reason = "written by the stalled executor"
        try await expecting(.tokenRestartsAfterRelease, on: engine) {
            #expect(fresh.token > other.token)
            await expectStoreError(.claimLost, "the stalled executor's claim was taken over at t0+31") {
                try await store.commit(step: step, claim: stale)
            }
            let status = try await store.runDetail(id: id).steps[0].status
            #expect(status == .pending)
        }
    }
}
