import Foundation
import Incidents
import Store

/// The response metrics of an incident, computed from its timeline. Pure.
public struct ResponseMetrics: Sendable, Equatable {
    public var triggeredAt: Date
    public var acknowledgedAt: Date?
    public var mitigatedAt: Date?
    public var resolvedAt: Date?
    /// Seconds in each severity, from the trigger to the resolution (or `now` while open).
    public var timeInSeverity: [Severity: TimeInterval]
    public var highestSeverity: Severity
    public var escalations: Int
    public var notificationsSent: Int
    public var notificationsFailed: Int
    public var runs: Int
    public var runsFailed: Int

    public var timeToAcknowledge: TimeInterval? { acknowledgedAt.map { $0.timeIntervalSince(triggeredAt) } }
    public var timeToMitigate: TimeInterval? { mitigatedAt.map { $0.timeIntervalSince(triggeredAt) } }
    public var timeToResolve: TimeInterval? { resolvedAt.map { $0.timeIntervalSince(triggeredAt) } }

    /// Computes the metrics. The first `opened` event is the trigger; the first `acknowledged` and `mitigated`
    /// events and the last `resolved` event are the milestones (a reopened incident is resolved when it last was).
    public init(_ input: PostmortemInput, now: Date) {
        let events = input.events
        triggeredAt = events.first { $0.kind == .opened }?.at ?? input.incident.triggeredAt
        acknowledgedAt = events.first { $0.kind == .acknowledged }?.at
        mitigatedAt = events.first { $0.kind == .mitigated }?.at
        let lastResolved = events.last { $0.kind == .resolved }
        let reopenedAfter =
            lastResolved.map { resolved in events.contains { $0.kind == .reopened && $0.id > resolved.id } } ?? false
        resolvedAt = reopenedAfter ? nil : lastResolved?.at
        var severity =
            events.first { $0.kind == .opened }?.details["severity"].flatMap(Severity.init(parsing:))
            ?? input.incident.severity
        var highest = severity
        var since = triggeredAt
        var spent: [Severity: TimeInterval] = [:]
        let end = resolvedAt ?? now
        for event in events where event.kind == .severityChanged && event.at <= end {
            guard let next = event.details["to"].flatMap(Severity.init(parsing:)) else { continue }
            spent[severity, default: 0] += max(0, event.at.timeIntervalSince(since))
            severity = next
            since = event.at
            if next < highest { highest = next }
        }
        spent[severity, default: 0] += max(0, end.timeIntervalSince(since))
        timeInSeverity = spent
        highestSeverity = highest
        escalations = events.filter { $0.kind == .escalated }.count
        notificationsSent = input.notifications.filter { $0.status == .sent }.count
        notificationsFailed = input.notifications.filter { $0.status == .dead }.count
        runs = input.runs.count
        runsFailed = input.runs.filter { $0.run.status == .failed || $0.run.status == .aborted }.count
    }
}
