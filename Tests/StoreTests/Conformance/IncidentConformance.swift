import Foundation
import Incidents
import Store
import Testing

/// ``IncidentStorage``: incidents, their transitions and their timelines.
@Suite("Conformance: incidents and timeline")
struct IncidentConformance {
    @Test(
        "openIncident allocates INC-n and writes the incident, its timeline and its outbox together",
        arguments: Engine.allCases)
    func open(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let opened = try await store.openIncident(at: t0, requestID: "req-1") { id in
            Given.engine.open(id: id, title: "Orders down", severity: .p1, summary: "5xx", by: "alice", at: t0)
        }
        let second = try await store.openIncident(at: t0.plus(5)) { id in
            Given.engine.open(id: id, title: "Disk 80%", severity: .p3, by: "bob", at: t0.plus(5))
        }
        #expect(opened.incident.id == "INC-1")
        #expect(second.incident.id == "INC-2")
        #expect(try await store.incident(id: "INC-1") == opened.incident)
        #expect(try await store.incident(id: "INC-2") == second.incident)
        let stored = try await store.incident(id: "INC-1")
        #expect(stored.title == "Orders down")
        #expect(stored.summary == "5xx")
        #expect(stored.severity == .p1)
        #expect(stored.status == .triggered)
        #expect(stored.triggeredAt == t0)
        #expect(stored.escalation == EscalationState(policy: "default", nextLevel: 0, cycle: 0, dueAt: t0.plus(900)))

        let events = try await store.timeline(incidentID: "INC-1")
        #expect(events.map(\.kind) == [.opened])
        #expect(events.first?.actor == "alice")
        #expect(events.first?.at == t0)
        #expect(events.first?.details == ["severity": "P1"])
        #expect(events.first?.requestID == "req-1")
        #expect(try await store.timeline(incidentID: "INC-2").first?.requestID == nil)
        #expect(try await store.notifications(incidentID: "INC-1").map(\.event) == ["opened"])
        #expect(try await store.notifications(incidentID: "INC-2").isEmpty, "P3 does not page")
    }

    @Test(
        "updateIncident applies the transition to the stored incident and appends its timeline",
        arguments: Engine.allCases)
    func update(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store, .p0)
        let acknowledged = try await store.updateIncident(id: "INC-1", at: t0.plus(60), requestID: "req-9") {
            try Given.engine.apply(.acknowledge, note: "on it", to: $0, by: "bob", at: t0.plus(60))
        }
        let stored = try await store.incident(id: "INC-1")
        #expect(stored == acknowledged.incident)
        #expect(stored.status == .acknowledged)
        #expect(stored.commander == "bob")
        #expect(stored.acknowledgedAt == t0.plus(60))
        #expect(stored.escalation == nil)
        let events = try await store.timeline(incidentID: "INC-1")
        #expect(events.map(\.kind) == [.opened, .acknowledged, .note])
        #expect(events.map(\.actor) == ["alice", "bob", "bob"])
        #expect(events.map(\.requestID) == [nil, "req-9", "req-9"])
        #expect(events[2].details == ["text": "on it"])
        #expect(events.map(\.id) == events.map(\.id).sorted(), "ids grow in commit order")
        #expect(Set(events.map(\.id)).count == 3)

