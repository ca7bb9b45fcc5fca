import Basics
import Foundation
import OnCall

/// The human output of `firebreak oncall`: times in the schedule's zone, with how far away they are.
enum OnCallText {
    /// `Mon 30 Mar 09:00 +02:00`: the schedule's wall clock with its offset (ICU names most zones only `GMT+2`).
    static func time(_ date: Date, in zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = "EEE d MMM HH:mm xxx"
        return formatter.string(from: date)
    }

    /// `in 3d 4h` or `2h ago`.
    static func relative(_ date: Date, from now: Date) -> String {
        let seconds = date.timeIntervalSince(now)
        let text = DurationParser.formatElapsed(abs(seconds))
        return seconds >= 0 ? "in \(text)" : "\(text) ago"
    }

    /// `UTC` for the zone Foundation calls `GMT`, as the configuration spells it.
    static func displayName(_ zone: TimeZone) -> String {
        zone.identifier == "GMT" ? "UTC" : zone.identifier
    }

    /// One schedule: who is on call until when, and who is next.
    static func line(_ schedule: Schedule, now current: Shift?, next: Shift?, at moment: Date, paint: Paint) -> String {
        let zone = schedule.timeZone
        var text = paint.bold(schedule.name) + paint.dim(" (\(displayName(zone)))") + ": "
        if let current {
            let via = current.source == "override" ? paint.yellow(" (override)") : ""
            if current.until.timeIntervalSince(moment) >= 365 * 86400 {
                text += "\(paint.green(current.user))\(via), with no handoff within a year"
            } else {
                text +=
                    "\(paint.green(current.user))\(via) until \(time(current.until, in: zone)) (\(relative(current.until, from: moment)))"
            }
        } else {
            text += paint.red("nobody on call")
            if let next { text += " until \(time(next.from, in: zone)) (\(relative(next.from, from: moment)))" }
            text += "; a page to it goes to the next escalation level"
        }
        if let next {
            text += paint.dim(
                "\n  next: \(next.user) from \(time(next.from, in: zone)) until \(time(next.until, in: zone))")
        }
        return text
    }

    /// The shifts as a table, with the gaps marked.
    static func shifts(_ shifts: [Shift], schedule: Schedule, from: Date, until: Date, paint: Paint) -> String {
        let zone = schedule.timeZone
        var rows = [["USER", "FROM", "UNTIL", "SOURCE"]]
        var cursor = from
        for shift in shifts {
            if shift.from > cursor {
                rows.append(["(nobody)", time(cursor, in: zone), time(shift.from, in: zone), "gap"])
            }
            rows.append([shift.user, time(shift.from, in: zone), time(shift.until, in: zone), shift.source])
            cursor = shift.until
        }
        if cursor < until { rows.append(["(nobody)", time(cursor, in: zone), time(until, in: zone), "gap"]) }
        let header =
            paint.bold("\(schedule.name)")
            + paint.dim(" (\(displayName(zone))), \(time(from, in: zone)) to \(time(until, in: zone))")
        return header + "\n" + Table.render(rows)
    }
}
