import Basics
import Foundation
import OnCall
import Store

/// `firebreak oncall --json` and `GET /api/v1/schedules/{name}/oncall`: who is on call at a moment.
public struct OnCallJSON: Encodable, Sendable {
    public var schedule: String
    public var at: Date
    /// Nobody is an empty list.
    public var onCall: [ShiftJSON]
    /// The shift after the current one (or after the gap), within 8 weeks; absent when there is none.
    public var next: ShiftJSON?

    public init(schedule: String, at: Date, shift: Shift?, next: Shift? = nil) {
        self.schedule = schedule
        self.at = at
        onCall = shift.map { [ShiftJSON($0)] } ?? []
        self.next = next.map(ShiftJSON.init)
    }
}

/// One shift.
public struct ShiftJSON: Encodable, Sendable {
    public var user: String
    public var from: Date
    public var until: Date
    /// The layer, or `override`.
    public var source: String

    public init(_ shift: Shift) {
        user = shift.user
        from = shift.from
        until = shift.until
        source = shift.source
    }
}

/// The shifts of a schedule in a window.
public struct ShiftsJSON: Encodable, Sendable {
    public var schedule: String
    public var from: Date
    public var until: Date
    public var shifts: [ShiftJSON]

    public init(schedule: String, from: Date, until: Date, shifts: [Shift]) {
        self.schedule = schedule
        self.from = from
        self.until = until
        self.shifts = shifts.map(ShiftJSON.init)
    }
}

/// A schedule as configured, with who is on call now.
public struct ScheduleJSON: Encodable, Sendable {
    public struct LayerJSON: Encodable, Sendable {
        public var name: String
        public var users: [String]
        public var rotation: String
        public var start: Date
        public var restrictions: [String]
    }

    public var name: String
    public var timeZone: String
    public var layers: [LayerJSON]
    public var onCall: [ShiftJSON]

    public init(_ schedule: Schedule, now: Shift?) {
        name = schedule.name
        timeZone = schedule.timeZone.identifier == "GMT" ? "UTC" : schedule.timeZone.identifier
        layers = schedule.layers.map { layer in
            LayerJSON(
                name: layer.name, users: layer.participants,
                rotation: DurationParser.format(.seconds(layer.rotation.seconds)), start: layer.start,
                restrictions: layer.restrictions.map(Self.describe))
        }
        onCall = now.map { [ShiftJSON($0)] } ?? []
    }

    /// `mon,tue 09:00-17:00`.
    static func describe(_ restriction: Restriction) -> String {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        let days =
            restriction.weekdays.isEmpty
            ? "every day"
            : restriction.weekdays.sorted().map { names[$0 - 1] }
                .joined(separator: ",")
        func time(_ minutes: Int) -> String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
        return "\(days) \(time(restriction.from))-\(time(restriction.to))"
    }
}

/// An override as stored.
public struct OverrideJSON: Encodable, Sendable {
    public var id: Int64
    public var schedule: String
    public var user: String
    public var from: Date
    public var until: Date
    public var createdBy: String
    public var reason: String?
    public var createdAt: Date

    public init(_ record: OverrideRecord) {
        id = record.id
        schedule = record.schedule
        user = record.user
        from = record.from
        until = record.until
        createdBy = record.createdBy
        reason = record.reason
        createdAt = record.createdAt
    }
}

/// An audit log entry.
public struct AuditJSON: Encodable, Sendable {
    public var id: Int64
    public var at: Date
    public var actor: String
    public var action: String
    public var target: String?
    public var via: String
    public var requestID: String?
    public var result: String

    public init(_ record: AuditRecord) {
        id = record.id
        at = record.at
        actor = record.actor
        action = record.action
        target = record.target
        via = record.via
        requestID = record.requestID
        result = record.result
    }
}
