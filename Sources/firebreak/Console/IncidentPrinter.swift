import Foundation
import Incidents
import Views

/// Text output of incidents.
enum IncidentPrinter {
    static func print(_ incident: Incident, json: Bool, verb: String) throws {
        if json {
            try printJSON(IncidentJSON(incident))
        } else {
            Swift.print(
                "\(incident.id) \(verb): \(incident.severity.rawValue) \(incident.status.rawValue) — \(incident.title)")
            if let escalation = incident.escalation {
                Swift.print(
                    "  escalates (level \(escalation.nextLevel + 1)) at \(ISO8601DateFormatter().string(from: escalation.dueAt)) unless acknowledged: firebreak incident ack \(incident.id)"
                )
            }
        }
    }

    static func summary(_ incident: Incident) {
        Swift.print("\(incident.id)  \(incident.severity.rawValue)  \(incident.status.rawValue)  \(incident.title)")
        if let summary = incident.summary { Swift.print(summary) }
        for (role, person) in incident.roles { Swift.print("\(role.rawValue): \(person)") }
        if let assignee = incident.assignee { Swift.print("assignee: \(assignee)") }
    }
}
