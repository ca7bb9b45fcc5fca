import Foundation
import Incidents
import Testing

@Suite("silences and maintenance windows: what quiets an alert, and when")
struct SilenceTests {
    let t0 = Date(timeIntervalSince1970: 1_780_000_000)  // 2026-05-28 20:26:40 UTC

    func at(_ seconds: TimeInterval) -> Date { t0.addingTimeInterval(seconds) }

    let disk = Alert(
        source: "alertmanager", key: "fp1", status: .firing, name: "DiskFull", labels: ["host": "db-2", "team": "data"])

    func silence(_ fields: [String: String], from: TimeInterval = 0, until: TimeInterval = 3600) -> Silence {
        Silence(
            id: 7, matchers: Trigger(flattened: fields)!, startsAt: at(from), endsAt: at(until), createdBy: "alice",
            comment: "resizing", createdAt: t0)
    }

    @Test("a silence matches with trigger semantics (exact, ~regex on the whole value, all keys) while it is active")
    func matching() {
        let regex = silence(["alertname": "DiskFull", "host": "~db-.*"])
        #expect(Quiet.find(disk, severity: .p2, silences: [regex], windows: [], at: at(10))?.label == "silence 7")
        #expect(Quiet.find(disk, severity: .p2, silences: [regex], windows: [], at: at(3600)) == nil, "ended")
        #expect(
            Quiet.find(
                disk, severity: .p2, silences: [silence(["alertname": "DiskFull"], from: 60)], windows: [], at: at(10))
                == nil, "pending")
        #expect(
            Quiet.find(disk, severity: .p2, silences: [silence(["host": "~db"])], windows: [], at: at(10)) == nil,
            "whole value")
        #expect(
            Quiet.find(
                disk, severity: .p2, silences: [silence(["alertname": "DiskFull", "missing": "x"])], windows: [],
                at: at(10)) == nil)
        #expect(
            Quiet.find(disk, severity: .p1, silences: [silence(["severity": "P2"])], windows: [], at: at(10)) == nil)
        #expect(
            Quiet.find(
                disk, severity: .p2, silences: [silence(["severity": "P2", "source": "alertmanager"])], windows: [],
                at: at(10)) != nil)
        #expect(regex.state(at: at(-1)) == "pending")
        #expect(regex.state(at: at(1)) == "active")
        #expect(regex.state(at: at(3600)) == "expired")
    }

    @Test("matchers round-trip through their flat form; a bad severity is refused")
    func flattened() {
        let trigger = Trigger(flattened: [
            "alertname": "~Disk.*", "labels.host": "db-2", "team": "data", "severity": "p1",
        ])
        #expect(trigger?.alertname == .regex("Disk.*"))
        #expect(trigger?.labels == ["host": .exact("db-2"), "team": .exact("data")])
        #expect(trigger?.severity == .p1)
        #expect(trigger.map { Trigger(flattened: $0.flattened) } == trigger)
        #expect(trigger?.summary == "alertname=~Disk.* host=db-2 severity=P1 team=data")
        #expect(Trigger(flattened: ["severity": "urgent"]) == nil)
    }

    @Test("a maintenance window is open from each cron time for its duration, and only then")
    func maintenance() throws {
        // Sundays at 02:00 UTC for 2 hours.
        let window = MaintenanceWindow(
            name: "patching", schedule: try CronSchedule(parsing: "0 2 * * 0"), duration: .seconds(7200),
            matchers: Trigger(labels: ["team": .exact("data")]))
        let sunday = Date(timeIntervalSince1970: 1_780_192_800)  // 2026-05-31 02:00:00 UTC, a Sunday
        #expect(window.openedAt(sunday) == sunday)
        #expect(window.openedAt(sunday.addingTimeInterval(7199)) == sunday)
        #expect(window.openedAt(sunday.addingTimeInterval(7200)) == nil, "closed after its duration")
        #expect(window.openedAt(sunday.addingTimeInterval(-1)) == nil)
        let quiet = Quiet.find(disk, severity: .p2, silences: [], windows: [window], at: sunday.addingTimeInterval(60))
        #expect(quiet?.label == "maintenance window patching")
        #expect(quiet?.until == sunday.addingTimeInterval(7200))
        var other = disk
        other.labels["team"] = "web"
        #expect(
            Quiet.find(other, severity: .p2, silences: [], windows: [window], at: sunday.addingTimeInterval(60)) == nil)
    }
}
