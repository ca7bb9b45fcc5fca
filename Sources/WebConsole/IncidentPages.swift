import Foundation
import Incidents
import Store

/// The incidents page: open incidents first, filters kept in the URL, who is on call now.
public struct IncidentsPage: Sendable {
    public struct Row: Sendable {
        public var id: String
        public var title: String
        public var severity: String
        public var status: String
        public var triggeredAt: String
        public var age: String
        public var commander: String
        public var alerts: Int
    }

    /// Who is on call now for one schedule.
    public struct OnCallNow: Sendable {
        public var schedule: String
        public var who: String?
        public var until: String

        public init(schedule: String, who: String?, until: Date?) {
            self.schedule = schedule
            self.who = who
            self.until = until.map { ConsoleFormat.time($0) } ?? "further notice"
        }
    }

    public var chrome: Chrome
    public var statuses: [Option]
    public var severities: [Option]
    public var incidents: [Row]
    public var hasIncidents: Bool
    public var oncall: [OnCallNow]
    public var hasSchedules: Bool
    public var more: String?

    /// - Parameters:
    ///   - status: The status filter: a status, `open` (the default: not resolved or closed) or `all`.
    public init(
        chrome: Chrome, incidents: [Incident], alertCounts: [String: Int], status: String, severity: Severity?,
        oncall: [OnCallNow], more: String?, now: Date
    ) {
        self.chrome = chrome
        statuses = (["open", "all"] + IncidentStatus.allCases.map(\.rawValue)).map {
            Option(value: $0, label: $0 == "open" ? "open (not resolved)" : $0, selected: $0 == status)
        }
        severities =
            [Option(value: "", label: "any", selected: severity == nil)]
            + Severity.allCases.map { Option(value: $0.rawValue, selected: $0 == severity) }
        // Open incidents first, then by severity, then newest.
        let ordered = incidents.sorted { a, b in
            if a.isOpen != b.isOpen { return a.isOpen }
            if a.severity != b.severity { return a.severity < b.severity }
            return a.triggeredAt > b.triggeredAt
        }
        self.incidents = ordered.map { incident in
            Row(
                id: incident.id, title: incident.title, severity: incident.severity.rawValue,
                status: incident.status.rawValue, triggeredAt: ConsoleFormat.time(incident.triggeredAt),
                age: ConsoleFormat.duration(now.timeIntervalSince(incident.triggeredAt)),
                commander: incident.commander ?? "", alerts: alertCounts[incident.id] ?? 0)
        }
        hasIncidents = !incidents.isEmpty
        self.oncall = oncall
        hasSchedules = !oncall.isEmpty
        self.more = more
    }
}
