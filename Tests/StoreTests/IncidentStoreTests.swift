import FirebreakTesting
import Foundation
import Incidents
import Store
import Testing

@Suite("Incident storage")
struct IncidentStoreTests {
    let engine = IncidentEngine()
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func open(_ store: any Storage, _ severity: Severity = .p1) async throws -> Incident {
        try await store.openIncident(at: t0) { id in
            engine.open(id: id, title: "Orders down", severity: severity, by: "alice", at: t0)
        }.incident
    }

    @Test("opening allocates INC-n and writes the incident, its timeline and its outbox together")
    func openWritesEverything() async throws {
        let store = try SQLiteStore.inMemory()
        let first = try await open(store)
        let second = try await open(store, .p3)
        #expect(first.id == "INC-1")
        #expect(second.id == "INC-2")
        let stored = try await store.incident(id: "inc-1")
        #expect(stored == first)
        #expect(try await store.timeline(incidentID: "INC-1").map(\.kind.rawValue) == ["opened"])
        #expect(try await store.notifications(incidentID: "INC-1").map(\.event) == ["opened"])
        #expect(try await store.notifications(incidentID: "INC-2").isEmpty, "P3 does not page")
    }

    @Test("a refused transition writes nothing")
    func refusedWritesNothing() async throws {
        let store = try SQLiteStore.inMemory()
        _ = try await open(store)
        await #expect(throws: IncidentError.self) {
            try await store.updateIncident(id: "INC-1", at: t0) { try engine.apply(.reopen, to: $0, by: "bob", at: t0) }
        }
        #expect(try await store.incident(id: "INC-1").status == .triggered)
        #expect(try await store.timeline(incidentID: "INC-1").count == 1)
    }

    @Test("transitions persist state, escalation and timeline; the incident round-trips through a file")
    func transitionsPersist() async throws {
        let directory = TemporaryDirectory()
        do {
            let store = try SQLiteStore.open(directory: directory.url)
            _ = try await open(store, .p0)
            _ = try await store.updateIncident(id: "INC-1", at: t0.addingTimeInterval(60)) {
                try engine.apply(.acknowledge, to: $0, by: "bob", at: t0.addingTimeInterval(60))
            }
        }
        let store = try SQLiteStore.open(directory: directory.url)
        let incident = try await store.incident(id: "INC-1")
        #expect(incident.status == .acknowledged)
        #expect(incident.commander == "bob")
        #expect(incident.acknowledgedAt == t0.addingTimeInterval(60))
        #expect(incident.escalation == nil)
        let events = try await store.timeline(incidentID: "INC-1")
        #expect(events.map(\.kind.rawValue) == ["opened", "acknowledged"])
        #expect(events.map(\.actor) == ["alice", "bob"])
    }

    @Test("an escalation plan survives storage")
    func escalationStored() async throws {
        let store = try SQLiteStore.inMemory()
        let incident = try await open(store, .p0)
        #expect(try await store.incident(id: incident.id).escalation == incident.escalation)
        #expect(incident.escalation?.dueAt == t0.addingTimeInterval(300))
    }

    @Test("lists filter by status and severity, newest first")
    func list() async throws {
        let store = try SQLiteStore.inMemory()
        _ = try await open(store, .p1)
        _ = try await open(store, .p2)
        _ = try await store.updateIncident(id: "INC-2", at: t0) { try engine.apply(.resolve, to: $0, by: "x", at: t0) }
        #expect(try await store.incidents().map(\.id) == ["INC-2", "INC-1"])
        #expect(try await store.incidents(status: .resolved).map(\.id) == ["INC-2"])
        #expect(try await store.incidents(severity: .p1).map(\.id) == ["INC-1"])
        #expect(try await store.incidents(limit: 1, offset: 1).map(\.id) == ["INC-1"])
    }

    @Test("an unknown incident is notFound")
    func unknown() async throws {
        let store = try SQLiteStore.inMemory()
        await #expect { try await store.incident(id: "INC-7") } throws: { ($0 as? StoreError)?.code == .notFound }
    }
}
