import Basics
import Foundation

/// What the store knows about an alert's incident key when the alert arrives.
public struct AlertSnapshot: Sendable, Equatable {
    /// The state of one alert inside an incident.
    public struct AlertState: Sendable, Equatable {
        public var status: AlertStatus
        public var fireCount: Int

        public init(status: AlertStatus, fireCount: Int) {
            self.status = status
            self.fireCount = fireCount
        }
    }

    /// The latest incident with the key, open or not.
    public var incident: Incident?
    /// This alert in that incident.
    public var alert: AlertState?
    /// How many other alerts of that incident are still firing.
    public var othersFiring: Int

    public init(incident: Incident? = nil, alert: AlertState? = nil, othersFiring: Int = 0) {
        self.incident = incident
        self.alert = alert
        self.othersFiring = othersFiring
    }
}

/// What an alert did to its incident.
public struct AlertDecision: Sendable, Equatable {
    public enum Outcome: String, Sendable, Equatable, Codable, CaseIterable {
        /// A new incident.
        case opened
        /// A recently auto-resolved incident came back.
        case reopened
        /// A new alert joined an open incident.
        case attached
        /// An alert already firing fired again; only its count changed.
        case repeated
        /// The alert resolved; others of its incident still fire (or auto-resolve is off).
        case resolved
        /// The incident's last firing alert resolved, and so did the incident.
        case autoResolved = "auto_resolved"
        /// Acknowledged by the sender (PagerDuty `acknowledge`).
        case acknowledged
        /// Nothing to do: a resolve for an alert that is not firing, a repeat of an acknowledgement.
        case ignored
        /// A silence or maintenance window held it back: recorded and counted, no incident.
        case silenced
    }

    public var outcome: Outcome
    /// The incident after the alert and the effects to store; `nil` when ignored.
    public var transition: Transition?
    /// The incident row is new.
    public var isNewIncident: Bool
    /// The alert's fire count after this delivery.
    public var fireCount: Int

    /// Whether runbooks should be routed for this alert: only when it newly fires in its incident.
    public var routes: Bool { outcome == .opened || outcome == .reopened || outcome == .attached }
}

/// Turns alerts into incident decisions. Pure: the caller loads the snapshot and stores the result.
public struct AlertIngestor: Sendable {
    public var engine: IncidentEngine
    public var policy: AlertPolicy

    public init(engine: IncidentEngine, policy: AlertPolicy) {
        self.engine = engine
        self.policy = policy
    }

