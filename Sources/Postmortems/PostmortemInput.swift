import Foundation
import Incidents
import Store

/// Everything a post-mortem is computed from, read from the store in one place.
public struct PostmortemInput: Sendable {
    public var incident: Incident
    public var events: [IncidentEvent]
    public var alerts: [AlertRecord]
    public var notifications: [NotificationRecord]
    public var runs: [RunDetail]
    public var backups: [BackupRecord]
    public var drills: [DrillRecord]
    public var actionItems: [ActionItem]
    public var status: PostmortemStatus

    public init(
        incident: Incident, events: [IncidentEvent], alerts: [AlertRecord] = [],
        notifications: [NotificationRecord] = [],
        runs: [RunDetail] = [], backups: [BackupRecord] = [], drills: [DrillRecord] = [],
        actionItems: [ActionItem] = [],
        status: PostmortemStatus = .draft
    ) {
        self.incident = incident
        self.events = events
        self.alerts = alerts
        self.notifications = notifications
        self.runs = runs
        self.backups = backups
        self.drills = drills
        self.actionItems = actionItems
        self.status = status
    }

    /// Reads an incident's timeline, alerts, notifications, runs (with steps and attempts), the backups and drills
    /// its runs made, its action items and its post-mortem status.
    /// - Throws: ``StoreError`` `.notFound` for an unknown incident.
    public static func load(from store: any Storage, incidentID: String) async throws -> PostmortemInput {
        let incident = try await store.incident(id: incidentID)
        var runs: [RunDetail] = []
        for run in try await store.runs(incidentID: incident.id, limit: 1000).reversed() {
            if let id = run.id { runs.append(try await store.runDetail(id: id)) }
        }
        var backups: [BackupRecord] = []
        var drills: [DrillRecord] = []
        for run in runs {
            backups += try await store.backups(runID: run.run.displayID)
            drills += try await store.drills(runID: run.run.displayID)
        }
        return PostmortemInput(
            incident: incident, events: try await store.timeline(incidentID: incident.id),
            alerts: try await store.alerts(incidentID: incident.id),
            notifications: try await store.notifications(incidentID: incident.id),
            runs: runs, backups: backups, drills: drills,
            actionItems: try await store.actionItems(incidentID: incident.id),
            status: try await store.postmortem(incidentID: incident.id)?.status ?? .draft)
    }
}
