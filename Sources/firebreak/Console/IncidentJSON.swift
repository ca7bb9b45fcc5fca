import Foundation
import Incidents
import Store

/// The JSON shape of an incident (documented in docs/cli.md).
struct IncidentJSON: Encodable {
    struct Escalation: Encodable {
        var policy: String
        var nextLevel: Int
        var cycle: Int
        var dueAt: Date

        enum CodingKeys: String, CodingKey {
            case policy, cycle
            case nextLevel = "next_level"
            case dueAt = "due_at"
        }
    }

    struct Event: Encodable {
        var kind: String
        var actor: String
        var at: Date
        var details: [String: String]

        init(_ event: IncidentEvent) {
            kind = event.kind
            actor = event.actor
            at = event.at
            details = event.details
        }
    }

    struct Notification: Encodable {
        var channel: String
        var event: String
        var status: String
        var attempts: Int
    }

    var id: String
    var title: String
    var summary: String?
    var severity: String
    var status: String
    var triggeredAt: Date
    var acknowledgedAt: Date?
    var mitigatedAt: Date?
    var resolvedAt: Date?
    var closedAt: Date?
    var commander: String?
    var assignee: String?
    var dedupKey: String?
    var escalation: Escalation?
    var timeline: [Event]?
    var notifications: [Notification]?

    enum CodingKeys: String, CodingKey {
        case id, title, summary, severity, status, commander, assignee, escalation, timeline, notifications
        case triggeredAt = "triggered_at"
        case acknowledgedAt = "acknowledged_at"
        case mitigatedAt = "mitigated_at"
        case resolvedAt = "resolved_at"
        case closedAt = "closed_at"
        case dedupKey = "dedup_key"
    }

    init(_ incident: Incident) {
        id = incident.id
        title = incident.title
        summary = incident.summary
        severity = incident.severity.rawValue
        status = incident.status.rawValue
        triggeredAt = incident.triggeredAt
        acknowledgedAt = incident.acknowledgedAt
        mitigatedAt = incident.mitigatedAt
        resolvedAt = incident.resolvedAt
        closedAt = incident.closedAt
        commander = incident.commander
        assignee = incident.assignee
        dedupKey = incident.dedupKey
        escalation = incident.escalation.map {
            Escalation(policy: $0.policy, nextLevel: $0.nextLevel + 1, cycle: $0.cycle + 1, dueAt: $0.dueAt)
        }
    }
}

/// Text output of incidents.
enum IncidentPrinter {
    static func print(_ incident: Incident, json: Bool, verb: String) throws {
        if json {
            try printJSON(IncidentJSON(incident))
        } else {
            Swift.print("\(incident.id) \(verb): \(incident.severity.rawValue) \(incident.status.rawValue) — \(incident.title)")
            if let escalation = incident.escalation {
                Swift.print("  escalates (level \(escalation.nextLevel + 1)) at \(ISO8601DateFormatter().string(from: escalation.dueAt)) unless acknowledged: firebreak incident ack \(incident.id)")
            }
        }
    }

    static func summary(_ incident: Incident) {
        Swift.print("\(incident.id)  \(incident.severity.rawValue)  \(incident.status.rawValue)  \(incident.title)")
        if let summary = incident.summary { Swift.print(summary) }
        if let commander = incident.commander { Swift.print("commander: \(commander)") }
        if let assignee = incident.assignee { Swift.print("assignee: \(assignee)") }
    }
}
