import Basics
import Foundation

/// Something that happened to an incident, for its timeline.
public struct TimelineEntry: Sendable, Equatable {
    /// `opened`, `acknowledged`, `mitigated`, `resolved`, `reopened`, `closed`, `severity_changed`,
    /// `note`, `assigned` or `escalated`.
    public var kind: TimelineKind
    /// Who did it (`system` for timers).
    public var actor: String
    /// When.
    public var at: Date
    /// Details, as strings.
    public var details: [String: String]

    /// Creates an entry.
    public init(kind: TimelineKind, actor: String, at: Date, details: [String: String] = [:]) {
        self.kind = kind
        self.actor = actor
        self.at = at
        self.details = details
    }
}

/// What the caller must do after a transition; the engine itself performs no I/O.
public enum IncidentEffect: Sendable, Equatable {
    /// Append to the incident's timeline.
    case record(TimelineEntry)
    /// Send a notification about `event` to these channels.
    case notify(channels: [String], event: String)
    /// (Re)plan the escalation timer to fire at this time.
    case scheduleEscalation(at: Date)
    /// Stop the escalation timer.
    case cancelEscalation
}

/// The result of a transition: the new incident and the effects to perform, in order.
public struct Transition: Sendable, Equatable {
    /// The incident after the transition.
    public var incident: Incident
    /// Effects to perform, in order.
    public var effects: [IncidentEffect]

    /// Creates a transition.
    public init(incident: Incident, effects: [IncidentEffect]) {
        self.incident = incident
        self.effects = effects
    }

    /// This transition followed by `next`: the later incident, and both effects in order.
    public func then(_ next: Transition) -> Transition {
        Transition(incident: next.incident, effects: effects + next.effects)
    }
}

/// An action a responder (or the system) takes on an incident.
public enum IncidentAction: Sendable, Equatable {
    case acknowledge
    case mitigate
    case resolve
    case reopen
    /// Closes a resolved incident; a severity that needs a post-mortem needs it published
    /// (``Incident/postmortemPublished``, which the store reads in the closing transaction).
    case close
    /// Closes a resolved incident past the post-mortem gate, saying why (an admin's decision; the timeline keeps
    /// the reason).
    case forceClose(reason: String)
    case changeSeverity(Severity)
    case addNote(String)
    case assign(String)
    /// Gives an incident role to a person (nil: nobody holds it any more).
    case assignRole(IncidentRole, String?)

    /// The action's name, as responders type it.
    public var name: String {
        switch self {
        case .acknowledge: "acknowledge"
        case .mitigate: "mitigate"
        case .resolve: "resolve"
        case .reopen: "reopen"
        case .close, .forceClose: "close"
        case .changeSeverity: "severity"
        case .addNote: "note"
        case .assign: "assign"
        case .assignRole: "role"
        }
    }

    /// The action as a verb phrase before the incident's id: "cannot change the severity of INC-3".
    var phrase: String {
        switch self {
        case .changeSeverity: "change the severity of"
        case .addNote: "add a note to"
        case .assignRole: "assign a role on"
        default: name
        }
    }
}

/// Applies the incident state machine and the escalation plan. Pure: same input, same output.
public struct IncidentEngine: Sendable {
    /// The rules in force.
    public var policy: IncidentPolicy

    /// Creates an engine.
    public init(policy: IncidentPolicy = IncidentPolicy()) {
        self.policy = policy
    }

    /// The actions allowed in a state.
    public static func allowedActions(in status: IncidentStatus) -> [String] {
        switch status {
        case .triggered: ["acknowledge", "mitigate", "resolve", "severity", "note", "assign", "role"]
        case .acknowledged: ["mitigate", "resolve", "severity", "note", "assign", "role"]
        case .mitigated: ["resolve", "severity", "note", "assign", "role"]
        case .resolved: ["reopen", "close", "note", "role"]
        case .closed: ["note"]
        }
    }

