import Foundation

/// The lifecycle state of an incident.
public enum IncidentStatus: String, Sendable, Equatable, CaseIterable, Codable {
    case triggered
    case acknowledged
    case mitigated
    case resolved
    case closed
}

/// The roles of an incident: the commander leads (set when someone acknowledges), communications speaks to
/// stakeholders, the scribe keeps the record.
public enum IncidentRole: String, Sendable, Equatable, CaseIterable, Codable {
    case commander
    case communications
    case scribe
}

/// An incident: a value the engine transforms; it performs no I/O.
public struct Incident: Sendable, Equatable, Codable {
    /// Human id such as `INC-12`.
    public var id: String
    /// One-line title.
    public var title: String
    /// Longer description.
    public var summary: String?
    /// Current severity.
    public var severity: Severity
    /// Current state.
    public var status: IncidentStatus
    /// When it was opened (or last reopened).
    public var triggeredAt: Date
    /// When it was acknowledged.
    public var acknowledgedAt: Date?
    /// When it was mitigated.
    public var mitigatedAt: Date?
    /// When it was resolved.
    public var resolvedAt: Date?
    /// When it was closed.
    public var closedAt: Date?
    /// The responder who acknowledged it.
    public var commander: String?
    /// Who it is assigned to.
    public var assignee: String?
    /// Who speaks for the incident to stakeholders (status pages, leadership).
    public var communications: String?
    /// Who keeps the timeline and the notes.
    public var scribe: String?
    /// Alerts with this key join the incident instead of opening another.
    public var dedupKey: String?
    /// Where the escalation stands; `nil` when none is planned.
    public var escalation: EscalationState?
    /// Whether its post-mortem is published: read by the store in the transaction that applies an action, so the
    /// close gate ("P0/P1 need a published post-mortem") is checked there, once. Not stored with the incident.
    public var postmortemPublished = false

    /// Creates an incident.
    public init(
        id: String, title: String, summary: String? = nil, severity: Severity, status: IncidentStatus = .triggered,
        triggeredAt: Date, dedupKey: String? = nil
    ) {
        self.id = id
        self.title = title
        self.summary = summary
        self.severity = severity
        self.status = status
        self.triggeredAt = triggeredAt
        self.dedupKey = dedupKey
    }

    /// Who holds a role.
    public func holder(of role: IncidentRole) -> String? {
        switch role {
        case .commander: commander
        case .communications: communications
        case .scribe: scribe
        }
    }

    /// The roles that someone holds, in order.
    public var roles: [(role: IncidentRole, person: String)] {
        IncidentRole.allCases.compactMap { role in holder(of: role).map { (role, $0) } }
    }

    /// Whether the incident is still being worked on.
    public var isOpen: Bool { status != .resolved && status != .closed }
}

/// The next escalation an incident waits for.
public struct EscalationState: Sendable, Equatable, Codable {
    /// The policy being followed.
    public var policy: String
    /// Index of the next level to fire, from 0.
    public var nextLevel: Int
    /// How many full passes through the levels have completed.
    public var cycle: Int
    /// When the next level fires.
    public var dueAt: Date

    /// Creates an escalation state.
    public init(policy: String, nextLevel: Int, cycle: Int, dueAt: Date) {
        self.policy = policy
        self.nextLevel = nextLevel
        self.cycle = cycle
        self.dueAt = dueAt
    }
}
