import Foundation
import Incidents
import Testing

@Suite("From alert to incident")
struct AlertIngestTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)
    let ingestor = AlertIngestor(engine: IncidentEngine(), policy: AlertPolicy())

    func alert(_ status: AlertStatus = .firing, key: String = "a1", labels: [String: String] = [:]) -> Alert {
        Alert(
            source: "alertmanager", key: key, status: status, name: "HighErrorRate", labels: labels,
            summary: "errors on checkout", severity: "critical")
    }

    @Test(
        "severity: critical P1, error and high P2, warning and info P3, a priority label wins, unknown is the default")
    func severityMapping() {
        let policy = AlertPolicy()
        func severity(_ word: String?, _ labels: [String: String] = [:]) -> Severity {
            policy.severity(
                of: Alert(source: "generic", key: "k", status: .firing, name: "n", labels: labels, severity: word))
        }
        #expect(severity("critical") == .p1)
        #expect(severity("error") == .p2)
        #expect(severity("HIGH") == .p2)
        #expect(severity("warning") == .p3)
        #expect(severity("info") == .p3)
        #expect(severity("critical", ["priority": "P0"]) == .p0)
        #expect(severity("nonsense") == .p2)
        #expect(severity(nil) == .p2)
        #expect(severity("P0") == .p0)
    }

    @Test("first firing opens; the same alert again only counts; another alert attaches")
    func openRepeatAttach() throws {
        let opened = ingestor.decide(
            alert(), incidentKey: "am:g", severity: .p1, snapshot: AlertSnapshot(),
            newID: { "INC-7" }, at: t0)
        #expect(opened.outcome == .opened)
        #expect(opened.isNewIncident)
        let incident = try #require(opened.transition?.incident)
        #expect(incident.id == "INC-7")
        #expect(incident.severity == .p1)
        #expect(incident.dedupKey == "am:g")
        #expect(incident.title == "errors on checkout")
        #expect(opened.routes)
        var kinds = opened.transition?.effects.compactMap { effect -> String? in
            if case .record(let entry) = effect { return entry.kind.rawValue }
            return nil
        }
        #expect(kinds == ["opened", "alert_fired"])

        let repeated = ingestor.decide(
            alert(), incidentKey: "am:g", severity: .p1,
            snapshot: AlertSnapshot(incident: incident, alert: .init(status: .firing, fireCount: 36)),
            newID: {
                Issue.record("no new incident")
                return "X"
            }, at: t0)
        #expect(repeated.outcome == .repeated)
        #expect(repeated.fireCount == 37)
        #expect(!repeated.routes)
        #expect(repeated.transition?.incident == incident, "a repeat changes nothing but the count")

        let attached = ingestor.decide(
            alert(key: "a2"), incidentKey: "am:g", severity: .p1,
            snapshot: AlertSnapshot(incident: incident, alert: nil, othersFiring: 1),
            newID: { "X" }, at: t0)
        #expect(attached.outcome == .attached)
        #expect(attached.routes)
        kinds = attached.transition?.effects.compactMap { effect -> String? in
            if case .record(let entry) = effect { return entry.kind.rawValue }
            return nil
        }
        #expect(kinds == ["alert_fired"])
    }

    @Test("resolving one of two alerts keeps the incident; the last one auto-resolves it")
    func autoResolve() throws {
        let incident = try #require(
            ingestor.decide(
                alert(), incidentKey: "k", severity: .p1, snapshot: AlertSnapshot(),
                newID: { "INC-1" }, at: t0
            ).transition?.incident)
        let partial = ingestor.decide(
            alert(.resolved), incidentKey: "k", severity: .p1,
            snapshot: AlertSnapshot(incident: incident, alert: .init(status: .firing, fireCount: 1), othersFiring: 1),
            newID: { "X" }, at: t0)
        #expect(partial.outcome == .resolved)
        #expect(partial.transition?.incident.status == .triggered)
        let last = ingestor.decide(
            alert(.resolved), incidentKey: "k", severity: .p1,
            snapshot: AlertSnapshot(incident: incident, alert: .init(status: .firing, fireCount: 1)),
            newID: { "X" }, at: t0.addingTimeInterval(60))
        #expect(last.outcome == .autoResolved)
        #expect(last.transition?.incident.status == .resolved)
        #expect(last.transition?.effects.contains(.cancelEscalation) == true)

        let manual = AlertIngestor(engine: IncidentEngine(), policy: AlertPolicy(autoResolve: [.p3]))
        let kept = manual.decide(
            alert(.resolved), incidentKey: "k", severity: .p1,
            snapshot: AlertSnapshot(incident: incident, alert: .init(status: .firing, fireCount: 1)),
            newID: { "X" }, at: t0)
        #expect(kept.outcome == .resolved, "auto-resolve is off for P1 here")
        #expect(kept.transition?.incident.status == .triggered)

        let again = ingestor.decide(
            alert(.resolved), incidentKey: "k", severity: .p1,
            snapshot: AlertSnapshot(incident: incident, alert: .init(status: .resolved, fireCount: 1)),
            newID: { "X" }, at: t0)
        #expect(again.outcome == .ignored, "a re-posted resolve is a no-op")
        #expect(again.transition == nil)
    }

    @Test("firing after an auto-resolve reopens within the window, and opens a new incident after it")
    func reopenWindow() throws {
        var incident = Incident(
            id: "INC-1", title: "t", severity: .p1, status: .resolved, triggeredAt: t0, dedupKey: "k")
        incident.resolvedAt = t0
        let snapshot = AlertSnapshot(incident: incident, alert: .init(status: .resolved, fireCount: 3))
        let soon = ingestor.decide(
            alert(), incidentKey: "k", severity: .p1, snapshot: snapshot, newID: { "INC-2" },
            at: t0.addingTimeInterval(600))
        #expect(soon.outcome == .reopened)
        #expect(soon.transition?.incident.id == "INC-1")
        #expect(soon.transition?.incident.status == .triggered)
        #expect(soon.fireCount == 4)
        let late = ingestor.decide(
            alert(), incidentKey: "k", severity: .p1, snapshot: snapshot, newID: { "INC-2" },
            at: t0.addingTimeInterval(7200))
        #expect(late.outcome == .opened)
        #expect(late.transition?.incident.id == "INC-2")
        #expect(late.fireCount == 1)
    }

    @Test("a repeat of an alert that never stopped firing does not reopen an incident a human resolved")
    func repeatAfterHumanResolve() throws {
        var incident = Incident(
            id: "INC-1", title: "t", severity: .p1, status: .resolved, triggeredAt: t0, dedupKey: "k")
        incident.resolvedAt = t0
        let stillFiring = AlertSnapshot(incident: incident, alert: .init(status: .firing, fireCount: 3))
        let repeated = ingestor.decide(
            alert(), incidentKey: "k", severity: .p1, snapshot: stillFiring,
            newID: {
                Issue.record("no new incident")
                return "INC-2"
            }, at: t0.addingTimeInterval(60))
        #expect(repeated.outcome == .repeated)
        #expect(repeated.transition?.incident.status == .resolved)
        #expect(repeated.fireCount == 4)
        #expect(!repeated.routes)
    }

    @Test("a more severe alert joining the group raises the incident's severity; a milder one does not lower it")
    func attachRaisesSeverity() throws {
        let incident = Incident(
            id: "INC-1", title: "t", severity: .p3, status: .triggered, triggeredAt: t0, dedupKey: "k")
        let raised = ingestor.decide(
            alert(key: "a2"), incidentKey: "k", severity: .p1,
            snapshot: AlertSnapshot(incident: incident, alert: nil, othersFiring: 1),
            newID: { "X" }, at: t0)
        #expect(raised.outcome == .attached)
        #expect(raised.transition?.incident.severity == .p1)
        let kinds = raised.transition?.effects.compactMap { effect -> String? in
            if case .record(let entry) = effect { return entry.kind.rawValue }
            return nil
        }
        #expect(kinds?.contains("severity_changed") == true, "\(kinds ?? [])")
        var severe = incident
        severe.severity = .p0
        let milder = ingestor.decide(
            alert(key: "a3"), incidentKey: "k", severity: .p2,
            snapshot: AlertSnapshot(incident: severe, alert: nil, othersFiring: 1),
            newID: { "X" }, at: t0)
        #expect(milder.transition?.incident.severity == .p0)
    }

    @Test("an acknowledge from the sender acknowledges a triggered incident once")
    func acknowledge() throws {
        let incident = Incident(id: "INC-1", title: "t", severity: .p2, triggeredAt: t0, dedupKey: "k")
        let acked = ingestor.acknowledge(AlertSnapshot(incident: incident), by: "pagerduty", at: t0)
        #expect(acked.outcome == .acknowledged)
        #expect(acked.transition?.incident.status == .acknowledged)
        let again = ingestor.acknowledge(AlertSnapshot(incident: acked.transition?.incident), by: "pagerduty", at: t0)
        #expect(again.outcome == .ignored)
    }
}

