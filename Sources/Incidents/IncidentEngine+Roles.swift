import Foundation

extension TimelineKind {
    /// Someone was given an incident role, or it was cleared: `role`, `to` (absent when cleared), `from`.
    public static let roleAssigned = TimelineKind(rawValue: "role_assigned")
}

extension IncidentEngine {
    /// Gives `role` to `person`, or clears it. Handing the commander role over is allowed; a closed incident keeps
    /// its roles.
    func assignRole(_ role: IncidentRole, to person: String?, _ change: inout Change) throws(IncidentError) {
        guard change.incident.status != .closed else { throw change.refusal() }
        let person = person?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let person, person.isEmpty {
            throw IncidentError(.invalidInput, "give the person who takes the \(role.rawValue) role")
        }
        let previous = change.incident.holder(of: role)
        guard previous != person else {
            throw IncidentError(
                .invalidInput,
                person.map { "\($0) is already the \(role.rawValue) of \(change.incident.id)" }
                    ?? "\(change.incident.id) has no \(role.rawValue) to clear")
        }
        switch role {
        case .commander: change.next.commander = person
        case .communications: change.next.communications = person
        case .scribe: change.next.scribe = person
        }
        var details = ["role": role.rawValue]
        if let person { details["to"] = person }
        if let previous { details["from"] = previous }
        change.record(.roleAssigned, details)
    }
}

extension IncidentEngine {
    /// Closes a resolved incident whether or not its post-mortem is published.
    func forceClose(reason: String, _ change: inout Change) throws(IncidentError) {
        guard change.incident.status == .resolved else { throw change.refusal() }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else {
            throw IncidentError(.invalidInput, "closing past the post-mortem gate needs a reason")
        }
        change.next.status = .closed
        change.next.closedAt = change.time
        change.record(.closed, ["forced": "true", "reason": reason])
    }
}
