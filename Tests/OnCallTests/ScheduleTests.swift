import Foundation
import Testing

@testable import OnCall

/// An instant from RFC 3339 text, for readable expectations.
func t(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: text) else { fatalError("bad time \(text)") }
    return date
}

func zone(_ identifier: String) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else { fatalError("no time zone \(identifier): install tzdata") }
    return zone
}

/// One layer starting at a local date and handoff time.
func layer(
    _ name: String, _ users: [String], every rotation: Rotation, from date: String, at handoff: String,
    in identifier: String, restrictions: [Restriction] = []
) -> Layer {
    guard let start = Layer.start(localDate: date, handoff: handoff, in: zone(identifier)) else {
        fatalError("bad start \(date) \(handoff)")
    }
    return Layer(name: name, participants: users, rotation: rotation, start: start, restrictions: restrictions)
}

@Suite("schedules: rotations, handoffs and time zones")
struct ScheduleTests {
    let berlinWeekly = Schedule(
        name: "primary", timeZone: zone("Europe/Berlin"),
        layers: [
            layer(
                "primary", ["alice", "bob", "carol"], every: .days(7), from: "2026-03-16", at: "09:00",
                in: "Europe/Berlin")
        ])

    @Test("a weekly Monday 09:00 Berlin handoff stays at 09:00 local across the March DST change")
    func springForward() {
        let shifts = berlinWeekly.shifts(from: t("2026-03-16T08:00:00Z"), until: t("2026-04-13T07:00:00Z"))
        #expect(
            shifts.map(\.from) == [
                t("2026-03-16T08:00:00Z"), t("2026-03-23T08:00:00Z"), t("2026-03-30T07:00:00Z"),
                t("2026-04-06T07:00:00Z"),
            ])
        #expect(shifts.map(\.user) == ["alice", "bob", "carol", "alice"])
        // The week with the change is an hour shorter: 6 days 23 hours.
        #expect(shifts[1].until.timeIntervalSince(shifts[1].from) == 7 * 86400 - 3600)
        #expect(shifts.allSatisfy { $0.source == "primary" })
    }

    @Test("and across the October change: the week with it is an hour longer")
    func fallBack() {
        let shifts = berlinWeekly.shifts(from: t("2026-10-19T07:00:00Z"), until: t("2026-11-02T08:00:00Z"))
        #expect(shifts.map(\.from) == [t("2026-10-19T07:00:00Z"), t("2026-10-26T08:00:00Z")])
        #expect(shifts[0].until.timeIntervalSince(shifts[0].from) == 7 * 86400 + 3600)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone("Europe/Berlin")
        for shift in shifts {
            #expect(calendar.component(.hour, from: shift.from) == 9)
            #expect(calendar.component(.weekday, from: shift.from) == 2, "a Monday")
        }
    }

    @Test("who is on call: the whole shift, not the query's window, and nobody before the first handoff")
    func onCallNow() {
        let shift = berlinWeekly.onCall(at: t("2026-03-31T12:00:00Z"))
        #expect(
            shift
                == Shift(
                    user: "carol", from: t("2026-03-30T07:00:00Z"), until: t("2026-04-06T07:00:00Z"), source: "primary")
        )
        #expect(berlinWeekly.onCall(at: t("2026-03-16T07:59:59Z")) == nil)
        // A year on, the turn order has carried on: 52 weeks = 17 rounds of 3 and one more.
        #expect(berlinWeekly.onCall(at: t("2027-03-16T12:00:00Z"))?.user == "bob")
    }

    @Test("a daily rotation across month and year ends, in a zone east of UTC")
    func dailyAcrossYearEnd() {
        let schedule = Schedule(
            name: "daily", timeZone: zone("Asia/Tokyo"),
            layers: [
                layer("primary", ["ann", "ben"], every: .days(1), from: "2026-12-29", at: "08:00", in: "Asia/Tokyo")
            ])
        let shifts = schedule.shifts(from: t("2026-12-30T00:00:00+09:00"), until: t("2027-01-03T00:00:00+09:00"))
        // 08:00 Tokyo is 23:00 UTC the day before.
        #expect(
            shifts.map(\.from) == [
                t("2026-12-30T00:00:00+09:00"), t("2026-12-29T23:00:00Z"), t("2026-12-30T23:00:00Z"),
                t("2026-12-31T23:00:00Z"),
                t("2027-01-01T23:00:00Z"),
            ])
        #expect(shifts.map(\.user) == ["ann", "ben", "ann", "ben", "ann"])
        #expect(shifts.first?.from == t("2026-12-29T15:00:00Z"), "clipped to the window's start")
        #expect(shifts.last?.until == t("2027-01-02T15:00:00Z"), "clipped to the window's end")
    }

    @Test("a daily rotation over February's end in a leap year and out of a 31-day month")
    func dailyAcrossMonthEnds() {
        let schedule = Schedule(
            name: "daily", timeZone: zone("America/New_York"),
            layers: [
                layer(
                    "primary", ["ann", "ben", "cy"], every: .days(1), from: "2028-02-27", at: "00:00",
                    in: "America/New_York")
            ])
        let shifts = schedule.shifts(from: t("2028-02-27T05:00:00Z"), until: t("2028-03-02T05:00:00Z"))
        #expect(
            shifts.map(\.from) == [
                t("2028-02-27T05:00:00Z"), t("2028-02-28T05:00:00Z"), t("2028-02-29T05:00:00Z"),
                t("2028-03-01T05:00:00Z"),
            ])
        #expect(shifts.map(\.user) == ["ann", "ben", "cy", "ann"])
    }

    @Test("a fixed 12-hour rotation keeps elapsed time: across a DST change its local handoff moves an hour")
    func fixedRotation() {
        let schedule = Schedule(
            name: "halves", timeZone: zone("Europe/Berlin"),
            layers: [
                layer(
                    "primary", ["day", "night"], every: .fixed(12 * 3600), from: "2026-03-28", at: "08:00",
                    in: "Europe/Berlin")
            ])
        let shifts = schedule.shifts(from: t("2026-03-28T07:00:00Z"), until: t("2026-03-30T07:00:00Z"))
        #expect(
            shifts.map(\.from) == [
                t("2026-03-28T07:00:00Z"), t("2026-03-28T19:00:00Z"), t("2026-03-29T07:00:00Z"),
                t("2026-03-29T19:00:00Z"),
            ])
        #expect(shifts.map(\.user) == ["day", "night", "day", "night"])
        #expect(Rotation(seconds: 7 * 86400) == .days(7))
        #expect(Rotation(seconds: 12 * 3600) == .fixed(12 * 3600))
    }

    @Test("a start time skipped by spring-forward moves on by the hour skipped; an impossible date is refused")
    func skippedStart() {
        #expect(
            Layer.start(localDate: "2026-03-29", handoff: "02:30", in: zone("Europe/Berlin"))
                == t("2026-03-29T01:30:00Z"))
        #expect(Layer.start(localDate: "2026-02-30", handoff: "09:00", in: zone("UTC")) == nil)
        #expect(Layer.start(localDate: "2026-02-03", handoff: "25:00", in: zone("UTC")) == nil)
        #expect(Restriction.minutes("9:05") == 545)
        #expect(Restriction.minutes("24:00") == 1440)
        #expect(Restriction.minutes("12:60") == nil)
        #expect(Restriction.weekday("Wednesday") == 3)
        #expect(Restriction.weekday("someday") == nil)
    }
}

@Suite("a layer starting on the spring-forward day")
struct SkippedStartTests {
    @Test("the first handoff is an hour later (02:30 does not exist); every later one is at 02:30 again")
    func laterHandoffsKeepTheirTime() {
        let berlin = zone("Europe/Berlin")
        let start = Layer.start(localDate: "2026-03-29", handoff: "02:30", in: berlin)!
        let schedule = Schedule(
            name: "s", timeZone: berlin,
            layers: [Layer(name: "l", participants: ["a", "b"], rotation: .days(1), start: start, handoffMinutes: 150)])
        let shifts = schedule.shifts(from: t("2026-03-29T00:00:00Z"), until: t("2026-04-01T00:00:00Z"))
        #expect(
            shifts.map(\.from) == [t("2026-03-29T01:30:00Z"), t("2026-03-30T00:30:00Z"), t("2026-03-31T00:30:00Z")])
    }
}
