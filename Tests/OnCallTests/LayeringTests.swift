import Foundation
import Testing

@testable import OnCall

@Suite("schedules: restrictions, layers and overrides")
struct LayeringTests {
    /// Weekdays 09:00–17:00 New York, a weekly rotation handing off on Mondays at 09:00.
    let businessHours = layer(
        "business", ["alice", "bob"], every: .days(7), from: "2026-03-02", at: "09:00", in: "America/New_York",
        restrictions: [Restriction(weekdays: [1, 2, 3, 4, 5], from: 9 * 60, to: 17 * 60)])

    @Test("restrictions leave gaps: outside weekday hours nobody is on call")
    func restrictionGaps() {
        let schedule = Schedule(name: "biz", timeZone: zone("America/New_York"), layers: [businessHours])
        // Friday 6 March to Tuesday 10 March (DST starts in New York on 8 March).
        let shifts = schedule.shifts(from: t("2026-03-06T00:00:00-05:00"), until: t("2026-03-11T00:00:00-04:00"))
        #expect(
            shifts == [
                Shift(
                    user: "alice", from: t("2026-03-06T09:00:00-05:00"), until: t("2026-03-06T17:00:00-05:00"),
                    source: "business"),
                Shift(
                    user: "bob", from: t("2026-03-09T09:00:00-04:00"), until: t("2026-03-09T17:00:00-04:00"),
                    source: "business"),
                Shift(
                    user: "bob", from: t("2026-03-10T09:00:00-04:00"), until: t("2026-03-10T17:00:00-04:00"),
                    source: "business"),
            ])
        #expect(schedule.onCall(at: t("2026-03-07T12:00:00-05:00")) == nil, "Saturday: nobody")
        #expect(schedule.onCall(at: t("2026-03-09T08:59:00-04:00")) == nil, "Monday before 09:00: nobody")
    }

    @Test("an overnight restriction (22:00–06:00) runs into the next day")
    func overnight() {
        let nights = layer(
            "nights", ["owl"], every: .days(7), from: "2026-01-05", at: "00:00", in: "UTC",
            restrictions: [Restriction(weekdays: [], from: 22 * 60, to: 6 * 60)])
        let schedule = Schedule(name: "nights", timeZone: zone("UTC"), layers: [nights])
        let shifts = schedule.shifts(from: t("2026-01-06T00:00:00Z"), until: t("2026-01-07T12:00:00Z"))
        #expect(shifts.map(\.from) == [t("2026-01-06T00:00:00Z"), t("2026-01-06T22:00:00Z")])
        #expect(shifts.map(\.until) == [t("2026-01-06T06:00:00Z"), t("2026-01-07T06:00:00Z")])
    }

    @Test("a higher layer wins where it has someone; the lower one fills its gaps")
    func twoLayers() {
        let base = layer(
            "base", ["night-owl"], every: .days(7), from: "2026-03-02", at: "09:00", in: "America/New_York")
        let schedule = Schedule(name: "both", timeZone: zone("America/New_York"), layers: [base, businessHours])
        let shifts = schedule.shifts(from: t("2026-03-06T00:00:00-05:00"), until: t("2026-03-07T00:00:00-05:00"))
        #expect(
            shifts == [
                Shift(
                    user: "night-owl", from: t("2026-03-06T00:00:00-05:00"), until: t("2026-03-06T09:00:00-05:00"),
                    source: "base"),
                Shift(
                    user: "alice", from: t("2026-03-06T09:00:00-05:00"), until: t("2026-03-06T17:00:00-05:00"),
                    source: "business"),
                Shift(
                    user: "night-owl", from: t("2026-03-06T17:00:00-05:00"), until: t("2026-03-07T00:00:00-05:00"),
                    source: "base"),
            ])
        let layered = schedule.layerShifts(from: t("2026-03-06T00:00:00-05:00"), until: t("2026-03-07T00:00:00-05:00"))
        #expect(layered.map(\.layer) == ["base", "business"])
        #expect(layered[0].shifts.count == 1)
    }

    @Test("an override straddling a handoff covers the end of one turn and the start of the next")
    func overrideAcrossHandoff() {
        let weekly = Schedule(
            name: "primary", timeZone: zone("Europe/Berlin"),
            layers: [
                layer(
                    "primary", ["alice", "bob"], every: .days(7), from: "2026-03-16", at: "09:00", in: "Europe/Berlin")
            ])
        let cover = Override(id: 1, user: "carol", from: t("2026-03-22T20:00:00Z"), until: t("2026-03-23T12:00:00Z"))
        let shifts = weekly.shifts(
            from: t("2026-03-22T00:00:00Z"), until: t("2026-03-24T00:00:00Z"), overrides: [cover])
        #expect(
            shifts == [
                Shift(
                    user: "alice", from: t("2026-03-22T00:00:00Z"), until: t("2026-03-22T20:00:00Z"), source: "primary"),
                Shift(
                    user: "carol", from: t("2026-03-22T20:00:00Z"), until: t("2026-03-23T12:00:00Z"), source: "override"
                ),
                Shift(
                    user: "bob", from: t("2026-03-23T12:00:00Z"), until: t("2026-03-24T00:00:00Z"), source: "primary"),
            ])
        #expect(weekly.onCall(at: t("2026-03-23T08:30:00Z"), overrides: [cover])?.user == "carol")
        #expect(
            weekly.onCall(at: t("2026-03-23T08:30:00Z"))?.user == "bob", "without it: bob, after the 08:00Z handoff")
    }

    @Test("where overrides overlap the later one wins, and an override fills a restriction's gap")
    func overlappingOverrides() {
        let schedule = Schedule(name: "biz", timeZone: zone("America/New_York"), layers: [businessHours])
        let first = Override(
            id: 1, user: "dan", from: t("2026-03-07T10:00:00-05:00"), until: t("2026-03-07T14:00:00-05:00"))
        let second = Override(
            id: 2, user: "eve", from: t("2026-03-07T12:00:00-05:00"), until: t("2026-03-07T13:00:00-05:00"))
        let shifts = schedule.shifts(
            from: t("2026-03-07T00:00:00-05:00"), until: t("2026-03-08T00:00:00-05:00"), overrides: [first, second])
        #expect(shifts.map(\.user) == ["dan", "eve", "dan"])
        #expect(
            shifts.map(\.from) == [
                t("2026-03-07T10:00:00-05:00"), t("2026-03-07T12:00:00-05:00"), t("2026-03-07T13:00:00-05:00"),
            ])
        #expect(shifts.allSatisfy { $0.source == "override" })
    }

    @Test("an empty window, an empty layer and a layer that has not started give nobody")
    func nobody() {
        let empty = Schedule(
            name: "e", timeZone: zone("UTC"),
            layers: [Layer(name: "l", participants: [], rotation: .days(1), start: t("2026-01-01T00:00:00Z"))])
        #expect(empty.shifts(from: t("2026-01-02T00:00:00Z"), until: t("2026-01-09T00:00:00Z")).isEmpty)
        #expect(empty.onCall(at: t("2026-01-02T00:00:00Z")) == nil)
        let future = Schedule(
            name: "f", timeZone: zone("UTC"),
            layers: [Layer(name: "l", participants: ["a"], rotation: .days(1), start: t("2027-01-01T00:00:00Z"))])
        #expect(future.shifts(from: t("2026-01-02T00:00:00Z"), until: t("2026-01-09T00:00:00Z")).isEmpty)
        #expect(future.shifts(from: t("2026-01-09T00:00:00Z"), until: t("2026-01-02T00:00:00Z")).isEmpty)
    }
}

@Suite("overrides: the newest wins")
struct OverridePrecedenceTests {
    @Test("a later-created override wins over an earlier one that starts later")
    func newestWins() {
        let schedule = Schedule(
            name: "p", timeZone: zone("UTC"),
            layers: [layer("l", ["carol"], every: .days(7), from: "2026-01-05", at: "00:00", in: "UTC")])
        let alice = Override(id: 1, user: "alice", from: t("2026-03-01T18:00:00Z"), until: t("2026-03-02T02:00:00Z"))
        let bob = Override(id: 2, user: "bob", from: t("2026-03-01T17:00:00Z"), until: t("2026-03-02T03:00:00Z"))
        // Stored order is by start: bob first.
        #expect(schedule.onCall(at: t("2026-03-01T20:00:00Z"), overrides: [bob, alice])?.user == "bob")
        #expect(schedule.onCall(at: t("2026-03-01T20:00:00Z"), overrides: [alice, bob])?.user == "bob")
    }
}
