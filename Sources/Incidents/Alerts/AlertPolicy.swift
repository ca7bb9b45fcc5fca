import Foundation

/// How alerts become incidents and runs; every value configurable under `alerts:` in firebreak.yml.
public struct AlertPolicy: Sendable, Equatable {
    /// The source's severity word (lower-cased) to a severity.
    public var severityMap: [String: Severity]
    /// The severity of an alert whose word is missing or not in the map.
    public var defaultSeverity: Severity
    /// Severities whose incidents resolve by themselves when all their alerts have resolved.
    public var autoResolve: Set<Severity>
    /// A firing alert this soon after its incident auto-resolved reopens it; later, it opens a new incident.
    public var reopenWindow: Duration
    /// The runbook started for an alert that no runbook's triggers match.
    public var fallbackRunbook: String?
    /// At most `maxRunsPerWindow` automatic runs of one runbook per `runWindow`.
    public var runWindow: Duration
    /// See `runWindow`.
    public var maxRunsPerWindow: Int

    /// critical → P1, error/high → P2, warning/info → P3.
    public static let defaultSeverityMap: [String: Severity] = [
        "critical": .p1, "error": .p2, "high": .p2, "warning": .p3, "info": .p3,
    ]

    /// Creates a policy.
    public init(
        severityMap: [String: Severity] = AlertPolicy.defaultSeverityMap, defaultSeverity: Severity = .p2,
        autoResolve: Set<Severity> = Set(Severity.allCases), reopenWindow: Duration = .seconds(3600),
        fallbackRunbook: String? = nil, runWindow: Duration = .seconds(600), maxRunsPerWindow: Int = 5
    ) {
        self.severityMap = severityMap
        self.defaultSeverity = defaultSeverity
        self.autoResolve = autoResolve
        self.reopenWindow = reopenWindow
        self.fallbackRunbook = fallbackRunbook
        self.runWindow = runWindow
        self.maxRunsPerWindow = maxRunsPerWindow
    }

    /// The severity from the alert alone: a `priority` label P0–P3 wins, then the map, then the default.
    public func severity(of alert: Alert) -> Severity {
        if let priority = alert.labels["priority"], let severity = Severity(parsing: priority) { return severity }
        if let word = alert.severity {
            if let mapped = severityMap[word.lowercased()] { return mapped }
            if let severity = Severity(parsing: word) { return severity }
        }
        return defaultSeverity
    }
}
