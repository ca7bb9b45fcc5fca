import Foundation
import Incidents
import Store
import Testing

/// ``AlertStorage`` and ``AlertTransaction``: the group-commit ingest transaction, alert rows, SNS subscriptions.
@Suite("Conformance: alerts, the ingest transaction and SNS subscriptions")
struct AlertConformance {
    static let ingestor = AlertIngestor(engine: Given.engine, policy: AlertPolicy())

    struct Boom: Error {}

    static func alert(_ key: String, _ status: AlertStatus = .firing, name: String = "HighErrorRate") -> Alert {
        Alert(
            source: "generic", key: key, status: status, name: name, labels: ["service": "api", "q": "a \"b\""],
            annotations: ["description": "5xx above 2%"], summary: "API errors \(key)",
            startsAt: Date(timeIntervalSince1970: 1_799_999_000), url: "https://grafana.example/d/\(key)")
    }

    /// Delivers one alert the way the alert writer does: snapshot, decision and store in one transaction.
    static func deliver(
        _ alert: Alert, to store: any AlertStorage, group: String? = nil, severity: Severity = .p2, at time: Date,
        requestID: String? = nil
    ) async throws -> (snapshot: AlertSnapshot, decision: AlertDecision) {
        try await store.ingest { tx in
            let key = "\(alert.source):\(group ?? alert.key)"
            let snapshot = try tx.snapshot(incidentKey: key, alertKey: alert.key)
            let decision = ingestor.decide(
                alert, incidentKey: key, severity: severity, snapshot: snapshot,
                newID: { (try? tx.nextIncidentID()) ?? "INC-?" }, at: time)
            try tx.store(decision, alert: alert, severity: severity, at: time, requestID: requestID)
            return (snapshot, decision)
        }
    }

    /// `alertTotals` as `[alerts, deliveries]`.
    static func totals(_ store: any AlertStorage) async throws -> [Int] {
        let totals = try await store.alertTotals()
        return [totals.alerts, totals.deliveries]
    }

