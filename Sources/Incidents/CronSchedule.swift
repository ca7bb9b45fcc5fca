import Foundation

/// A five-field cron expression (`minute hour day-of-month month day-of-week`), evaluated in UTC.
///
/// Each field takes `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma-separated list of those.
/// Months and weekdays also take three-letter names (`jan`, `mon`); Sunday is 0 or 7. When both day fields are
/// restricted, a day matches either (as in Vixie cron). `@hourly`, `@daily`, `@weekly`, `@monthly` and `@yearly`
/// are shorthands.
///
/// ```swift
/// let nightly = try CronSchedule(parsing: "0 2 * * *")
/// let next = nightly.next(after: Date())   // the next 02:00 UTC
/// ```
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool
    /// The expression as written.
    public let description: String

    private static let shorthands = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]
    private static let monthNames = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ]
    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// Parses an expression.
    /// - Throws: ``CronError`` naming the field and what is wrong with it.
    public init(parsing text: String) throws(CronError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let expanded = Self.shorthands[trimmed.lowercased()] ?? trimmed
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError(
                "'\(text)' has \(fields.count) field(s); a cron schedule has 5: minute hour day-of-month month day-of-week (for example '0 2 * * *')"
            )
        }
        minutes = try Self.field(fields[0], name: "minute", range: 0...59, names: [])
        hours = try Self.field(fields[1], name: "hour", range: 0...23, names: [])
        days = try Self.field(fields[2], name: "day-of-month", range: 1...31, names: [])
        months = try Self.field(fields[3], name: "month", range: 1...12, names: Self.monthNames, nameBase: 1)
        var weekdays = try Self.field(fields[4], name: "day-of-week", range: 0...7, names: Self.dayNames)
        if weekdays.remove(7) != nil { weekdays.insert(0) }
        self.weekdays = weekdays
        daysRestricted = !fields[2].hasPrefix("*")
        weekdaysRestricted = !fields[4].hasPrefix("*")
        description = trimmed
    }

    private static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String], nameBase: Int = 0)
        throws(CronError) -> Set<Int>
    {
        func value(_ token: Substring) throws(CronError) -> Int {
            if let number = Int(token) {
                guard range.contains(number) else {
                    throw CronError("\(name) '\(token)' is out of range \(range.lowerBound)-\(range.upperBound)")
                }
                return number
            }
            if let index = names.firstIndex(of: token.lowercased()) { return index + nameBase }
            throw CronError(
                "\(name) '\(token)' is not a number\(names.isEmpty ? "" : " or a name (\(names.joined(separator: ", ")))")"
            )
        }
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw CronError("\(name) '\(text)' has an empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw CronError("\(name) '\(part)' has more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let parsed = Int(pieces[1]), parsed > 0 else {
                    throw CronError("\(name) step '\(pieces[1])' must be a positive number")
                }
                step = parsed
            }
            let base = pieces[0]
            let lower: Int
            let upper: Int
            if base == "*" {
                (lower, upper) = (range.lowerBound, range == 0...7 ? 6 : range.upperBound)
            } else if let dash = base.firstIndex(of: "-") {
                lower = try value(base[..<dash])
                upper = try value(base[base.index(after: dash)...])
                guard lower <= upper else { throw CronError("\(name) range '\(base)' runs backwards") }
            } else {
                lower = try value(base)
                upper = pieces.count == 2 ? (range == 0...7 ? 6 : range.upperBound) : lower
            }
            result.formUnion(stride(from: lower, through: upper, by: step))
        }
        return result
    }

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    /// Whether the minute starting at `date` (UTC) matches.
    public func matches(_ date: Date) -> Bool {
        let parts = Self.calendar.dateComponents([.minute, .hour, .day, .month, .weekday], from: date)
        return minutes.contains(parts.minute!) && hours.contains(parts.hour!) && dayMatches(parts)
    }

    private func dayMatches(_ parts: DateComponents) -> Bool {
        guard months.contains(parts.month!) else { return false }
        let dayOK = days.contains(parts.day!)
        let weekdayOK = weekdays.contains(parts.weekday! - 1)
        if daysRestricted && weekdaysRestricted { return dayOK || weekdayOK }
        return dayOK && weekdayOK
    }

    /// The first matching minute strictly after `date`, or `nil` when none comes within five years
    /// (for example `0 0 30 2 *`).
    public func next(after date: Date) -> Date? {
        let calendar = Self.calendar
        let start = calendar.dateInterval(of: .minute, for: date)!.start.addingTimeInterval(60)
        var day = calendar.startOfDay(for: start)
        let sortedHours = hours.sorted()
        let sortedMinutes = minutes.sorted()
        for _ in 0..<(366 * 5) {
            if dayMatches(calendar.dateComponents([.day, .month, .weekday], from: day)) {
                for hour in sortedHours {
                    for minute in sortedMinutes {
                        let candidate = day.addingTimeInterval(TimeInterval(hour * 3600 + minute * 60))
                        if candidate >= start { return candidate }
                    }
                }
            }
            day = calendar.date(byAdding: .day, value: 1, to: day)!
        }
        return nil
    }
}

/// A cron expression that cannot be parsed.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
