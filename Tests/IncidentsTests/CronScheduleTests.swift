import Foundation
import Incidents
import Testing

@Suite("cron schedules")
struct CronScheduleTests {
    static func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    static func next(_ expression: String, after: String) throws -> String? {
        try CronSchedule(parsing: expression).next(after: date(after)).map { ISO8601DateFormatter().string(from: $0) }
    }

    @Test(
        "next runs",
        arguments: [
            ("0 2 * * *", "2026-11-23T01:59:00Z", "2026-11-23T02:00:00Z"),
            ("0 2 * * *", "2026-11-23T02:00:00Z", "2026-11-24T02:00:00Z"),
            ("*/15 * * * *", "2026-11-23T10:07:30Z", "2026-11-23T10:15:00Z"),
            ("5-10/5 8 * * *", "2026-11-23T08:06:00Z", "2026-11-23T08:10:00Z"),
            ("0 9 * * mon-fri", "2026-11-21T10:00:00Z", "2026-11-23T09:00:00Z"),
            ("0 0 1,15 * *", "2026-11-02T00:00:00Z", "2026-11-15T00:00:00Z"),
            ("0 0 29 2 *", "2026-03-01T00:00:00Z", "2028-02-29T00:00:00Z"),
            ("30 4 1 * 0", "2026-11-23T00:00:00Z", "2026-11-29T04:30:00Z"),
            ("0 0 * * 7", "2026-11-23T00:00:00Z", "2026-11-29T00:00:00Z"),
            ("@hourly", "2026-12-31T23:30:00Z", "2027-01-01T00:00:00Z"),
            ("0 12 * jan *", "2026-11-23T00:00:00Z", "2027-01-01T12:00:00Z"),
        ])
    func next(expression: String, after: String, expected: String) throws {
        #expect(try Self.next(expression, after: after) == expected)
    }

    @Test("a day that never comes gives nil")
    func never() throws {
        #expect(try CronSchedule(parsing: "0 0 30 2 *").next(after: Date()) == nil)
    }

    @Test(
        "bad expressions name the field",
        arguments: [
            ("0 2 * *", "has 4 field(s)"),
            ("60 * * * *", "minute '60' is out of range 0-59"),
            ("* 24 * * *", "hour '24' is out of range 0-23"),
            ("* * 0 * *", "day-of-month '0' is out of range 1-31"),
            ("* * * foo *", "month 'foo' is not a number or a name"),
            ("*/0 * * * *", "step '0' must be a positive number"),
            ("5-1 * * * *", "range '5-1' runs backwards"),
            ("1,,2 * * * *", "empty list item"),
        ])
    func errors(expression: String, message: String) {
        #expect {
            try CronSchedule(parsing: expression)
        } throws: { error in
            "\(error)".contains(message)
        }
    }
}
