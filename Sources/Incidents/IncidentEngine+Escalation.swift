import Foundation

/// A person an escalation level pages: `user:HANDLE`, or `schedule:NAME` (whoever is on call when the level fires).
public enum PageTarget: Sendable, Hashable, CustomStringConvertible {
    case user(String)
    case schedule(String)

    /// The target a level's `notify` entry names, or nil for a channel.
    public init?(_ text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[1].isEmpty, !parts[1].contains(":") else { return nil }
        switch parts[0] {
        case "user": self = .user(parts[1])
        case "schedule": self = .schedule(parts[1])
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .user(let handle): "user:\(handle)"
        case .schedule(let name): "schedule:\(name)"
        }
    }
}

/// Someone a page resolved to at the moment its level fired, and the contact methods it goes to.
public struct Recipient: Sendable, Equatable {
    /// The user's handle.
    public var user: String
    /// The ids of the user's contact methods (`email`, `webhook-2`, …).
    public var methods: [String]
    /// Through a schedule: the shift that made them the one on call (its start, end and layer or `override`),
    /// kept on the timeline so the post-mortem shows the schedule as it was.
    public var shift: (from: Date, until: Date, source: String)?

    public init(user: String, methods: [String], shift: (from: Date, until: Date, source: String)? = nil) {
        self.user = user
        self.methods = methods
        self.shift = shift
    }

    public static func == (lhs: Recipient, rhs: Recipient) -> Bool {
        lhs.user == rhs.user && lhs.methods == rhs.methods && lhs.shift?.from == rhs.shift?.from
            && lhs.shift?.until == rhs.shift?.until && lhs.shift?.source == rhs.shift?.source
    }
}

extension TimelineKind {
    /// A person was paged by an escalation level: `user`, `via` (the target), `methods`, `level`.
    public static let paged = TimelineKind(rawValue: "paged")
    /// A level's target resolved to nobody (a gap in a schedule, a user without contact methods).
    public static let pageSkipped = TimelineKind(rawValue: "page_skipped")
    /// Every contact method of a paged person failed.
    public static let pageFailed = TimelineKind(rawValue: "page_failed")
}

extension IncidentEngine {
    /// The escalation timer fired: notify the due level and plan the next one.
    ///
    /// `roster` holds whom each person target of the level resolved to at `time` (`schedule:primary` →
    /// whoever is on call); a target missing from it, or resolved to nobody, is written on the timeline as skipped.
    /// A level that reaches no channel and no person moves on to the next level at once.
    /// - Throws: ``IncidentError`` `.notDue` when no escalation is due at `time` (a stale or duplicate timer).
    public func escalate(_ incident: Incident, at time: Date, roster: [String: [Recipient]] = [:])
        throws(IncidentError) -> Transition
    {
        guard let state = incident.escalation, state.dueAt <= time else {
            throw IncidentError(.notDue, "no escalation of \(incident.id) is due at \(time)")
        }
        guard incident.status == .triggered, let escalation = policy.escalationPolicies[state.policy],
            state.nextLevel < escalation.levels.count
        else {
            // A timer that can no longer fire (its policy left the configuration): stop it and say so, rather
            // than leave it due for ever.
            var next = incident
            next.escalation = nil
            let reason =
                "escalation policy '\(state.policy)' has no level \(state.nextLevel + 1) in the current configuration"
            return Transition(
                incident: next,
                effects: [
                    .record(
                        TimelineEntry(kind: .escalationStopped, actor: "system", at: time, details: ["reason": reason])),
                    .cancelEscalation,
                ])
        }
        var next = incident
        let level = escalation.levels[state.nextLevel]
        let levelNumber = String(state.nextLevel + 1)
        let pages = pages(for: level.notify, roster: roster, level: levelNumber, at: time)
        var details = [
            "level": levelNumber, "cycle": String(state.cycle + 1), "channels": level.notify.joined(separator: ","),
        ]
        if !pages.paged.isEmpty { details["paged"] = pages.paged.joined(separator: ",") }
        var effects: [IncidentEffect] = [
            .record(TimelineEntry(kind: .escalated, actor: "system", at: time, details: details))
        ]
        effects += pages.entries.map { .record($0) }
        effects.append(.notify(channels: pages.channels, event: "escalated"))
        var following = state
        following.nextLevel += 1
        if following.nextLevel == escalation.levels.count {
            following.nextLevel = 0
            following.cycle += 1
        }
        if following.cycle > escalation.repeat {
            next.escalation = nil
            effects.append(.cancelEscalation)
        } else {
            let wait = escalation.levels[following.nextLevel].after
            let gap = wait == .zero && escalation.levels.count == 1 ? Self.minimumRepeat : wait
            // Nobody reached: the next level fires at once. Starting the policy over after a level that reached
            // nobody waits at least the minimum repeat, so an empty night does not spend every repeat at once.
            let reachedNobody = pages.channels.isEmpty
            let delay: Duration =
                following.nextLevel == 0
                ? (reachedNobody ? max(gap, Self.minimumRepeat) : gap) : (reachedNobody ? .zero : gap)
            following.dueAt = time.addingTimeInterval(delay.seconds)
            next.escalation = following
            effects.append(.scheduleEscalation(at: following.dueAt))
        }
        return Transition(incident: next, effects: effects)
    }

