import Foundation
import Incidents

/// An alert held back by a silence or a maintenance window: recorded and counted, without an incident. It opens
/// its incident when it is still firing after the quiet ends.
public struct SilencedAlertRecord: Sendable, Equatable {
    /// The incident it would have opened or joined (`source:groupKey` or `source:key`).
    public var incidentKey: String
    /// The delivery's group key, so that the alert rejoins its group when it is let through.
    public var groupKey: String?
    /// The alert as last delivered.
    public var alert: Alert
    public var severity: Severity
    /// Deliveries while silenced.
    public var fireCount: Int
    public var firstSeen: Date
    public var lastSeen: Date
    /// `silence 3` or `maintenance window nightly`.
    public var silencedBy: String
    /// The silence's comment or the window's schedule.
    public var reason: String

    public init(
        incidentKey: String, groupKey: String?, alert: Alert, severity: Severity, fireCount: Int, firstSeen: Date,
        lastSeen: Date, silencedBy: String, reason: String
    ) {
        self.incidentKey = incidentKey
        self.groupKey = groupKey
        self.alert = alert
        self.severity = severity
        self.fireCount = fireCount
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.silencedBy = silencedBy
        self.reason = reason
    }
}
