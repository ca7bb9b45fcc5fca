import Foundation
import Incidents
import Store

extension AlertPipeline {
    /// Applies silences and maintenance windows to one alert's decision, inside the ingest transaction.
    ///
    /// - A firing alert that would open (or reopen) an incident while `quiet` matches it is held back: recorded and
    ///   counted in `silenced_alerts`, and nothing else happens. Returns what held it.
    /// - A firing alert let through after being held carries a `silence_ended` entry onto its incident.
    /// - A new alert joining an open incident while quiet is recorded as usual, with an `alert_silenced` entry.
    /// - A resolved alert that was held is forgotten: it will not open an incident when the quiet ends.
    func quieten(
        _ decision: inout AlertDecision, alert: Alert, batch: AlertBatch, severity: Severity, quiet: Quiet?,
        tx: any AlertTransaction, at now: Date
    ) throws -> String? {
        let incidentKey = batch.incidentKey(for: alert)
        guard alert.status == .firing else {
            _ = try tx.releaseSilenced(incidentKey: incidentKey, alertKey: alert.key)
            return nil
        }
        if let quiet, decision.outcome == .opened || decision.outcome == .reopened {
            _ = try tx.holdSilenced(
                SilencedAlertRecord(
                    incidentKey: incidentKey, groupKey: batch.groupKey, alert: alert, severity: severity, fireCount: 1,
                    firstSeen: now, lastSeen: now, silencedBy: quiet.label, reason: quiet.reason))
            return quiet.label
        }
        guard var transition = decision.transition else { return nil }
        if let held = try tx.releaseSilenced(incidentKey: incidentKey, alertKey: alert.key) {
            transition.effects.append(
                .record(
                    TimelineEntry(
                        kind: .silenceEnded, actor: "firebreak", at: now,
                        details: [
                            "name": alert.name, "key": alert.key, "silence": held.silencedBy, "reason": held.reason,
                            "count": String(held.fireCount), "since": held.firstSeen.formatted(.iso8601),
                        ])))
        } else if let quiet, decision.outcome == .attached {
            transition.effects.append(
                .record(
                    TimelineEntry(
                        kind: .alertSilenced, actor: "firebreak", at: now,
                        details: ["name": alert.name, "key": alert.key, "silence": quiet.label, "reason": quiet.reason])
                ))
        }
        decision.transition = transition
        return nil
    }
}
