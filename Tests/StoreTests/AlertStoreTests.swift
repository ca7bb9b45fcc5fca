import Foundation
import Incidents
import Store
import Testing

@Suite("Alert storage")
struct AlertStoreTests {
    @Test("timeline details and labels with quotes, backslashes, newlines, control characters and emoji round-trip")
    func detailsRoundTrip() async throws {
        let store = try SQLiteStore.inMemory()
        let engine = IncidentEngine()
        let tricky = "say \"hi\" \\ path\nnext\ttab \u{01} 🔥 $(x)"
        let alert = Alert(
            source: "generic", key: "k", status: .firing, name: "N", labels: ["q": tricky],
            annotations: ["a\"b": tricky])
        let ingestor = AlertIngestor(engine: engine, policy: AlertPolicy())
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        try await store.ingest { tx in
            let snapshot = try tx.snapshot(incidentKey: "generic:k", alertKey: "k")
            let decision = ingestor.decide(
                alert, incidentKey: "generic:k", severity: .p2, snapshot: snapshot,
                newID: { (try? tx.nextIncidentID()) ?? "" }, at: now)
            try tx.store(decision, alert: alert, severity: .p2, at: now, requestID: nil)
            try tx.append(
                TimelineEntry(kind: .note, actor: "t", at: now, details: ["text": tricky]), to: "INC-1", requestID: nil)
        }
        let stored = try #require(try await store.alerts(incidentID: "INC-1").first)
        #expect(stored.alert.labels == ["q": tricky])
        #expect(stored.alert.annotations == ["a\"b": tricky])
        #expect(stored.fireCount == 1)
        #expect(try await store.timeline(incidentID: "INC-1").last?.details["text"] == tricky)
        #expect(try await store.incident(id: "INC-1").dedupKey == "generic:k")
    }
}