    /// The channels a level notifies, the people it pages and the timeline entries that say so.
    private func pages(for notify: [String], roster: [String: [Recipient]], level: String, at time: Date)
        -> (channels: [String], paged: [String], entries: [TimelineEntry])
    {
        var channels: [String] = []
        var paged: [String] = []
        var entries: [TimelineEntry] = []
        for item in notify {
            guard let target = PageTarget(item) else {
                channels.append(item)
                continue
            }
            let recipients = roster[item] ?? []
            let reachable = recipients.filter { !$0.methods.isEmpty }
            // Skipped only when the target itself reaches nobody; someone this level paged already is not a gap.
            if reachable.isEmpty {
                let reason: String
                switch target {
                case .schedule(let name): reason = "nobody is on call in schedule '\(name)'"
                case .user(let handle):
                    reason =
                        recipients.isEmpty
                        ? "user '\(handle)' is not configured" : "user '\(handle)' has no contact methods"
                }
                entries.append(
                    TimelineEntry(
                        kind: .pageSkipped, actor: "system", at: time,
                        details: ["target": item, "level": level, "reason": reason]))
            }
            for recipient in reachable where !paged.contains(recipient.user) {
                paged.append(recipient.user)
                channels += recipient.methods.map { "user:\(recipient.user):\($0)" }
                var details = [
                    "user": recipient.user, "via": item, "level": level,
                    "methods": recipient.methods.joined(separator: ","),
                ]
                if let shift = recipient.shift {
                    details["on_call_from"] = shift.from.formatted(.iso8601)
                    // A shift with no handoff in sight (a one-person layer) has no end worth writing down.
                    if shift.until.timeIntervalSince(time) < 365 * 86400 {
                        details["on_call_until"] = shift.until.formatted(.iso8601)
                    }
                    details["on_call_source"] = shift.source
                }
                entries.append(TimelineEntry(kind: .paged, actor: "system", at: time, details: details))
            }
        }
        return (channels, paged, entries)
    }

    /// Every contact method of a person paged at `level` (1-based) in `cycle` failed. When the incident still waits
    /// for that level's answer, the next level fires at once; either way the timeline says so.
    public func pageUndeliverable(
        _ incident: Incident, user: String, level: Int, cycle: Int, reason: String, at time: Date
    ) -> Transition {
        var details = ["user": user, "level": String(level), "reason": reason]
        var next = incident
        var effects: [IncidentEffect] = []
        if incident.status == .triggered, var state = incident.escalation, state.dueAt > time,
            let escalation = policy.escalationPolicies[state.policy], !escalation.levels.isEmpty
        {
            let count = escalation.levels.count
            let firedLevel = state.nextLevel == 0 ? count : state.nextLevel
            let firedCycle = state.nextLevel == 0 ? state.cycle : state.cycle + 1
            if firedLevel == level, firedCycle == cycle {
                state.dueAt = time
                next.escalation = state
                details["next"] = "level \(state.nextLevel + 1) at once"
                effects.append(.scheduleEscalation(at: time))
            }
        }
        effects.insert(.record(TimelineEntry(kind: .pageFailed, actor: "system", at: time, details: details)), at: 0)
        return Transition(incident: next, effects: effects)
    }

    /// A single zero-delay level repeats no faster than this.
    static let minimumRepeat = Duration.seconds(600)
}