    @Test("a first delivery opens an incident with its alert row, timeline and outbox", arguments: Engine.allCases)
    func firstDelivery(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.ingest { try $0.nextIncidentID() } == "INC-1")
        let (snapshot, decision) = try await Self.deliver(Self.alert("a1"), to: store, at: t0, requestID: "req-a")
        #expect(snapshot == AlertSnapshot())
        #expect(decision.outcome == .opened)
        #expect(decision.transition?.incident.id == "INC-1")
        let incident = try await store.incident(id: "INC-1")
        #expect(incident == decision.transition?.incident)
        #expect(incident.dedupKey == "generic:a1")
        #expect(incident.title == "API errors a1")
        #expect(incident.summary == "5xx above 2%")
        let rows = try await store.alerts(incidentID: "INC-1")
        #expect(rows.count == 1)
        #expect(rows.first?.incidentID == "INC-1")
        #expect(rows.first?.alert == Self.alert("a1"))
        #expect(rows.first?.severity == "P2")
        #expect(rows.first?.fireCount == 1)
        #expect(rows.first?.firstSeen == t0)
        #expect(rows.first?.lastSeen == t0)
        #expect(try await Self.totals(store) == [1, 1])
        let events = try await store.timeline(incidentID: "INC-1")
        #expect(events.map(\.kind) == [.opened, .alertFired])
        #expect(events.allSatisfy { $0.requestID == "req-a" })
        #expect(events[1].details["key"] == "a1")
        #expect(try await store.notifications(incidentID: "INC-1").map(\.event) == ["opened"])
        #expect(try await store.ingest { try $0.nextIncidentID() } == "INC-2")
    }

    @Test("a repeat finds the incident and the alert in the snapshot and only counts", arguments: Engine.allCases)
    func repeatDelivery(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        let opened = try await Self.deliver(Self.alert("a1"), to: store, at: t0).decision
        let (snapshot, decision) = try await Self.deliver(Self.alert("a1"), to: store, at: t0.plus(60))
        #expect(snapshot.incident == opened.transition?.incident)
        #expect(snapshot.alert == AlertSnapshot.AlertState(status: .firing, fireCount: 1))
        #expect(snapshot.othersFiring == 0)
        #expect(decision.outcome == .repeated)
        let row = try #require(try await store.alerts(incidentID: "INC-1").first)
        #expect(row.fireCount == 2)
        #expect(row.firstSeen == t0)
        #expect(row.lastSeen == t0.plus(60))
        #expect(try await Self.totals(store) == [1, 2])
        #expect(try await store.timeline(incidentID: "INC-1").last?.kind == .alertRepeated)
        #expect(try await store.incidents().count == 1)
    }

    @Test("alerts of one group share an incident; the last to resolve resolves it", arguments: Engine.allCases)
    func groupResolution(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        _ = try await Self.deliver(Self.alert("a"), to: store, group: "g", at: t0)
        let attached = try await Self.deliver(Self.alert("b"), to: store, group: "g", at: t0.plus(1))
        #expect(attached.snapshot.othersFiring == 1)
        #expect(attached.snapshot.alert == nil)
        #expect(attached.decision.outcome == .attached)
        let first = try await Self.deliver(Self.alert("a", .resolved), to: store, group: "g", at: t0.plus(2))
        #expect(first.snapshot.othersFiring == 1)
        #expect(first.decision.outcome == .resolved)
        let last = try await Self.deliver(Self.alert("b", .resolved), to: store, group: "g", at: t0.plus(3))
        #expect(last.snapshot.othersFiring == 0)
        #expect(last.decision.outcome == .autoResolved)
        #expect(try await store.incident(id: "INC-1").status == .resolved)
        let rows = try await store.alerts(incidentID: "INC-1")
        #expect(rows.map(\.alert.key) == ["a", "b"])
        #expect(rows.map(\.alert.status) == [.resolved, .resolved])
        #expect(rows.map(\.alert.endsAt) == [t0.plus(2), t0.plus(3)])
        #expect(rows.map(\.fireCount) == [1, 1])
        #expect(try await Self.totals(store) == [2, 2])
    }

    @Test("recentAlerts lists the latest seen first, up to the limit", arguments: Engine.allCases)
    func recent(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.recentAlerts(limit: 10).isEmpty)
        for (index, key) in ["a", "b", "c"].enumerated() {
            _ = try await Self.deliver(Self.alert(key), to: store, at: t0.plus(Double(index)))
        }
        #expect(try await store.recentAlerts(limit: 2).map(\.alert.key) == ["c", "b"])
        _ = try await Self.deliver(Self.alert("a"), to: store, at: t0.plus(10))
        let recent = try await store.recentAlerts(limit: 10)
        #expect(recent.map(\.alert.key) == ["a", "c", "b"])
        #expect(recent.map(\.incidentID) == ["INC-1", "INC-3", "INC-2"])
    }

    @Test("the transaction creates runs and counts them for the routing rules", arguments: Engine.allCases)
    func transactionRuns(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        _ = try await Self.deliver(Self.alert("a1"), to: store, at: t0)
        _ = try await Given.run(store, runbook: "restart-api", incidentID: "INC-1", mode: "interactive")
        let created = try await store.ingest { tx in
            let before = try tx.hasRun(incidentID: "INC-1", runbook: "scale-up")
            let run = try tx.createRun(
                RunRecord(
                    runbookID: "scale-up", runbookPath: "/runbooks/scale-up.md", title: "Scale up", source: "# S",
                    mode: "automatic", params: "{}", incidentID: "INC-1", startedAt: t0.plus(5),
                    alert: #"{"name":"HighErrorRate"}"#),
                steps: [StepRecord(runID: 0, index: 0, name: "scale", kind: "sh")])
            return (before, run)
        }
        #expect(created.0 == false)
        let id = try #require(created.1.id)
        let detail = try await store.runDetail(id: id)
        #expect(detail.run == created.1)
        #expect(detail.steps.map(\.name) == ["scale"])
        #expect(detail.steps.map(\.runID) == [id])
        let answers = try await store.ingest { tx in
            [
                try tx.hasRun(incidentID: "INC-1", runbook: "scale-up"),
                try tx.hasRun(incidentID: "INC-1", runbook: "restart-api"),
                try tx.hasRun(incidentID: "INC-2", runbook: "scale-up"),
            ]
        }
        #expect(answers == [true, true, false])
    }

    @Test("automaticRuns counts the alert-started runs of a runbook from a time on", arguments: Engine.allCases)
    func automaticRunWindow(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        _ = try await Given.run(store, runbook: "scale-up", at: t0, alert: #"{"name":"A"}"#)
        _ = try await Given.run(store, runbook: "scale-up", at: t0.plus(5), alert: #"{"name":"A"}"#)
        _ = try await Given.run(store, runbook: "scale-up", mode: "interactive", at: t0.plus(6))
        _ = try await Given.run(store, runbook: "restart-api", at: t0.plus(7), alert: #"{"name":"B"}"#)
        let all = try await store.ingest { try $0.automaticRuns(runbook: "scale-up", since: t0) }
        #expect(all == 2, "runs without an alert do not count")
        let counts = try await store.ingest { tx in
            [
                try tx.automaticRuns(runbook: "scale-up", since: t0.plus(5)),
                try tx.automaticRuns(runbook: "scale-up", since: t0.plus(6)),
                try tx.automaticRuns(runbook: "restart-api", since: t0.plus(8)),
            ]
        }
        try await expecting(.runDatesStoredAsText, on: engine) {
            #expect(counts == [1, 0, 0], "runs that started before `since` do not count")
        }
    }

    @Test(
        "append writes in the transaction; a savepoint that throws undoes only its own writes",
        arguments: Engine.allCases)
    func appendAndSavepoint(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        let kept = try await store.ingest { tx in
            try tx.append(
                TimelineEntry(kind: .note, actor: "t", at: t0.plus(1), details: ["n": "1"]), to: "INC-1",
                requestID: "r1")
            let undone = Result {
                try tx.savepoint {
                    try tx.append(
                        TimelineEntry(kind: .note, actor: "t", at: t0.plus(2), details: ["n": "2"]), to: "INC-1",
                        requestID: nil)
                    throw Boom()
                }
            }
            let value = try tx.savepoint {
                try tx.append(
                    TimelineEntry(kind: .runbookSkipped, actor: "t", at: t0.plus(3)), to: "INC-1", requestID: nil)
                return 7
            }
            return (undone.isFailure, value)
        }
        #expect(kept.0)
        #expect(kept.1 == 7)
        let events = try await store.timeline(incidentID: "INC-1")
        #expect(events.map(\.kind) == [.opened, .note, .runbookSkipped])
        #expect(events[1].details == ["n": "1"])
        #expect(events[1].requestID == "r1")
        #expect(events[1].at == t0.plus(1))
    }

    @Test("an ingest body that throws writes nothing, and its error passes through", arguments: Engine.allCases)
    func failedIngest(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        await #expect(throws: Boom.self) {
            try await store.ingest { tx in
                let alert = Self.alert("a1")
                let decision = Self.ingestor.decide(
                    alert, incidentKey: "generic:a1", severity: .p2,
                    snapshot: try tx.snapshot(incidentKey: "generic:a1", alertKey: "a1"),
                    newID: { (try? tx.nextIncidentID()) ?? "INC-?" }, at: t0)
                try tx.store(decision, alert: alert, severity: .p2, at: t0, requestID: nil)
                throw Boom()
            }
        }
        #expect(try await store.incidents().isEmpty)
        #expect(try await store.recentAlerts(limit: 10).isEmpty)
        #expect(try await Self.totals(store) == [0, 0])
        #expect(try await store.timeline(incidentID: "INC-1").isEmpty)
    }

    @Test("SNS subscriptions are recorded once, marked, and listed newest first", arguments: Engine.allCases)
    func subscriptions(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        #expect(try await store.subscriptions().isEmpty)
        let arn = "arn:aws:sns:eu-west-1:1:alarms"
        try await store.recordSubscription(topicArn: arn, messageID: "m1", subscribeURL: "https://sns/1", at: t0)
        try await store.recordSubscription(
            topicArn: arn, messageID: "m2", subscribeURL: "https://sns/2", at: t0.plus(5))
        try await store.recordSubscription(
            topicArn: arn, messageID: "m1", subscribeURL: "https://sns/1", at: t0.plus(9))
        try await store.markSubscription(messageID: "m1", confirmedAt: t0.plus(1), error: nil)
        try await store.markSubscription(messageID: "m2", confirmedAt: nil, error: "HTTP 403")
        let stored = try await store.subscriptions()
        #expect(stored.map(\.messageID) == ["m2", "m1"])
        #expect(stored.map(\.topicArn) == [arn, arn])
        #expect(stored.map(\.subscribeURL) == ["https://sns/2", "https://sns/1"])
        #expect(stored.map(\.receivedAt) == [t0.plus(5), t0])
        #expect(stored.map(\.confirmedAt) == [nil, t0.plus(1)])
        #expect(stored.map(\.confirmError) == ["HTTP 403", nil])
    }
}

extension Result {
    /// Whether this is a failure.
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
