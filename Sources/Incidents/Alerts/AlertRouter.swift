import Basics
import Foundation

/// A runbook as routing sees it: its id, its triggers and the severity it gives the incidents it opens.
public struct RouteCandidate: Sendable, Equatable {
    public var id: String
    public var triggers: [Trigger]
    public var severity: Severity?

    public init(id: String, triggers: [Trigger], severity: Severity? = nil) {
        self.id = id
        self.triggers = triggers
        self.severity = severity
    }
}

/// Whether a runbook is started for an alert, and why.
public struct RouteDecision: Sendable, Equatable {
    public var runbook: String
    public var start: Bool
    /// `matched trigger`, `fallback`, `already ran for this incident`, `rate limit: …`.
    public var reason: String
    /// Param values from the matching trigger's `params` templates.
    public var params: [String: String]

    public init(runbook: String, start: Bool, reason: String, params: [String: String] = [:]) {
        self.runbook = runbook
        self.start = start
        self.reason = reason
        self.params = params
    }

    /// The timeline entry that records the decision: `runbook_routed` (with the run id) or `runbook_skipped`.
    public func entry(for alert: Alert, at time: Date, runID: String? = nil) -> TimelineEntry {
        var details = ["runbook": runbook, "reason": reason, "alert": alert.name]
        if let runID { details["run"] = runID }
        return TimelineEntry(
            kind: start ? .runbookRouted : .runbookSkipped, actor: "router", at: time, details: details)
    }
}

/// Picks the runbooks an alert starts. Pure: the caller says what already ran.
public struct AlertRouter: Sendable {
    public var candidates: [RouteCandidate]
    public var policy: AlertPolicy

    public init(candidates: [RouteCandidate], policy: AlertPolicy) {
        self.candidates = candidates
        self.policy = policy
    }

    /// The runbooks with a trigger that matches, in id order.
    public func matching(_ alert: Alert, severity: Severity) -> [RouteCandidate] {
        candidates.filter { candidate in candidate.triggers.contains { $0.matches(alert, severity: severity) } }
    }

    /// The severity of a new incident for `alert`: a `priority` label P0–P3 first, then the most severe
    /// `severity` of the runbooks it triggers, then the policy's map.
    public func severity(of alert: Alert) -> Severity {
        let mapped = policy.severity(of: alert)
        if let priority = alert.labels["priority"], Severity(parsing: priority) != nil { return mapped }
        return matching(alert, severity: mapped).compactMap(\.severity).min() ?? mapped
    }

    /// One decision per matching runbook (or the fallback when none matches).
    /// - Parameters:
    ///   - alreadyRan: Whether the runbook already has a run for this incident.
    ///   - recentRuns: How many automatic runs the runbook had within the policy's window.
    public func decide(
        _ alert: Alert, alreadyRan: (String) throws -> Bool, recentRuns: (String) throws -> Int
    ) rethrows -> [RouteDecision] {
        let severity = policy.severity(of: alert)
        var chosen = matching(alert, severity: severity).map { candidate in
            let trigger = candidate.triggers.first { $0.matches(alert, severity: severity) }
            return (candidate.id, "matched a trigger", trigger?.params(for: alert) ?? [:])
        }
        if chosen.isEmpty, let fallback = policy.fallbackRunbook {
            chosen = [(fallback, "fallback: no runbook's triggers match", [:])]
        }
        return try chosen.map { id, reason, params in
            if try alreadyRan(id) {
                return RouteDecision(runbook: id, start: false, reason: "already ran for this incident")
            }
            let recent = try recentRuns(id)
            if recent >= policy.maxRunsPerWindow {
                return RouteDecision(
                    runbook: id, start: false,
                    reason:
                        "rate limit: \(recent) automatic runs in the last \(Int(policy.runWindow.seconds))s (alerts.max_runs_per_window)"
                )
            }
            return RouteDecision(runbook: id, start: true, reason: reason, params: params)
        }
    }
}
