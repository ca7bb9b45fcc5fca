import Foundation
import Incidents
import Store

/// A silence, as `firebreak silence list --json` and `GET /api/v1/silences` show it.
public struct SilenceJSON: Encodable, Sendable {
    public var id: Int64
    /// `alertname`, `source`, `severity` and label names, each exact or `~regex`.
    public var matchers: [String: String]
    public var startsAt: Date
    public var endsAt: Date
    /// `pending`, `active` or `expired`.
    public var state: String
    public var createdBy: String
    public var comment: String
    public var createdAt: Date

    public init(_ silence: Silence, now: Date) {
        id = silence.id
        matchers = Dictionary(
            silence.matchers.flattened.map {
                ($0.key.hasPrefix("labels.") ? String($0.key.dropFirst(7)) : $0.key, $0.value)
            }, uniquingKeysWith: { first, _ in first })
        startsAt = silence.startsAt
        endsAt = silence.endsAt
        state = silence.state(at: now)
        createdBy = silence.createdBy
        comment = silence.comment
        createdAt = silence.createdAt
    }
}

/// An alert a silence or maintenance window holds back.
public struct HeldAlertJSON: Encodable, Sendable {
    public var source: String
    public var key: String
    public var name: String
    public var severity: String
    public var count: Int
    public var firstSeen: Date
    public var lastSeen: Date
    public var silencedBy: String

    public init(_ record: SilencedAlertRecord) {
        source = record.alert.source
        key = record.alert.key
        name = record.alert.name
        severity = record.severity.rawValue
        count = record.fireCount
        firstSeen = record.firstSeen
        lastSeen = record.lastSeen
        silencedBy = record.silencedBy
    }
}

/// Silences and what they hold back.
public struct SilencesJSON: Encodable, Sendable {
    public var silences: [SilenceJSON]
    public var heldAlerts: [HeldAlertJSON]

    public init(silences: [Silence], held: [SilencedAlertRecord], now: Date) {
        self.silences = silences.map { SilenceJSON($0, now: now) }
        heldAlerts = held.map(HeldAlertJSON.init)
    }
}
