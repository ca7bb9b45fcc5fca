import Foundation

/// How a severity is handled.
public struct SeverityPolicy: Sendable, Equatable {
    /// Time allowed to acknowledge before escalation starts; `nil` means no deadline.
    public var acknowledgeWithin: Duration?
    /// The escalation policy that applies.
    public var escalationPolicy: String
    /// Whether the severity pages (notifies and escalates) at all.
    public var pages: Bool

    /// Creates a severity policy.
    public init(acknowledgeWithin: Duration?, escalationPolicy: String = "default", pages: Bool = true) {
        self.acknowledgeWithin = acknowledgeWithin
        self.escalationPolicy = escalationPolicy
        self.pages = pages
    }
}

/// An ordered list of escalation levels, repeated `repeat` more times.
public struct EscalationPolicy: Sendable, Equatable {
    /// One level: who is notified, and how long after the previous level (or the acknowledgement deadline).
    public struct Level: Sendable, Equatable {
        /// Wait after the previous level; the first level waits this long after the acknowledgement deadline.
        public var after: Duration
        /// Notification channel names.
        public var notify: [String]

        /// Creates a level.
        public init(after: Duration, notify: [String]) {
            self.after = after
            self.notify = notify
        }
    }

    /// Policy name.
    public var name: String
    /// Levels in order.
    public var levels: [Level]
    /// Extra passes through all levels after the first.
    public var `repeat`: Int

    /// Creates a policy.
    public init(name: String, levels: [Level], repeat: Int = 0) {
        self.name = name
        self.levels = levels
        self.repeat = `repeat`
    }
}

/// Every rule the incident engine follows; all of it configurable.
public struct IncidentPolicy: Sendable, Equatable {
    /// Policies by severity.
    public var severities: [Severity: SeverityPolicy]
    /// Escalation policies by name.
    public var escalationPolicies: [String: EscalationPolicy]
    /// Severities whose incidents may close only with a published post-mortem (P0 and P1 by default).
    public var postmortemRequiredToClose: Set<Severity>
    /// Channels notified when an incident opens or changes (for paging severities).
    public var announce: [String]

    /// Creates a policy.
    public init(
        severities: [Severity: SeverityPolicy] = IncidentPolicy.defaultSeverities,
        escalationPolicies: [String: EscalationPolicy] = ["default": IncidentPolicy.defaultEscalation],
        postmortemRequiredToClose: Set<Severity> = [.p0, .p1], announce: [String] = ["log"]
    ) {
        self.severities = severities
        self.escalationPolicies = escalationPolicies
        self.postmortemRequiredToClose = postmortemRequiredToClose
        self.announce = announce
    }

    /// P0 5 minutes, P1 15, P2 60; P3 does not page.
    public static let defaultSeverities: [Severity: SeverityPolicy] = [
        .p0: SeverityPolicy(acknowledgeWithin: .seconds(300)),
        .p1: SeverityPolicy(acknowledgeWithin: .seconds(900)),
        .p2: SeverityPolicy(acknowledgeWithin: .seconds(3600)),
        .p3: SeverityPolicy(acknowledgeWithin: nil, pages: false),
    ]

    /// One level that notifies the log channel when the acknowledgement deadline passes, then every 10 minutes, twice.
    public static let defaultEscalation = EscalationPolicy(
        name: "default", levels: [.init(after: .zero, notify: ["log"])], repeat: 2)

    /// The policy for a severity (a severity missing from the table does not page).
    public func policy(for severity: Severity) -> SeverityPolicy {
        severities[severity] ?? SeverityPolicy(acknowledgeWithin: nil, pages: false)
    }
}