    /// Decides what `alert` does, given what the store holds for its incident key.
    /// - Parameters:
    ///   - severity: The severity a new incident gets (see ``AlertRouter/severity(of:)``).
    ///   - newID: Allocates an incident id; called only when an incident is opened.
    public func decide(
        _ alert: Alert, incidentKey: String, severity: Severity, snapshot: AlertSnapshot, newID: () -> String,
        at time: Date
    ) -> AlertDecision {
        let actor = alert.source
        let count = (snapshot.alert?.fireCount ?? 0) + (alert.status == .firing ? 1 : 0)
        func entry(_ kind: TimelineKind, _ extra: [String: String] = [:]) -> IncidentEffect {
            var details = ["source": alert.source, "key": alert.key, "name": alert.name, "count": String(count)]
            if let summary = alert.summary, kind == .alertFired { details["summary"] = summary }
            details.merge(extra) { $1 }
            return .record(TimelineEntry(kind: kind, actor: actor, at: time, details: details))
        }
        switch alert.status {
        case .firing:
            if let incident = snapshot.incident, incident.isOpen {
                return joining(
                    incident, alert: alert, severity: severity, snapshot: snapshot, count: count, at: time,
                    entry: entry)
            }
            if let incident = snapshot.incident, incident.status == .resolved, snapshot.alert?.status == .firing {
                // The sender repeats an alert that never stopped firing: a human resolved the incident anyway, and a
                // repeat must not undo that. Only a new firing after a resolve notification reopens.
                return AlertDecision(
                    outcome: .repeated,
                    transition: Transition(incident: incident, effects: [entry(.alertRepeated)]),
                    isNewIncident: false, fireCount: count)
            }
            if let incident = snapshot.incident, incident.status == .resolved, let resolvedAt = incident.resolvedAt,
                time.timeIntervalSince(resolvedAt) <= policy.reopenWindow.seconds,
                let reopened = try? engine.apply(.reopen, to: incident, by: actor, at: time)
            {
                var transition = reopened
                transition.effects.insert(entry(.alertFired), at: 0)
                return AlertDecision(outcome: .reopened, transition: transition, isNewIncident: false, fireCount: count)
            }
            // A new incident: the alert count starts again.
            let fresh = alert.status == .firing ? 1 : 0
            var opened = engine.open(
                id: newID(), title: alert.summary.flatMap { $0.isEmpty ? nil : $0 } ?? alert.name, severity: severity,
                summary: alert.annotations["description"], dedupKey: incidentKey, by: actor, at: time)
            var details = ["source": alert.source, "key": alert.key, "name": alert.name, "count": String(fresh)]
            if let summary = alert.summary { details["summary"] = summary }
            opened.effects.insert(
                .record(TimelineEntry(kind: .alertFired, actor: actor, at: time, details: details)), at: 1)
            return AlertDecision(outcome: .opened, transition: opened, isNewIncident: true, fireCount: fresh)
        case .resolved:
            guard let incident = snapshot.incident, incident.isOpen, snapshot.alert?.status == .firing else {
                return AlertDecision(outcome: .ignored, transition: nil, isNewIncident: false, fireCount: count)
            }
            let last = snapshot.othersFiring == 0
            var transition = Transition(incident: incident, effects: [entry(.alertResolved, ["last": String(last)])])
            if last, policy.autoResolve.contains(incident.severity),
                let resolved = try? engine.apply(
                    .resolve, note: "auto-resolved: every alert of the incident has resolved",
                    to: incident, by: actor, at: time)
            {
                transition = transition.then(resolved)
                return AlertDecision(
                    outcome: .autoResolved, transition: transition, isNewIncident: false, fireCount: count)
            }
            return AlertDecision(outcome: .resolved, transition: transition, isNewIncident: false, fireCount: count)
        }
    }

    /// A firing alert in an open incident: a repeat only counts; a new alert attaches and raises the incident to
    /// its severity when it is more severe.
    private func joining(
        _ incident: Incident, alert: Alert, severity: Severity, snapshot: AlertSnapshot, count: Int, at time: Date,
        entry: (TimelineKind, [String: String]) -> IncidentEffect
    ) -> AlertDecision {
        if snapshot.alert?.status == .firing {
            return AlertDecision(
                outcome: .repeated,
                transition: Transition(incident: incident, effects: [entry(.alertRepeated, [:])]),
                isNewIncident: false, fireCount: count)
        }
        var transition = Transition(incident: incident, effects: [entry(.alertFired, [:])])
        if severity < incident.severity,
            let raised = try? engine.apply(
                .changeSeverity(severity), note: "raised by alert \(alert.name)",
                to: incident, by: alert.source, at: time)
        {
            transition = transition.then(raised)
        }
        return AlertDecision(outcome: .attached, transition: transition, isNewIncident: false, fireCount: count)
    }

    /// A sender acknowledged the incident of `snapshot` (PagerDuty `acknowledge`).
    public func acknowledge(_ snapshot: AlertSnapshot, by actor: String, at time: Date) -> AlertDecision {
        guard let incident = snapshot.incident, incident.status == .triggered,
            let transition = try? engine.apply(.acknowledge, to: incident, by: actor, at: time)
        else {
            return AlertDecision(
                outcome: .ignored, transition: nil, isNewIncident: false, fireCount: snapshot.alert?.fireCount ?? 0)
        }
        return AlertDecision(
            outcome: .acknowledged, transition: transition, isNewIncident: false,
            fireCount: snapshot.alert?.fireCount ?? 0)
    }
}
