import Foundation
import Incidents
import Store

/// One incident: header with roles and response times, actions, alerts, runs, notifications and the timeline.
public struct IncidentPage: Sendable {
    public struct Header: Sendable {
        public var id: String
        public var title: String
        public var severity: String
        public var status: String
        public var summary: String?
        public var triggeredAt: String
        public var age: String
        public var tta: String
        public var ttm: String
        public var ttr: String
        public var roles: [Role]
        public var escalation: Escalation?
        public var postmortemState: String
    }

    public struct Role: Sendable {
        public var label: String
        public var person: String
    }

    /// The next escalation level: when it fires and whom it pages.
    public struct Escalation: Sendable {
        public var policy: String
        public var level: Int
        public var dueAt: String
        public var dueIn: String
        public var targets: String

        public init(policy: String, level: Int, dueAt: Date, targets: [String], now: Date) {
            self.policy = policy
            self.level = level + 1
            self.dueAt = ConsoleFormat.time(dueAt)
            let seconds = dueAt.timeIntervalSince(now)
            dueIn = seconds >= 0 ? "in \(ConsoleFormat.duration(seconds))" : "due now"
            self.targets = targets.isEmpty ? "nobody configured" : targets.joined(separator: ", ")
        }
    }

    public struct Action: Sendable {
        public var name: String
        public var label: String
        public var danger: Bool
    }

    public struct AlertRow: Sendable {
        public var name: String
        public var source: String
        public var summary: String
        public var status: String
        public var count: Int
        public var firstSeen: String
        public var lastSeen: String
        /// The sender's link to the alert (Alertmanager's `generatorURL`, the generic `url`).
        public var url: String?
        /// A dashboard from the annotations (`dashboard`, `dashboard_url`, `dashboardURL`, Grafana's `panelURL`).
        public var dashboard: String?
        public var labels: [Pair]
    }

    public struct RunRow: Sendable {
        public var id: String
        public var title: String
        public var status: String
    }

    public struct NotificationRow: Sendable {
        public var channel: String
        public var event: String
        public var status: String
        public var attempts: Int
        public var lastError: String
    }

    public struct EventRow: Sendable {
        public var kind: String
        public var actor: String
        public var at: String
        public var time: String
        public var details: [Pair]
    }

    public var chrome: Chrome
    public var incident: Header
    public var canAct: Bool
    /// Severity and roles can change until the incident is closed.
    public var canChange: Bool
    public var actions: [Action]
    public var severityOptions: [Option]
    public var people: [String]
    public var alerts: [AlertRow]
    public var hasAlerts: Bool
    public var runs: [RunRow]
    public var hasRuns: Bool
    public var notifications: [NotificationRow]
    public var hasNotifications: Bool
    public var events: [EventRow]
    public var kinds: [Option]
    /// The link to the next page of older events.
    public var older: String?
}

extension IncidentPage {
    /// What the incident page shows, gathered by the adapter.
    public struct Input: Sendable {
        public var incident: Incident
        public var alerts: [AlertRecord] = []
        public var runs: [RunRecord] = []
        public var notifications: [NotificationRecord] = []
        /// One page of the timeline, newest first.
        public var events: [IncidentEvent] = []
        /// The kinds the incident's timeline holds, for the filter.
        public var kinds: [TimelineKind] = []
        public var kind: TimelineKind?
        public var older: String?
        public var escalation: Escalation?
        public var postmortemState = "not started"
        public var people: [String] = []
        public var canAct = false

        public init(incident: Incident) {
            self.incident = incident
        }
    }

    public init(chrome: Chrome, _ input: Input, now: Date) {
        let incident = input.incident
        self.chrome = chrome
        self.incident = Header(
            id: incident.id, title: incident.title, severity: incident.severity.rawValue,
            status: incident.status.rawValue, summary: incident.summary,
            triggeredAt: ConsoleFormat.time(incident.triggeredAt),
            age: ConsoleFormat.duration(now.timeIntervalSince(incident.triggeredAt)),
            tta: Self.since(incident, incident.acknowledgedAt, now: now),
            ttm: Self.since(incident, incident.mitigatedAt, now: now),
            ttr: Self.since(incident, incident.resolvedAt, now: now),
            roles: incident.roles.map { Role(label: $0.role.rawValue.capitalized, person: $0.person) },
            escalation: incident.isOpen ? input.escalation : nil, postmortemState: input.postmortemState)
        canAct = input.canAct
        canChange = incident.status != .closed
        actions = Self.actions(for: incident.status)
        severityOptions = Severity.allCases.map { Option(value: $0.rawValue, selected: $0 == incident.severity) }
        people = input.people
        alerts = input.alerts.map(Self.row)
        hasAlerts = !alerts.isEmpty
        runs = input.runs.map { RunRow(id: $0.displayID, title: $0.title, status: $0.status.rawValue) }
        hasRuns = !runs.isEmpty
        notifications = input.notifications.map {
            NotificationRow(
                channel: $0.channel, event: $0.event, status: $0.status.rawValue, attempts: $0.attempts,
                lastError: $0.lastError ?? "")
        }
        hasNotifications = !notifications.isEmpty
        events = input.events.map {
            EventRow(
                kind: $0.kind.rawValue, actor: $0.actor, at: ConsoleFormat.time($0.at),
                time: ConsoleFormat.clock($0.at), details: Pair.sorted($0.details))
        }
        kinds =
            [Option(value: "", label: "every kind", selected: input.kind == nil)]
            + input.kinds.map { Option(value: $0.rawValue, selected: $0 == input.kind) }
        older = input.older
    }

    /// The time from opening to `date`, or how long it has been open without it (`12m so far`).
    static func since(_ incident: Incident, _ date: Date?, now: Date) -> String {
        if let date { return ConsoleFormat.duration(date.timeIntervalSince(incident.triggeredAt)) }
        guard incident.isOpen else { return "—" }
        return ConsoleFormat.duration(now.timeIntervalSince(incident.triggeredAt)) + " so far"
    }

    /// The buttons that make sense in a status.
    static func actions(for status: IncidentStatus) -> [Action] {
        switch status {
        case .triggered:
            [
                Action(name: "ack", label: "Acknowledge", danger: false),
                Action(name: "mitigate", label: "Mitigate", danger: false),
                Action(name: "resolve", label: "Resolve", danger: false),
            ]
        case .acknowledged:
            [
                Action(name: "mitigate", label: "Mitigate", danger: false),
                Action(name: "resolve", label: "Resolve", danger: false),
            ]
        case .mitigated: [Action(name: "resolve", label: "Resolve", danger: false)]
        case .resolved:
            [
                Action(name: "close", label: "Close", danger: true),
                Action(name: "reopen", label: "Reopen", danger: false),
            ]
        case .closed: []
        }
    }

    static func row(_ record: AlertRecord) -> AlertRow {
        let alert = record.alert
        let dashboard = ["dashboard", "dashboard_url", "dashboardURL", "panelURL", "dashboardUrl"].lazy.compactMap {
            ConsoleFormat.safeLink(alert.annotations[$0])
        }.first
        return AlertRow(
            name: alert.name, source: alert.source, summary: alert.summary ?? "", status: alert.status.rawValue,
            count: record.fireCount, firstSeen: ConsoleFormat.time(record.firstSeen),
            lastSeen: ConsoleFormat.time(record.lastSeen), url: ConsoleFormat.safeLink(alert.url), dashboard: dashboard,
            labels: Pair.sorted(alert.labels))
    }
}
