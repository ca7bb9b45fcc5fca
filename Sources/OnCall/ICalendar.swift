import Foundation

/// Renders shifts as an RFC 5545 calendar that calendar apps subscribe to.
public enum ICalendar {
    /// A `VCALENDAR` with one `VEVENT` per shift: CRLF line ends, lines folded at 75 octets, times in UTC, and
    /// each event's `UID` stable across renders, so a subscribed calendar updates in place.
    public static func render(schedule: String, shifts: [Shift], generatedAt: Date) -> String {
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Firebreak//On-call schedules//EN", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH", "X-WR-CALNAME:\(escape("On call: \(schedule)"))",
        ]
        for shift in shifts {
            let start = Int64(shift.from.timeIntervalSince1970)
            lines += [
                "BEGIN:VEVENT",
                "UID:\(escape("\(schedule)-\(shift.user)-\(start)"))@firebreak",
                "DTSTAMP:\(utc(generatedAt))",
                "DTSTART:\(utc(shift.from))",
                "DTEND:\(utc(shift.until))",
                "SUMMARY:\(escape("On call: \(shift.user) (\(schedule))"))",
                "DESCRIPTION:\(escape(shift.source == "override" ? "Override in schedule \(schedule)" : "Layer \(shift.source) of schedule \(schedule)"))",
                "TRANSP:TRANSPARENT",
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }

    /// `20260316T080000Z`.
    static func utc(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02dZ", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0,
            c.second ?? 0)
    }

    /// TEXT escaping (RFC 5545 §3.3.11).
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ";", with: "\\;")
            .replacingOccurrences(of: ",", with: "\\,").replacingOccurrences(of: "\r\n", with: "\\n")
            .replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\n")
    }

    /// Folds a line into pieces of at most 75 octets, continued with a space, never inside a UTF-8 character.
    static func fold(_ line: String) -> String {
        var pieces: [String] = []
        var current = ""
        var octets = 0
        for character in line {
            let size = String(character).utf8.count
            let limit = pieces.isEmpty ? 75 : 74
            if octets + size > limit {
                pieces.append(current)
                current = ""
                octets = 0
            }
            current.append(character)
            octets += size
        }
        pieces.append(current)
        return pieces.joined(separator: "\r\n ")
    }
}
