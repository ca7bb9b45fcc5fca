import FirebreakTesting
import Foundation
import Testing

@testable import OnCall

@Suite("the .ics feed: RFC 5545 as Python's icalendar reads it")
struct ICalendarTests {
    /// Parses the calendar with `icalendar` and prints each event's fields as JSON.
    static let reader = """
        import json, sys
        from icalendar import Calendar
        cal = Calendar.from_ical(open(sys.argv[1], 'rb').read())
        events = []
        for event in cal.walk('VEVENT'):
            events.append({
                'uid': str(event['UID']), 'summary': str(event['SUMMARY']), 'description': str(event['DESCRIPTION']),
                'start': event.decoded('DTSTART').isoformat(), 'end': event.decoded('DTEND').isoformat(),
            })
        print(json.dumps({'name': str(cal['X-WR-CALNAME']), 'version': str(cal['VERSION']), 'events': events}))
        """

    @Test("shifts become events with UTC times, escaped text, folded lines and stable UIDs")
    func parsedByIcalendar() async throws {
        let name = "payments, EU; nights"
        let shifts = [
            Shift(user: "alice", from: t("2026-03-23T08:00:00Z"), until: t("2026-03-30T07:00:00Z"), source: "weekly"),
            Shift(user: "bob", from: t("2026-03-30T07:00:00Z"), until: t("2026-03-30T19:00:00Z"), source: "override"),
            Shift(
                user: "a-very-long-handle-that-makes-the-summary-line-longer-than-seventy-five-octets-ü",
                from: t("2026-03-30T19:00:00Z"), until: t("2026-04-06T07:00:00Z"), source: "weekly"),
        ]
        let text = ICalendar.render(schedule: name, shifts: shifts, generatedAt: t("2026-03-20T12:00:00Z"))
        for line in text.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 75, "folded at 75 octets: \(line)")
        }
        #expect(text.hasSuffix("END:VCALENDAR\r\n"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends in CRLF")

        let directory = TemporaryDirectory()
        let calendar = directory.write("primary.ics", text)
        let script = directory.write("read.py", Self.reader)
        let parsed = try await ExternalProgram.run("python3", [script, calendar])
        #expect(parsed.status == 0, "icalendar refused the feed: \(parsed.stderr)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [String: Any], "\(parsed.stdout)")
        // icalendar hands an X- property over as written: escaped as TEXT.
        #expect(json["name"] as? String == #"On call: payments\, EU\; nights"#)
        #expect(json["version"] as? String == "2.0")
        let events = try #require(json["events"] as? [[String: String]])
        #expect(
            events.map { $0["start"] } == [
                "2026-03-23T08:00:00+00:00", "2026-03-30T07:00:00+00:00", "2026-03-30T19:00:00+00:00",
            ])
        #expect(
            events.map { $0["end"] } == [
                "2026-03-30T07:00:00+00:00", "2026-03-30T19:00:00+00:00", "2026-04-06T07:00:00+00:00",
            ])
        #expect(events[0]["summary"] == "On call: alice (\(name))")
        #expect(events[1]["description"] == "Override in schedule \(name)")
        #expect(events[2]["summary"]?.contains("ü") == true, "folding kept the UTF-8 character whole")
        #expect(Set(events.compactMap { $0["uid"] }).count == 3)

        let again = ICalendar.render(schedule: name, shifts: shifts, generatedAt: t("2026-03-21T12:00:00Z"))
        let uids = { (text: String) in text.components(separatedBy: "\r\n").filter { $0.hasPrefix("UID:") } }
        #expect(uids(again) == uids(text), "a later render keeps each event's UID")
    }

    @Test("an empty schedule is still a valid calendar")
    func empty() async throws {
        let directory = TemporaryDirectory()
        let calendar = directory.write("empty.ics", ICalendar.render(schedule: "none", shifts: [], generatedAt: Date()))
        let script = directory.write("read.py", Self.reader)
        let parsed = try await ExternalProgram.run("python3", [script, calendar])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        #expect(parsed.stdout.contains(#""events": []"#))
    }
}
