import Foundation
import Incidents
import Testing

@Suite("Incident state machine")
struct IncidentEngineTests {
    let engine = IncidentEngine()
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    func opened(_ severity: Severity = .p1) -> Incident {
        engine.open(id: "INC-1", title: "Orders down", severity: severity, by: "alertmanager", at: t0).incident
    }

    @Test("opening a paging incident records, announces and plans the first escalation at the ack deadline")
    func open() {
        let transition = engine.open(id: "INC-1", title: "Orders down", severity: .p0, by: "alice", at: t0)
        #expect(transition.incident.status == .triggered)
        #expect(
            transition.incident.escalation == EscalationState(policy: "default", nextLevel: 0, cycle: 0, dueAt: at(300))
        )
        #expect(
            transition.effects == [
                .record(TimelineEntry(kind: .opened, actor: "alice", at: t0, details: ["severity": "P0"])),
                .notify(channels: ["log"], event: "opened"),
                .scheduleEscalation(at: at(300)),
            ])
    }

    @Test(
        "acknowledgement deadlines per severity: P0 5m, P1 15m, P2 60m, P3 does not page",
        arguments: [(Severity.p0, 300.0), (.p1, 900), (.p2, 3600)])
    func deadlines(severity: Severity, seconds: TimeInterval) {
        #expect(opened(severity).escalation?.dueAt == at(seconds))
    }

    @Test("P3 neither notifies nor escalates")
    func p3() {
        let transition = engine.open(id: "INC-2", title: "Slow report", severity: .p3, by: "bob", at: t0)
        #expect(transition.incident.escalation == nil)
        #expect(transition.effects.count == 1)
    }

    @Test("acknowledge sets the commander and stops the escalation")
    func acknowledge() throws {
        let transition = try engine.apply(.acknowledge, to: opened(), by: "carol", at: at(60))
        #expect(transition.incident.status == .acknowledged)
        #expect(transition.incident.commander == "carol")
        #expect(transition.incident.acknowledgedAt == at(60))
        #expect(transition.incident.escalation == nil)
        #expect(transition.effects.contains(.cancelEscalation))
    }

    @Test("the happy path: acknowledge, mitigate, resolve, close")
    func lifecycle() throws {
        var incident = opened()
        incident.postmortemPublished = true
        for (action, status) in [
            (IncidentAction.acknowledge, IncidentStatus.acknowledged), (.mitigate, .mitigated),
            (.resolve, .resolved), (.close, .closed),
        ] {
            incident = try engine.apply(action, to: incident, by: "dan", at: at(10)).incident
            #expect(incident.status == status)
        }
        #expect(incident.closedAt == at(10))
    }

    @Test("reopen takes a resolved incident back to triggered and re-plans the escalation from now")
    func reopen() throws {
        var incident = try engine.apply(.resolve, to: opened(.p0), by: "erin", at: at(100)).incident
        let transition = try engine.apply(.reopen, to: incident, by: "erin", at: at(1000))
        incident = transition.incident
        #expect(incident.status == .triggered)
        #expect(incident.resolvedAt == nil)
        #expect(incident.escalation?.dueAt == at(1300))
        #expect(transition.effects.contains(.scheduleEscalation(at: at(1300))))
    }

    @Test(
        "invalid transitions name the state and the allowed actions",
        arguments: [
            (
                IncidentStatus.acknowledged, IncidentAction.acknowledge,
                "cannot acknowledge INC-1: it is acknowledged; allowed: mitigate, resolve, severity, note, assign"
            ),
            (
                .triggered, .reopen,
                "cannot reopen INC-1: it is triggered; allowed: acknowledge, mitigate, resolve, severity, note, assign"
            ),
            (.triggered, .close, "cannot close INC-1: it is triggered"),
            (.mitigated, .mitigate, "cannot mitigate INC-1: it is mitigated"),
            (.resolved, .resolve, "cannot resolve INC-1: it is resolved; allowed: reopen, close, note"),
            (.closed, .reopen, "cannot reopen INC-1: it is closed; allowed: note"),
            (.closed, .assign("x"), "cannot assign INC-1: it is closed"),
            (.resolved, .changeSeverity(.p0), "cannot change the severity of INC-1: it is resolved"),
        ])
    func refusals(status: IncidentStatus, action: IncidentAction, message: String) {
        var incident = opened()
        incident.status = status
        #expect {
            try engine.apply(action, to: incident, by: "x", at: t0)
        } throws: { error in
            let error = error as? IncidentError
            return error?.code == .invalidTransition && error?.message.hasPrefix(message) == true
        }
    }

    @Test("closing a P0 or P1 needs a published post-mortem, by default")
    func postmortemPolicy() throws {
        #expect(IncidentPolicy().postmortemRequiredToClose == [.p0, .p1])
        let strict = IncidentEngine()
        var incident = opened(.p1)
        incident.status = .resolved
        #expect {
            try strict.apply(.close, to: incident, by: "x", at: t0)
        } throws: { error in
            (error as? IncidentError)?.code == .postmortemRequired
                && "\(error)".contains("firebreak postmortem publish INC-1")
        }
        var published = incident
        published.postmortemPublished = true
        #expect(try strict.apply(.close, to: published, by: "x", at: t0).incident.status == .closed)
        var minor = incident
        minor.severity = .p2
        #expect(try strict.apply(.close, to: minor, by: "x", at: t0).incident.status == .closed)
    }

    @Test("raising the severity of a triggered incident re-plans the escalation from now")
    func raiseSeverity() throws {
        let transition = try engine.apply(.changeSeverity(.p0), to: opened(.p2), by: "fay", at: at(120))
        #expect(transition.incident.severity == .p0)
        #expect(transition.incident.escalation?.dueAt == at(420))
        #expect(
            transition.effects.first
                == .record(
                    TimelineEntry(
                        kind: .severityChanged, actor: "fay", at: at(120), details: ["from": "P2", "to": "P0"])))
    }

    @Test("changing to the same severity is refused")
    func sameSeverity() {
        #expect(throws: IncidentError.self) { try engine.apply(.changeSeverity(.p1), to: opened(.p1), by: "x", at: t0) }
    }

    @Test("notes need text; assign records the assignee")
    func notesAndAssign() throws {
        #expect(throws: IncidentError.self) { try engine.apply(.addNote("  "), to: opened(), by: "x", at: t0) }
        let note = try engine.apply(.addNote(" rolled back "), to: opened(), by: "gil", at: t0)
        #expect(
            note.effects == [
                .record(TimelineEntry(kind: .note, actor: "gil", at: t0, details: ["text": "rolled back"]))
            ])
        #expect(try engine.apply(.assign("hana"), to: opened(), by: "gil", at: t0).incident.assignee == "hana")
    }
}

