import Foundation
import Incidents
import Store

/// What a silence or maintenance window did to one alert.
enum QuietEffect: Equatable {
    /// Nothing quiet matched: the decision stands.
    case none
    /// Held back, by this silence or window: no incident, nothing stored but the held row.
    case held(String)
    /// Joined an open incident while quiet: recorded and on the timeline, but it changes nothing else.
    case joinedQuietly
}

extension AlertPipeline {
    /// Applies silences and maintenance windows to one alert's decision, inside the ingest transaction.
    ///
    /// - A firing alert that would open (or reopen) an incident while `quiet` matches it is held back: recorded and
    ///   counted in `silenced_alerts`, and nothing else happens.
    /// - A firing alert joining an open incident while quiet is recorded, with an `alert_silenced` entry, and
    ///   nothing more: no severity raise, no page, no runbook.
    /// - A firing alert let through after being held (`released`, or a live delivery once the quiet is over)
    ///   carries a `silence_ended` entry onto its incident.
    /// - A resolved alert that was held is forgotten: it will not open an incident when the quiet ends.
    func quieten(
        _ decision: inout AlertDecision, alert: Alert, batch: AlertBatch, snapshot: AlertSnapshot, severity: Severity,
        quiet: Quiet?, released: SilencedAlertRecord?, tx: any AlertTransaction, at now: Date
    ) throws -> QuietEffect {
        let incidentKey = batch.incidentKey(for: alert)
        guard alert.status == .firing else {
            _ = try tx.releaseSilenced(incidentKey: incidentKey, alertKey: alert.key)
            return .none
        }
        if let quiet, decision.outcome == .opened || decision.outcome == .reopened {
            _ = try tx.holdSilenced(
                SilencedAlertRecord(
                    incidentKey: incidentKey, groupKey: batch.groupKey, alert: alert, severity: severity,
                    fireCount: released?.fireCount ?? 1, firstSeen: released?.firstSeen ?? now, lastSeen: now,
                    silencedBy: quiet.label, reason: quiet.reason))
            return .held(quiet.label)
        }
        if let quiet, decision.outcome == .attached, let incident = snapshot.incident {
            // The incident as it was: a quiet alert raises no severity and re-plans no escalation.
            decision.transition = Transition(
                incident: incident,
                effects: [
                    .record(
                        TimelineEntry(
                            kind: .alertFired, actor: alert.source, at: now,
                            details: ["source": alert.source, "key": alert.key, "name": alert.name, "count": "1"])),
                    .record(
                        TimelineEntry(
                            kind: .alertSilenced, actor: "firebreak", at: now,
                            details: [
                                "name": alert.name, "key": alert.key, "silence": quiet.label, "reason": quiet.reason,
                            ])),
                ])
            return .joinedQuietly
        }
        guard quiet == nil, var transition = decision.transition else { return .none }
        let held = try released ?? tx.releaseSilenced(incidentKey: incidentKey, alertKey: alert.key)
        if let held {
            transition.effects.append(
                .record(
                    TimelineEntry(
                        kind: .silenceEnded, actor: "firebreak", at: now,
                        details: [
                            "name": alert.name, "key": alert.key, "silence": held.silencedBy, "reason": held.reason,
                            "count": String(held.fireCount), "since": held.firstSeen.formatted(.iso8601),
                        ])))
            decision.transition = transition
        }
        return .none
    }
}
