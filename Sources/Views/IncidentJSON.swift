import Foundation
import Incidents
import Store

/// The JSON shape of an incident (documented in docs/cli.md).
public struct IncidentJSON: Encodable, Sendable {
    public struct Escalation: Encodable, Sendable {
        public var policy: String
        public var nextLevel: Int
        public var cycle: Int
        public var dueAt: Date

    }

    public struct Event: Encodable, Sendable {
        public var kind: String
        public var actor: String
        public var at: Date
        public var details: [String: String]
        public var requestID: String?

        public init(_ event: IncidentEvent) {
            kind = event.kind.rawValue
            actor = event.actor
            at = event.at
            details = event.details
            requestID = event.requestID
        }
    }

    /// A notification of the outbox (also the shape of `firebreak dlq list --json`).
    public struct Notification: Encodable, Sendable {
        public var id: Int64
        public var incidentID: String
        public var channel: String
        public var event: String
        public var status: String
        public var attempts: Int
        public var lastError: String?
        public var createdAt: Date

        public init(_ record: NotificationRecord) {
            id = record.id
            incidentID = record.incidentID
            channel = record.channel
            event = record.event
            status = record.status.rawValue
            attempts = record.attempts
            lastError = record.lastError
            createdAt = record.createdAt
        }
    }

    public var id: String
    public var title: String
    public var summary: String?
    public var severity: String
    public var status: String
    public var triggeredAt: Date
    public var acknowledgedAt: Date?
    public var mitigatedAt: Date?
    public var resolvedAt: Date?
    public var closedAt: Date?
    public var commander: String?
    public var communications: String?
    public var scribe: String?
    public var assignee: String?
    public var dedupKey: String?
    public var escalation: Escalation?
    public var timeline: [Event]?
    public var notifications: [Notification]?

    public init(_ incident: Incident) {
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
        communications = incident.communications
        scribe = incident.scribe
        assignee = incident.assignee
        dedupKey = incident.dedupKey
        escalation = incident.escalation.map {
            Escalation(policy: $0.policy, nextLevel: $0.nextLevel + 1, cycle: $0.cycle + 1, dueAt: $0.dueAt)
        }
    }
}
