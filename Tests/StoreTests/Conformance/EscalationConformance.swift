import Foundation
import Incidents
import Store
import Testing

/// ``EscalationStorage``: each open incident's escalation timer, claimed when due and fired with `updateIncident`.
///
/// With the default policy an incident opened at `t0` is first due at `t0 + acknowledgeWithin` (P0 300 s, P1 900 s,
/// P2 3600 s; P3 never), then every 600 s, three times in all.
@Suite("Conformance: escalation timers")
struct EscalationConformance {
    static let scheduler = Given.owner("scheduler")

    /// Claims and fires every escalation due at `time`; returns the incident ids it fired.
    static func fireDue(_ store: any Storage, at time: Date) async throws -> [String] {
        let claims = try await store.claimDueEscalations(at: time, owner: scheduler, lease: 30, limit: 10)
        for claim in claims {
            _ = try await store.updateIncident(id: claim.work.key, at: time, requestID: nil, claim: claim) {
                try Given.engine.escalate($0, at: time)
            }
        }
        return claims.map(\.work.key)
    }

    @Test("nextEscalationDue is the earliest planned timer", arguments: Engine.allCases)
    func nextDue(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.nextEscalationDue() == nil)
        try await Given.incident(store, .p3)
        #expect(try await store.nextEscalationDue() == nil, "P3 does not page")
        try await Given.incident(store, .p1)
        #expect(try await store.nextEscalationDue() == t0.plus(900))
        try await Given.incident(store, .p0, at: t0.plus(10))
        #expect(try await store.nextEscalationDue() == t0.plus(310))
        _ = try await store.updateIncident(id: "INC-3", at: t0.plus(20)) {
            try Given.engine.apply(.acknowledge, to: $0, by: "bob", at: t0.plus(20))
        }
        #expect(try await store.nextEscalationDue() == t0.plus(900))
        _ = try await store.updateIncident(id: "INC-2", at: t0.plus(30)) {
            try Given.engine.apply(.resolve, to: $0, by: "bob", at: t0.plus(30))
        }
        #expect(try await store.nextEscalationDue() == nil)
    }

    @Test("claimDueEscalations claims the due timers, earliest first, up to the limit", arguments: Engine.allCases)
    func claimDue(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store, .p2)
        try await Given.incident(store, .p1)
        try await Given.incident(store, .p0)
        try await Given.incident(store, .p3)
        let scheduler = Self.scheduler
        #expect(try await store.claimDueEscalations(at: t0.plus(299), owner: scheduler, lease: 30, limit: 10).isEmpty)
        let first = try await store.claimDueEscalations(at: t0.plus(300), owner: scheduler, lease: 30, limit: 10)
        #expect(first.map(\.work) == [WorkItem(.escalation, key: "INC-3")])
        #expect(first.first?.owner == scheduler)
        #expect(first.first?.expiresAt == t0.plus(330))
        #expect(try await store.currentClaim(on: WorkItem(.escalation, key: "INC-3")) == first.first)
        let later = try await store.claimDueEscalations(at: t0.plus(900), owner: scheduler, lease: 30, limit: 10)
        #expect(later.map(\.work.key) == ["INC-3", "INC-2"])
        let limited = try await store.claimDueEscalations(at: t0.plus(4000), owner: scheduler, lease: 30, limit: 2)
        #expect(limited.map(\.work.key) == ["INC-3", "INC-2"])
        let all = try await store.claimDueEscalations(at: t0.plus(4000), owner: scheduler, lease: 30, limit: 10)
        #expect(all.map(\.work.key) == ["INC-3", "INC-2", "INC-1"])
    }

    @Test(
        "firing with the claim escalates, notifies, plans the next level and releases the claim",
        arguments: Engine.allCases)
    func fire(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store, .p0)
        let claim = try #require(
            try await store.claimDueEscalations(at: t0.plus(300), owner: Self.scheduler, lease: 30, limit: 10).first)
        let fired = try await store.updateIncident(id: "INC-1", at: t0.plus(301), requestID: nil, claim: claim) {
            try Given.engine.escalate($0, at: t0.plus(301))
        }
        let incident = try await store.incident(id: "INC-1")
        #expect(incident == fired.incident)
        #expect(incident.escalation == EscalationState(policy: "default", nextLevel: 0, cycle: 1, dueAt: t0.plus(901)))
        let event = try #require(try await store.timeline(incidentID: "INC-1").last)
        #expect(event.kind == .escalated)
        #expect(event.actor == "system")
        #expect(event.details == ["level": "1", "cycle": "1", "channels": "log"])
        let rows = try await store.notifications(incidentID: "INC-1")
        #expect(rows.map(\.event) == ["opened", "escalated"])
        #expect(rows.last?.details == ["level": "1", "cycle": "1", "channels": "log"])
        #expect(rows.last?.nextAttemptAt == t0.plus(301))
        #expect(try await store.currentClaim(on: claim.work) == nil)
        #expect(try await store.nextEscalationDue() == t0.plus(901))
        let other = Given.owner("other")
        #expect(try await store.claimDueEscalations(at: t0.plus(900), owner: other, lease: 30, limit: 10).isEmpty)
        #expect(try await store.claimDueEscalations(at: t0.plus(901), owner: other, lease: 30, limit: 10).count == 1)
    }

    @Test("a spent escalation claim is refused with claimLost and fires nothing", arguments: Engine.allCases)
    func spentClaim(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store, .p0)
        let claim = try #require(
            try await store.claimDueEscalations(at: t0.plus(300), owner: Self.scheduler, lease: 30, limit: 10).first)
        _ = try await store.updateIncident(id: "INC-1", at: t0.plus(300), requestID: nil, claim: claim) {
            try Given.engine.escalate($0, at: t0.plus(300))
        }
        let before = try await store.incident(id: "INC-1")
        let events = try await store.timeline(incidentID: "INC-1").count
        await expectStoreError(.claimLost) {
            try await store.updateIncident(id: "INC-1", at: t0.plus(310), requestID: nil, claim: claim) {
                try Given.engine.apply(.addNote("late"), to: $0, by: "system", at: t0.plus(310))
            }
        }
        #expect(try await store.incident(id: "INC-1") == before)
        #expect(try await store.timeline(incidentID: "INC-1").count == events)
    }

    @Test(
        "a timer repeats by the policy and then stops; an acknowledgement stops it at once", arguments: Engine.allCases)
    func lifecycle(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store, .p0)
        try await Given.incident(store, .p0)
        _ = try await store.updateIncident(id: "INC-2", at: t0.plus(10)) {
            try Given.engine.apply(.acknowledge, to: $0, by: "bob", at: t0.plus(10))
        }
        #expect(try await Self.fireDue(store, at: t0.plus(300)) == ["INC-1"])
        #expect(try await Self.fireDue(store, at: t0.plus(899)) == [])
        #expect(try await Self.fireDue(store, at: t0.plus(900)) == ["INC-1"])
        #expect(try await Self.fireDue(store, at: t0.plus(1500)) == ["INC-1"])
        #expect(try await store.incident(id: "INC-1").escalation == nil)
        #expect(try await store.nextEscalationDue() == nil)
        #expect(try await Self.fireDue(store, at: t0.plus(99_999)) == [])
        let levels = try await store.timeline(incidentID: "INC-1").filter { $0.kind == .escalated }
        #expect(levels.map(\.details["cycle"]) == ["1", "2", "3"])
        #expect(try await store.notifications(incidentID: "INC-1").filter { $0.event == "escalated" }.count == 3)
        #expect(try await store.timeline(incidentID: "INC-2").map(\.kind) == [.opened, .acknowledged])
    }
}
