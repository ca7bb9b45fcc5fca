import Foundation
import Incidents
import Store

/// What a channel receives: the incident as it is at delivery time, the event that caused the notification and links.
public struct Message: Sendable, Encodable {
    /// The outbox row id; receivers may use it to drop duplicates (delivery is at least once).
    public var notificationID: Int64
    /// The event (`opened`, `escalated`, `resolved`, …).
    public var event: String
    /// Details of the event (an escalation's level and cycle).
    public var details: [String: String]
    /// The incident.
    public var incident: IncidentSummary
    /// Links for people; a page carries `acknowledge`, its person's single-use link.
    public var links: [String: String]
    /// The user a page is for (their handle), nil for a channel.
    public var recipient: String?
    /// Their name, from `users.HANDLE.name`, when it is not the handle.
    public var recipientName: String?

    /// The incident fields a notification carries.
    public struct IncidentSummary: Sendable, Encodable {
        public var id: String
        public var title: String
        public var summary: String?
        public var severity: String
        public var status: String
        public var triggeredAt: Date
        public var commander: String?
        public var assignee: String?
    }

    /// Builds the message for a notification.
    public init(
        _ notification: NotificationRecord, incident: Incident, publicURL: String?, recipient: String? = nil,
        acknowledgeLink: String? = nil
    ) {
        self.recipient = recipient
        notificationID = notification.id
        event = notification.event
        details = notification.details
        self.incident = IncidentSummary(
            id: incident.id, title: incident.title, summary: incident.summary, severity: incident.severity.rawValue,
            status: incident.status.rawValue, triggeredAt: incident.triggeredAt, commander: incident.commander,
            assignee: incident.assignee)
        var links: [String: String] = [:]
        if let publicURL {
            let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
            links["console"] = "\(base)/incidents/\(incident.id)"
            links["incident"] = "\(base)/api/v1/incidents/\(incident.id)"
            links["timeline"] = "\(base)/api/v1/incidents/\(incident.id)/timeline"
        }
        if let acknowledgeLink { links["acknowledge"] = acknowledgeLink }
        self.links = links
    }

    /// One line for people about the event: `[P0] INC-3 escalated (level 2): Checkout down`. A notification
    /// delivered after the incident moved on says so: `[P2] INC-1 opened: Orders down (now resolved)`.
    public var text: String {
        var line = "[\(incident.severity)] \(incident.id) \(event.replacingOccurrences(of: "_", with: " "))"
        if let level = details["level"] { line += " (level \(level))" }
        if let to = details["to"] { line += " to \(to)" }
        line += ": \(incident.title)"
        if Self.status(after: event).map({ $0 != incident.status }) ?? false { line += " (now \(incident.status))" }
        if let commander = incident.commander { line += ", commander \(commander)" }
        if let link = links["incident"] { line += " \(link)" }
        if let link = links["acknowledge"] { line += " acknowledge: \(link)" }
        return line
    }

    /// The status an incident has right after `event`, when the event sets one.
    static func status(after event: String) -> String? {
        switch event {
        case "opened", "escalated", "reopened": "triggered"
        case "acknowledged", "mitigated", "resolved", "closed": event
        default: nil
        }
    }

    /// The generic JSON body (snake_case keys, ISO 8601 dates).
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    /// The Slack-compatible body: `{"text": …}`.
    public func slackJSON() -> Data {
        (try? JSONSerialization.data(withJSONObject: ["text": text], options: [.sortedKeys])) ?? Data("{}".utf8)
    }
}
