import Foundation

/// An on-call schedule: layers of rotations in one IANA time zone. A later layer wins wherever it has someone;
/// an override wins over every layer. Pure: every function takes the times it needs.
public struct Schedule: Sendable, Equatable {
    /// The name `schedule:NAME` refers to.
    public var name: String
    /// Handoffs and restrictions are wall-clock times in this zone.
    public var timeZone: TimeZone
    /// Lowest first; a later layer wins where it has someone.
    public var layers: [Layer]

    public init(name: String, timeZone: TimeZone, layers: [Layer]) {
        self.name = name
        self.timeZone = timeZone
        self.layers = layers
    }

    var calendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }
}

/// How long each participant's turn lasts.
public enum Rotation: Sendable, Equatable {
    /// Whole days in the schedule's zone: a handoff keeps its wall-clock time across daylight-saving changes.
    case days(Int)
    /// Elapsed time: across a daylight-saving change the local handoff time moves by the hour that changed.
    case fixed(TimeInterval)

    /// Whole days for a multiple of 24 hours, elapsed time otherwise.
    public init(seconds: TimeInterval) {
        let days = seconds / 86400
        self = days >= 1 && days == days.rounded() ? .days(Int(days)) : .fixed(seconds)
    }

    /// The nominal length, in seconds.
    public var seconds: TimeInterval {
        switch self {
        case .days(let days): TimeInterval(days) * 86400
        case .fixed(let seconds): seconds
        }
    }
}

/// A weekly window in which a layer has someone, in the schedule's zone.
public struct Restriction: Sendable, Equatable {
    /// ISO weekdays on which a window starts (1 Monday … 7 Sunday); all days when empty.
    public var weekdays: Set<Int>
    /// Minutes after local midnight the window opens.
    public var from: Int
    /// Minutes after local midnight it closes; at or before `from`, it closes the next day.
    public var to: Int

    public init(weekdays: Set<Int>, from: Int, to: Int) {
        self.weekdays = weekdays
        self.from = from
        self.to = to
    }

    /// Minutes after midnight of `HH:MM`, or nil.
    public static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]),
            let minute = Int(parts[1]), (0...24).contains(hour), (0..<60).contains(minute), hour * 60 + minute <= 1440
        else { return nil }
        return hour * 60 + minute
    }

    /// The ISO weekday of `mon`…`sun` (or the full English name), or nil.
    public static func weekday(_ text: String) -> Int? {
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        return names.firstIndex(of: String(text.lowercased().prefix(3))).map { $0 + 1 }
    }
}

/// One layer: participants taking turns from `start`, optionally only inside restrictions.
public struct Layer: Sendable, Equatable {
    public var name: String
    /// User handles, in turn order.
    public var participants: [String]
    public var rotation: Rotation
    /// The first handoff: participant 0 starts here; before it the layer has nobody.
    public var start: Date
    /// When the layer has someone; always when empty.
    public var restrictions: [Restriction]
    /// The handoff's wall-clock time (minutes after midnight) for whole-day rotations: each handoff is this time on
    /// its day, even when `start` itself moved (a start skipped by spring-forward). Nil: `start`'s own time.
    public var handoffMinutes: Int?

    public init(
        name: String, participants: [String], rotation: Rotation, start: Date, restrictions: [Restriction] = [],
        handoffMinutes: Int? = nil
    ) {
        self.name = name
        self.participants = participants
        self.rotation = rotation
        self.start = start
        self.restrictions = restrictions
        self.handoffMinutes = handoffMinutes
    }

    /// The instant of a local date (`2026-01-05`) and time (`09:00`) in `zone`. A time that does not exist that
    /// day (skipped by a spring-forward change) moves forward by the hour skipped; a repeated one is its first
    /// occurrence.
    public static func start(localDate: String, handoff: String, in zone: TimeZone) -> Date? {
        let parts = localDate.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, let minutes = Restriction.minutes(handoff), minutes < 1440 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(year: parts[0], month: parts[1], day: parts[2])
        guard let midnight = calendar.date(from: components),
            calendar.component(.day, from: midnight) == parts[2]
        else { return nil }
        return Self.local(minutes: minutes, on: midnight, calendar)
    }

    /// The instant `minutes` after the local midnight of the day of `day`.
    static func local(minutes: Int, on day: Date, _ calendar: Calendar) -> Date? {
        let midnight = calendar.startOfDay(for: day)
        if minutes >= 1440 { return calendar.date(byAdding: .day, value: 1, to: midnight) }
        guard let time = calendar.date(bySettingHour: minutes / 60, minute: minutes % 60, second: 0, of: midnight)
        else { return nil }
        let local = calendar.dateComponents([.hour, .minute], from: time)
        if local.hour == minutes / 60, local.minute == minutes % 60 { return time }
        // Skipped by a spring-forward change: the wall-clock time in the offset before it, an hour later in the new.
        return midnight.addingTimeInterval(TimeInterval(minutes * 60))
    }
}

/// A user covering a schedule for a while; wins over every layer. The more recently created override wins where
/// two overlap.
public struct Override: Sendable, Equatable {
    public var id: Int64?
    public var user: String
    public var from: Date
    public var until: Date
    public var createdBy: String?
    public var reason: String?

    public init(
        id: Int64? = nil, user: String, from: Date, until: Date, createdBy: String? = nil, reason: String? = nil
    ) {
        self.id = id
        self.user = user
        self.from = from
        self.until = until
        self.createdBy = createdBy
        self.reason = reason
    }
}

/// Someone on call from `from` until `until` (exclusive), through a layer or an override.
public struct Shift: Sendable, Equatable, Codable {
    public var user: String
    public var from: Date
    public var until: Date
    /// The layer's name, or `override`.
    public var source: String

    public init(user: String, from: Date, until: Date, source: String) {
        self.user = user
        self.from = from
        self.until = until
        self.source = source
    }
}