    /// Opens an incident: `triggered`, announced, with its escalation planned.
    public func open(
        id: String, title: String, severity: Severity, summary: String? = nil, dedupKey: String? = nil,
        by actor: String, at time: Date
    ) -> Transition {
        var incident = Incident(
            id: id, title: title, summary: summary, severity: severity, triggeredAt: time,
            dedupKey: dedupKey)
        var effects: [IncidentEffect] = [
            .record(TimelineEntry(kind: .opened, actor: actor, at: time, details: ["severity": severity.rawValue]))
        ]
        if policy.policy(for: severity).pages {
            effects.append(.notify(channels: policy.announce, event: "opened"))
        }
        effects += plan(&incident, from: time)
        return Transition(incident: incident, effects: effects)
    }

    /// Applies an action.
    /// - Throws: ``IncidentError`` naming the current state and the allowed actions when the action is not allowed.
    public func apply(_ action: IncidentAction, to incident: Incident, by actor: String, at time: Date)
        throws(IncidentError) -> Transition
    {
        var change = Change(incident, action: action, actor: actor, time: time)
        switch action {
        case .acknowledge: try acknowledge(&change)
        case .mitigate: try mitigate(&change)
        case .resolve: try resolve(&change)
        case .reopen: try reopen(&change)
        case .close: try close(&change)
        case .forceClose(let reason): try forceClose(reason: reason, &change)
        case .changeSeverity(let severity): try changeSeverity(to: severity, &change)
        case .addNote(let text): try addNote(text, &change)
        case .assign(let assignee): try assign(assignee, &change)
        case .assignRole(let role, let person): try assignRole(role, to: person, &change)
        }
        return Transition(incident: change.next, effects: change.effects)
    }

    /// One action under way: the incident before it, the incident after it, and the effects so far.
    struct Change {
        let incident: Incident
        let action: IncidentAction
        let actor: String
        let time: Date
        var next: Incident
        var effects: [IncidentEffect] = []

        init(_ incident: Incident, action: IncidentAction, actor: String, time: Date) {
            self.incident = incident
            self.action = action
            self.actor = actor
            self.time = time
            next = incident
        }

        /// The error for an action the incident's state does not allow.
        func refusal() -> IncidentError {
            IncidentError(
                .invalidTransition,
                "cannot \(action.phrase) \(incident.id): it is \(incident.status.rawValue); allowed: \(IncidentEngine.allowedActions(in: incident.status).joined(separator: ", "))"
            )
        }

        mutating func record(_ kind: TimelineKind, _ details: [String: String] = [:]) {
            effects.append(.record(TimelineEntry(kind: kind, actor: actor, at: time, details: details)))
        }
    }

    private func acknowledge(_ change: inout Change) throws(IncidentError) {
        guard change.incident.status == .triggered else { throw change.refusal() }
        change.next.status = .acknowledged
        change.next.acknowledgedAt = change.time
        change.next.commander = change.actor
        change.record(.acknowledged)
        change.effects += stopEscalation(&change.next)
    }

    private func mitigate(_ change: inout Change) throws(IncidentError) {
        guard change.incident.status == .triggered || change.incident.status == .acknowledged else {
            throw change.refusal()
        }
        change.next.status = .mitigated
        change.next.mitigatedAt = change.time
        change.record(.mitigated)
        change.effects += stopEscalation(&change.next)
    }

    private func resolve(_ change: inout Change) throws(IncidentError) {
        guard change.incident.isOpen else { throw change.refusal() }
        change.next.status = .resolved
        change.next.resolvedAt = change.time
        change.record(.resolved)
        change.effects += stopEscalation(&change.next)
        if policy.policy(for: change.next.severity).pages {
            change.effects.append(.notify(channels: policy.announce, event: "resolved"))
        }
    }

    private func reopen(_ change: inout Change) throws(IncidentError) {
        guard change.incident.status == .resolved else { throw change.refusal() }
        change.next.status = .triggered
        change.next.triggeredAt = change.time
        change.next.acknowledgedAt = nil
        change.next.mitigatedAt = nil
        change.next.resolvedAt = nil
        change.next.commander = nil
        change.record(.reopened)
        if policy.policy(for: change.next.severity).pages {
            change.effects.append(.notify(channels: policy.announce, event: "reopened"))
        }
        change.effects += plan(&change.next, from: change.time)
    }