@Suite("Routing alerts to runbooks")
struct AlertRouterTests {
    let alert = Alert(
        source: "alertmanager", key: "k", status: .firing, name: "OrdersDBCorrupted",
        labels: ["service": "orders", "env": "staging"], severity: "critical")

    @Test("all keys ANDed, ~regex matches the whole value, source and severity can be matched")
    func matching() {
        #expect(
            Trigger(alertname: .exact("OrdersDBCorrupted"), labels: ["env": Matcher("~prod|staging")]).matches(
                alert, severity: .p1))
        #expect(
            !Trigger(alertname: .exact("OrdersDBCorrupted"), labels: ["env": Matcher("~prod")]).matches(
                alert, severity: .p1))
        #expect(
            !Trigger(labels: ["env": Matcher("~stag")]).matches(alert, severity: .p1), "a regex matches the whole value"
        )
        #expect(
            !Trigger(labels: ["region": Matcher("eu")]).matches(alert, severity: .p1), "a missing label never matches")
        #expect(Trigger(alertname: Matcher("~Orders.*"), source: "alertmanager").matches(alert, severity: .p1))
        #expect(!Trigger(source: "grafana").matches(alert, severity: .p1))
        #expect(!Trigger(severity: .p0).matches(alert, severity: .p1))
        #expect(!Trigger(alertname: Matcher("~[")).matches(alert, severity: .p1), "an invalid pattern matches nothing")
    }

    @Test("one decision per matching runbook; already ran, rate limit and fallback are explained")
    func decisions() throws {
        let router = AlertRouter(
            candidates: [
                RouteCandidate(
                    id: "db-restore", triggers: [Trigger(alertname: .exact("OrdersDBCorrupted"))], severity: .p0),
                RouteCandidate(id: "orders-triage", triggers: [Trigger(labels: ["service": .exact("orders")])]),
                RouteCandidate(id: "unrelated", triggers: [Trigger(alertname: .exact("Other"))]),
            ], policy: AlertPolicy(fallbackRunbook: "triage", maxRunsPerWindow: 2))
        let decisions = router.decide(
            alert, alreadyRan: { $0 == "db-restore" }, recentRuns: { $0 == "orders-triage" ? 2 : 0 })
        #expect(decisions.map(\.runbook) == ["db-restore", "orders-triage"])
        #expect(decisions.allSatisfy { !$0.start })
        #expect(decisions[0].reason == "already ran for this incident")
        #expect(decisions[1].reason.hasPrefix("rate limit"))
        let started = router.decide(alert, alreadyRan: { _ in false }, recentRuns: { _ in 0 })
        #expect(started.allSatisfy { $0.start })
        #expect(started.first?.entry(for: alert, at: Date(), runID: "RUN-3").details["run"] == "RUN-3")

        var other = alert
        other.name = "Nothing"
        other.labels = [:]
        let fallback = router.decide(other, alreadyRan: { _ in false }, recentRuns: { _ in 0 })
        #expect(
            fallback == [RouteDecision(runbook: "triage", start: true, reason: "fallback: no runbook's triggers match")]
        )
        #expect(
            AlertRouter(candidates: [], policy: AlertPolicy()).decide(
                other, alreadyRan: { _ in false }, recentRuns: { _ in 0 }
            ).isEmpty)
    }

    @Test("a matching runbook's severity overrides the map; a priority label overrides both")
    func severityOverride() {
        let router = AlertRouter(
            candidates: [
                RouteCandidate(
                    id: "db-restore", triggers: [Trigger(alertname: .exact("OrdersDBCorrupted"))], severity: .p0)
            ], policy: AlertPolicy())
        #expect(router.severity(of: alert) == .p0)
        var labelled = alert
        labelled.labels["priority"] = "P2"
        #expect(router.severity(of: labelled) == .p2)
        var unmatched = alert
        unmatched.name = "Other"
        #expect(router.severity(of: unmatched) == .p1)
    }
}