        // The extension without a claim or a request id.
        _ = try await store.updateIncident(id: "INC-1", at: t0.plus(120)) {
            try Given.engine.apply(.assign("carol"), to: $0, by: "bob", at: t0.plus(120))
        }
        #expect(try await store.incident(id: "INC-1").assignee == "carol")
        #expect(try await store.timeline(incidentID: "INC-1").last?.requestID == nil)
    }

    @Test("a transition that decide refuses writes nothing, and its error passes through", arguments: Engine.allCases)
    func refusedTransition(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let opened = try await Given.incident(store)
        let error = await #expect(throws: IncidentError.self) {
            try await store.updateIncident(id: "INC-1", at: t0.plus(1)) {
                try Given.engine.apply(.reopen, to: $0, by: "bob", at: t0.plus(1))
            }
        }
        #expect(error?.code == .invalidTransition)
        #expect(try await store.incident(id: "INC-1") == opened)
        #expect(try await store.timeline(incidentID: "INC-1").count == 1)
        #expect(try await store.notifications(incidentID: "INC-1").count == 1)
    }

    @Test("an unknown incident is notFound for incident and updateIncident", arguments: Engine.allCases)
    func unknownIncident(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        await expectStoreError(.notFound) { try await store.incident(id: "INC-404") }
        await expectStoreError(.notFound) {
            try await store.updateIncident(id: "INC-404", at: t0) {
                try Given.engine.apply(.acknowledge, to: $0, by: "bob", at: t0)
            }
        }
        #expect(try await store.timeline(incidentID: "INC-404").isEmpty)
        #expect(try await store.incidents().isEmpty)
    }

    @Test(
        "the close gate: decide sees whether the post-mortem is published, in the closing transaction",
        arguments: Engine.allCases)
    func closeGate(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store, .p1)
        _ = try await store.updateIncident(id: "INC-1", at: t0.plus(10)) {
            try Given.engine.apply(.resolve, to: $0, by: "bob", at: t0.plus(10))
        }
        let refused = await #expect(throws: IncidentError.self) {
            try await store.updateIncident(id: "INC-1", at: t0.plus(20)) {
                try Given.engine.apply(.close, to: $0, by: "bob", at: t0.plus(20))
            }
        }
        #expect(refused?.code == .postmortemRequired)
        #expect(try await store.incident(id: "INC-1").status == .resolved)

        try await store.savePostmortem(
            incidentID: "INC-1", markdown: "# Draft", status: .draft, by: "bob", at: t0.plus(30))
        // decide runs on the engine's own thread: what it saw comes back in the note.
        _ = try await store.updateIncident(id: "INC-1", at: t0.plus(31)) { incident in
            try Given.engine.apply(
                .addNote("published: \(incident.postmortemPublished)"), to: incident, by: "bob", at: t0.plus(31))
        }
        #expect(try await store.timeline(incidentID: "INC-1").last?.details == ["text": "published: false"])
        await #expect(throws: IncidentError.self) {
            try await store.updateIncident(id: "INC-1", at: t0.plus(32)) {
                try Given.engine.apply(.close, to: $0, by: "bob", at: t0.plus(32))
            }
        }

        try await store.savePostmortem(
            incidentID: "INC-1", markdown: "# Done", status: .published, by: "bob", at: t0.plus(40))
        let closed = try await store.updateIncident(id: "INC-1", at: t0.plus(50)) {
            try Given.engine.apply(.close, to: $0, by: "bob", at: t0.plus(50))
        }
        #expect(closed.incident.status == .closed)
        #expect(try await store.incident(id: "INC-1").closedAt == t0.plus(50))
        #expect(try await store.timeline(incidentID: "INC-1").last?.kind == .closed)
    }

    @Test(
        "incidents lists newest first, filtered by status and severity, with limit and offset",
        arguments: Engine.allCases)
    func list(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store, .p1)
        try await Given.incident(store, .p2, at: t0.plus(1))
        try await Given.incident(store, .p1, at: t0.plus(2))
        _ = try await store.updateIncident(id: "INC-2", at: t0.plus(3)) {
            try Given.engine.apply(.resolve, to: $0, by: "bob", at: t0.plus(3))
        }
        #expect(try await store.incidents().map(\.id) == ["INC-3", "INC-2", "INC-1"])
        #expect(try await store.incidents(status: nil, severity: nil, limit: 50, offset: 0).count == 3)
        #expect(try await store.incidents(status: .resolved).map(\.id) == ["INC-2"])
        #expect(try await store.incidents(status: .triggered).map(\.id) == ["INC-3", "INC-1"])
        #expect(try await store.incidents(severity: .p1).map(\.id) == ["INC-3", "INC-1"])
        #expect(try await store.incidents(status: .triggered, severity: .p2).isEmpty)
        #expect(try await store.incidents(limit: 2).map(\.id) == ["INC-3", "INC-2"])
        #expect(try await store.incidents(limit: 2, offset: 1).map(\.id) == ["INC-2", "INC-1"])
        #expect(try await store.incidents(limit: 5, offset: 3).isEmpty)
    }

    @Test("incidentCounts counts by status and severity", arguments: Engine.allCases)
    func counts(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.incidentCounts().values.flatMap(\.values).reduce(0, +) == 0)
        try await Given.incident(store, .p1)
        try await Given.incident(store, .p1)
        try await Given.incident(store, .p3)
        _ = try await store.updateIncident(id: "INC-2", at: t0.plus(1)) {
            try Given.engine.apply(.acknowledge, to: $0, by: "bob", at: t0.plus(1))
        }
        let counts = try await store.incidentCounts()
        #expect(counts[.triggered]?[.p1] == 1)
        #expect(counts[.triggered]?[.p3] == 1)
        #expect(counts[.acknowledged]?[.p1] == 1)
        #expect(counts.values.flatMap(\.values).reduce(0, +) == 3)
        #expect(counts[.resolved, default: [:]][.p1, default: 0] == 0)
    }
}