    private func close(_ change: inout Change) throws(IncidentError) {
        let incident = change.incident
        guard incident.status == .resolved else { throw change.refusal() }
        if policy.postmortemRequiredToClose.contains(incident.severity) && !incident.postmortemPublished {
            throw IncidentError(
                .postmortemRequired,
                "cannot close \(incident.id): a \(incident.severity.rawValue) incident needs a published post-mortem; generate one with 'firebreak postmortem generate \(incident.id)' and publish it with 'firebreak postmortem publish \(incident.id)'"
            )
        }
        change.next.status = .closed
        change.next.closedAt = change.time
        change.record(.closed)
    }

    private func changeSeverity(to severity: Severity, _ change: inout Change) throws(IncidentError) {
        let incident = change.incident
        guard incident.status != .closed, incident.status != .resolved else { throw change.refusal() }
        guard severity != incident.severity else {
            throw IncidentError(.unchanged, "\(incident.id) is already \(severity.rawValue)")
        }
        change.next.severity = severity
        change.record(.severityChanged, ["from": incident.severity.rawValue, "to": severity.rawValue])
        // A raised severity re-plans the escalation from now; a lowered one keeps an
        // acknowledged incident quiet and re-plans a triggered one under the new policy.
        if change.next.status == .triggered {
            if policy.policy(for: severity).pages {
                change.effects.append(.notify(channels: policy.announce, event: "severity_changed"))
            }
            change.effects += plan(&change.next, from: change.time)
        }
    }

    private func addNote(_ text: String, _ change: inout Change) throws(IncidentError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw IncidentError(.invalidInput, "a note needs some text") }
        change.record(.note, ["text": trimmed])
    }

    private func assign(_ assignee: String, _ change: inout Change) throws(IncidentError) {
        guard change.incident.status != .closed else { throw change.refusal() }
        change.next.assignee = assignee
        change.record(.assigned, ["to": assignee])
    }

    /// Applies an action and, when `note` is given, adds it to the timeline in the same transition.
    public func apply(_ action: IncidentAction, note: String?, to incident: Incident, by actor: String, at time: Date)
        throws(IncidentError) -> Transition
    {
        let result = try apply(action, to: incident, by: actor, at: time)
        guard let note else { return result }
        return result.then(try apply(.addNote(note), to: result.incident, by: actor, at: time))
    }

    /// Plans the first escalation level from `time`, or cancels when the severity does not page.
    private func plan(_ incident: inout Incident, from time: Date) -> [IncidentEffect] {
        let severity = policy.policy(for: incident.severity)
        guard severity.pages, let deadline = severity.acknowledgeWithin,
            let escalation = policy.escalationPolicies[severity.escalationPolicy], let first = escalation.levels.first
        else {
            return stopEscalation(&incident)
        }
        let due = time.addingTimeInterval((deadline + first.after).seconds)
        incident.escalation = EscalationState(policy: escalation.name, nextLevel: 0, cycle: 0, dueAt: due)
        return [.scheduleEscalation(at: due)]
    }

    func stopEscalation(_ incident: inout Incident) -> [IncidentEffect] {
        guard incident.escalation != nil else { return [] }
        incident.escalation = nil
        return [.cancelEscalation]
    }
}

/// A refused incident transition.
public struct IncidentError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why it was refused.
    public struct Code: Sendable, Equatable, CustomStringConvertible {
        enum Kind: String, Sendable {
            case invalidTransition
            case postmortemRequired
            case unchanged
            case invalidInput
            case notDue
        }

        let kind: Kind
        /// The action is not allowed in the current state.
        public static let invalidTransition = Code(kind: .invalidTransition)
        /// Closing needs a published post-mortem.
        public static let postmortemRequired = Code(kind: .postmortemRequired)
        /// The change would change nothing.
        public static let unchanged = Code(kind: .unchanged)
        /// The action's input is not valid.
        public static let invalidInput = Code(kind: .invalidInput)
        /// No escalation is due.
        public static let notDue = Code(kind: .notDue)

        public var description: String { kind.rawValue }
    }

    /// Why it was refused.
    public var code: Code
    /// What is wrong and what is allowed.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