@Suite("Escalation plans")
struct EscalationTests {
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let engine = IncidentEngine(
        policy: IncidentPolicy(
            severities: [.p0: SeverityPolicy(acknowledgeWithin: .zero, escalationPolicy: "oncall")],
            escalationPolicies: [
                "oncall": EscalationPolicy(
                    name: "oncall",
                    levels: [
                        .init(after: .seconds(1), notify: ["primary"]),
                        .init(after: .seconds(2), notify: ["secondary", "manager"]),
                    ], repeat: 1)
            ]))

    func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    @Test("levels fire in order at their times, repeat, then stop")
    func plan() throws {
        var incident = engine.open(id: "INC-9", title: "Down", severity: .p0, by: "x", at: t0).incident
        var fired: [(TimeInterval, [String])] = []
        var now: TimeInterval = 0
        while let due = incident.escalation?.dueAt {
            now = due.timeIntervalSince(t0)
            let transition = try engine.escalate(incident, at: due)
            for case .notify(let channels, _) in transition.effects { fired.append((now, channels)) }
            incident = transition.incident
        }
        #expect(fired.map(\.0) == [1, 3, 4, 6])
        #expect(fired.map(\.1) == [["primary"], ["secondary", "manager"], ["primary"], ["secondary", "manager"]])
    }

    @Test("a timer that fires early, twice, or after acknowledgement does nothing")
    func staleTimers() throws {
        let incident = engine.open(id: "INC-9", title: "Down", severity: .p0, by: "x", at: t0).incident
        #expect(throws: IncidentError.self) { try engine.escalate(incident, at: at(0.5)) }
        let once = try engine.escalate(incident, at: at(1)).incident
        #expect(throws: IncidentError.self) { try engine.escalate(once, at: at(1)) }
        let acknowledged = try engine.apply(.acknowledge, to: once, by: "x", at: at(2)).incident
        #expect(throws: IncidentError.self) { try engine.escalate(acknowledged, at: at(100)) }
    }

    @Test("a due timer whose policy left the configuration is stopped, with the reason on the timeline")
    func orphanedTimer() throws {
        let incident = engine.open(id: "INC-9", title: "Down", severity: .p0, by: "x", at: t0).incident
        let reconfigured = IncidentEngine(policy: IncidentPolicy(escalationPolicies: [:]))
        let stopped = try reconfigured.escalate(incident, at: at(1))
        #expect(stopped.incident.escalation == nil)
        #expect(stopped.effects.contains(.cancelEscalation))
        #expect(!stopped.effects.contains { if case .notify = $0 { true } else { false } })
        let entry = stopped.effects.compactMap { effect -> TimelineEntry? in
            if case .record(let entry) = effect { return entry }
            return nil
        }.first
        #expect(entry?.kind == .escalationStopped)
        #expect(entry?.details["reason"]?.contains("'oncall'") == true)
    }
}
