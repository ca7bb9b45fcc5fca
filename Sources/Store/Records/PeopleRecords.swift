import Foundation

/// What a token may do. Each role includes the ones before it, except `webhook`, which may only post alerts.
public enum TokenRole: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads the schedules' `.ics` feeds, nothing else: the token a calendar app keeps in its subscription URL.
    case calendar
    /// Posts alerts to `/webhooks/*` and `/v2/enqueue`, nothing else.
    case webhook
    /// Reads everything.
    case viewer
    /// Acts on incidents and runs, edits post-mortems, covers their own shifts.
    case responder
    /// Tokens, overrides for others, the audit log, `--force` past the close gate.
    case admin

    private var rank: Int { Self.allCases.firstIndex(of: self)! }

    public static func < (lhs: TokenRole, rhs: TokenRole) -> Bool { lhs.rank < rhs.rank }

    /// Whether a token of this role may call a route that needs `required`. The roles from viewer up are a ladder;
    /// calendar and webhook are each their own narrow scope (a viewer may read calendars; posting alerts is
    /// WebhookAccess's check).
    public func allows(_ required: TokenRole) -> Bool {
        required == .calendar ? self == .calendar || self >= .viewer : self >= required && self != .calendar
    }
}

/// A user covering a schedule for a while, stored in the database (the schedule itself is configuration).
public struct OverrideRecord: Sendable, Equatable, Codable {
    /// Row id, 0 before it is stored.
    public var id: Int64
    /// The schedule's name.
    public var schedule: String
    /// Who covers.
    public var user: String
    /// From when.
    public var from: Date
    /// Until when (exclusive).
    public var until: Date
    /// Who created it.
    public var createdBy: String
    /// Why, if given.
    public var reason: String?
    /// When it was created.
    public var createdAt: Date

    public init(
        id: Int64 = 0, schedule: String, user: String, from: Date, until: Date, createdBy: String,
        reason: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.schedule = schedule
        self.user = user
        self.from = from
        self.until = until
        self.createdBy = createdBy
        self.reason = reason
        self.createdAt = createdAt
    }
}

/// One change made through the API, the CLI or an acknowledge link, or one refused authorisation.
public struct AuditRecord: Sendable, Equatable, Codable {
    /// Row id, 0 before it is stored.
    public var id: Int64
    /// When.
    public var at: Date
    /// Who: a user's handle, `token:<name>`, an OS user, or `anonymous`.
    public var actor: String
    /// What: `POST /api/v1/incidents/:id/acknowledge`, `incident ack`, `ack-link`.
    public var action: String
    /// What it was done to (`INC-3`, `run 12`), when known.
    public var target: String?
    /// `api`, `cli` or `ack-link`.
    public var via: String
    /// The request id, for the API.
    public var requestID: String?
    /// `ok`, or what went wrong: `403 forbidden`, `409 conflict`, `error: …`.
    public var result: String

    public init(
        id: Int64 = 0, at: Date, actor: String, action: String, target: String? = nil, via: String,
        requestID: String? = nil, result: String
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.via = via
        self.requestID = requestID
        self.result = result
    }
}
