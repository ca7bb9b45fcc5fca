/// What a timeline entry records. An extensible set of names, like an error code: the engine, the alert path,
/// runs and post-mortems each add their own, and the store keeps the name as text.
public struct TimelineKind: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The stored name (`opened`, `run_failed`, …).
    public let rawValue: String

    /// A kind by its stored name; prefer the constants below.
    public init(rawValue: String) { self.rawValue = rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    // MARK: The incident state machine

    public static let opened = TimelineKind(rawValue: "opened")
    public static let acknowledged = TimelineKind(rawValue: "acknowledged")
    public static let mitigated = TimelineKind(rawValue: "mitigated")
    public static let resolved = TimelineKind(rawValue: "resolved")
    public static let reopened = TimelineKind(rawValue: "reopened")
    public static let closed = TimelineKind(rawValue: "closed")
    public static let severityChanged = TimelineKind(rawValue: "severity_changed")
    public static let note = TimelineKind(rawValue: "note")
    public static let assigned = TimelineKind(rawValue: "assigned")
    public static let escalated = TimelineKind(rawValue: "escalated")
    public static let escalationStopped = TimelineKind(rawValue: "escalation_stopped")

    // MARK: Alerts

    public static let alertFired = TimelineKind(rawValue: "alert_fired")
    public static let alertRepeated = TimelineKind(rawValue: "alert_repeated")
    public static let alertResolved = TimelineKind(rawValue: "alert_resolved")
    public static let runbookRouted = TimelineKind(rawValue: "runbook_routed")
    public static let runbookSkipped = TimelineKind(rawValue: "runbook_skipped")

    // MARK: Runs

    public static let runStarted = TimelineKind(rawValue: "run_started")
    public static let runResumed = TimelineKind(rawValue: "run_resumed")
    public static let stepFinished = TimelineKind(rawValue: "step_finished")
    public static let runCancelled = TimelineKind(rawValue: "run_cancelled")
    public static let runRetried = TimelineKind(rawValue: "run_retried")

    /// How a run ended or paused: `run_succeeded`, `run_failed`, `run_waiting`, ….
    public static func run(_ status: String) -> TimelineKind { TimelineKind(rawValue: "run_\(status)") }

    // MARK: Post-mortems

    public static let postmortemForced = TimelineKind(rawValue: "postmortem_forced")

    /// A post-mortem saved in a status: `postmortem_draft`, `postmortem_in_review`, `postmortem_published`.
    public static func postmortem(_ status: String) -> TimelineKind { TimelineKind(rawValue: "postmortem_\(status)") }

    /// An action item added or changed: `action_item_open`, `action_item_done`.
    public static func actionItem(_ status: String) -> TimelineKind { TimelineKind(rawValue: "action_item_\(status)") }
}
