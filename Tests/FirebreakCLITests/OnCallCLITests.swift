import FirebreakTesting
import Foundation
import Testing

@Suite("firebreak oncall and audit")
struct OnCallCLITests {
    let directory = TemporaryDirectory(prefix: "firebreak-oncall")

    init() {
        directory.write(
            "firebreak.yml",
            """
            users:
              alice: {name: Alice, time_zone: Europe/Berlin, contact: [{command: [/bin/true]}]}
              bob: {name: Bob, contact: [{command: [/bin/true]}]}
            schedules:
              primary:
                time_zone: Europe/Berlin
                layers:
                  - {name: weekly, users: [alice, bob], rotation: 1w, start: 2026-03-16, handoff: "09:00"}
            """)
    }

    func firebreak(_ arguments: String...) async throws -> CommandLineTool.Result {
        try await CommandLineTool.run(arguments, in: directory.path, environment: ["FIREBREAK_USER": "carol"])
    }

    /// `HOUR`:00 UTC thirty days from now: overrides must end in the future, whenever the suite runs.
    static func inAMonth(hour: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let day = calendar.startOfDay(for: Date().addingTimeInterval(30 * 86400))
        return calendar.date(bySettingHour: hour, minute: 0, second: 0, of: day)!.formatted(.iso8601)
    }

    func json(_ result: CommandLineTool.Result) throws -> Any {
        #expect(result.status == 0, "\(result.stderr)")
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    @Test("who is on call at a moment, as JSON in the documented shape, with the next shift")
    func onCallAt() async throws {
        let answer = try #require(
            try json(try await firebreak("oncall", "primary", "--at", "2026-03-31T12:00:00Z", "--json"))
                as? [String: Any])
        #expect(answer["schedule"] as? String == "primary")
        #expect(answer["at"] as? String == "2026-03-31T12:00:00Z")
        let onCall = try #require(answer["on_call"] as? [[String: String]])
        #expect(
            onCall == [
                ["user": "alice", "from": "2026-03-30T07:00:00Z", "until": "2026-04-06T07:00:00Z", "source": "weekly"]
            ])
        #expect((answer["next"] as? [String: String])?["user"] == "bob")

        let text = try await firebreak("oncall", "--at", "2026-03-31T12:00:00Z")
        #expect(text.stdout.hasPrefix("primary (Europe/Berlin): alice until Mon 6 Apr 09:00 +02:00"), "\(text.stdout)")
        #expect(!text.stdout.contains("\u{1B}["), "no colour when piped")
    }

    @Test("--shifts lists the shifts of a window, handoffs at 09:00 Berlin across the DST change")
    func shifts() async throws {
        let answer = try #require(
            try json(
                try await firebreak(
                    "oncall", "primary", "--shifts", "--from", "2026-03-23T08:00:00Z", "--until", "+14d", "--json"))
                as? [String: Any])
        let shifts = try #require(answer["shifts"] as? [[String: String]])
        // 14 elapsed days end at 08:00Z, an hour after the 6 April handoff (09:00 CEST is 07:00Z).
        #expect(shifts.map { $0["from"] } == ["2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"])
        #expect(shifts.map { $0["user"] } == ["bob", "alice", "bob"])
        #expect(shifts.last?["until"] == "2026-04-06T08:00:00Z")
    }

    @Test("an override moves the shift, lists, deletes, and every change is in the audit log as the OS user")
    func overrides() async throws {
        let added = try #require(
            try json(
                try await firebreak(
                    "oncall", "override", "primary", "--user", "bob", "--from", Self.inAMonth(hour: 10), "--until",
                    "+4h",
                    "--reason", "dentist", "--json")) as? [String: Any])
        #expect(added["created_by"] as? String == "carol")
        #expect(added["until"] as? String == Self.inAMonth(hour: 14))
        let id = try #require(added["id"] as? Int)
        let covered = try #require(
            try json(try await firebreak("oncall", "primary", "--at", Self.inAMonth(hour: 12), "--json"))
                as? [String: Any])
        #expect((covered["on_call"] as? [[String: String]])?.first?["user"] == "bob")
        #expect((covered["on_call"] as? [[String: String]])?.first?["source"] == "override")

        let listed = try #require(
            try json(try await firebreak("oncall", "override", "list", "--all", "--json")) as? [[String: Any]])
        #expect(listed.map { $0["id"] as? Int } == [id])
        #expect(try await firebreak("oncall", "override", "delete", String(id)).status == 0)
        let again = try await firebreak("oncall", "override", "delete", String(id))
        #expect(again.status == 2)
        #expect(again.stderr.contains("no override \(id)"))

        let audit = try #require(try json(try await firebreak("audit", "--json")) as? [[String: Any]])
        #expect(
            audit.map { $0["action"] as? String } == [
                "oncall override delete", "oncall override delete", "oncall override",
            ])
        #expect(audit.allSatisfy { $0["actor"] as? String == "carol" && $0["via"] as? String == "cli" })
        #expect((audit[0]["result"] as? String)?.hasPrefix("error: no override") == true)
    }

    @Test("bad input: an unknown schedule or user, a time that is not one; exit 2 with what to do")
    func badInput() async throws {
        let schedule = try await firebreak("oncall", "primray")
        #expect(schedule.status == 2)
        #expect(schedule.stderr == "error: no schedule 'primray' in firebreak.yml; did you mean 'primary'?\n")
        let user = try await firebreak(
            "oncall", "override", "primary", "--user", "zed", "--from", "now", "--until", "+1h")
        #expect(user.status == 2)
        #expect(user.stderr.contains("no user 'zed' under users:"))
        let time = try await firebreak("oncall", "primary", "--at", "yesterday")
        #expect(time.status == 2)
        #expect(time.stderr.contains("'yesterday' is not a time"))
        let backwards = try await firebreak(
            "oncall", "override", "primary", "--user", "bob", "--from", "now", "--until=-1h")
        #expect(backwards.status == 2)
        #expect(backwards.stderr.contains("--until must be after --from"))
    }
}

@Suite("firebreak incident role")
struct IncidentRoleCLITests {
    @Test("a role is given to a configured user, shows in incident show and on the timeline; unknown users are refused")
    func role() async throws {
        let directory = TemporaryDirectory(prefix: "firebreak-role")
        directory.write("firebreak.yml", "users:\n  bob: {contact: [{command: [/bin/true]}]}\n")
        func firebreak(_ arguments: String...) async throws -> CommandLineTool.Result {
            try await CommandLineTool.run(arguments, in: directory.path, environment: ["FIREBREAK_USER": "alice"])
        }
        #expect(try await firebreak("incident", "open", "--title", "t", "--severity", "P2").status == 0)
        let given = try await firebreak("incident", "role", "INC-1", "communications", "bob")
        #expect(given.status == 0, "\(given.stderr)")
        let shown = try await firebreak("incident", "show", "INC-1")
        #expect(shown.stdout.contains("communications: bob"), "\(shown.stdout)")
        let json = try await firebreak("incident", "show", "INC-1", "--json")
        #expect(json.stdout.contains(#""communications" : "bob""#))
        #expect(json.stdout.contains(#""kind" : "role_assigned""#))
        let unknown = try await firebreak("incident", "role", "INC-1", "scribe", "bobby")
        #expect(unknown.status == 2)
        #expect(unknown.stderr == "error: no user 'bobby' under users: in firebreak.yml; did you mean 'bob'?\n")
        let badRole = try await firebreak("incident", "role", "INC-1", "chef", "bob")
        #expect(badRole.status == 2)
        #expect(try await firebreak("incident", "role", "INC-1", "communications", "--clear").status == 0)
    }
}

@Suite("firebreak silence")
struct SilenceCLITests {
    @Test("add, list and expire; bad matchers and times are refused with exit 2")
    func silences() async throws {
        let directory = TemporaryDirectory(prefix: "firebreak-silence")
        func firebreak(_ arguments: String...) async throws -> CommandLineTool.Result {
            try await CommandLineTool.run(arguments, in: directory.path, environment: ["FIREBREAK_USER": "alice"])
        }
        let added = try await firebreak(
            "silence", "add", "alertname=DiskFull", "host=~db-.*", "--for", "2h", "--comment", "resizing", "--json")
        #expect(added.status == 0, "\(added.stderr)")
        let silence = try #require(try JSONSerialization.jsonObject(with: Data(added.stdout.utf8)) as? [String: Any])
        #expect(silence["matchers"] as? [String: String] == ["alertname": "DiskFull", "host": "~db-.*"])
        #expect(silence["created_by"] as? String == "alice")
        #expect(silence["state"] as? String == "active")
        let listed = try await firebreak("silence", "list")
        #expect(listed.stdout.contains("alertname=DiskFull host=~db-.*"), "\(listed.stdout)")
        #expect(try await firebreak("silence", "expire", "1").status == 0)
        let again = try await firebreak("silence", "expire", "1")
        #expect(again.status == 2)
        #expect(again.stderr.contains("ended already"))
        #expect(try await firebreak("silence", "list").stdout.contains("No current or pending silences."))
        #expect(try await firebreak("silence", "list", "--all").stdout.contains("expired"))

        let bad = try await firebreak("silence", "add", "DiskFull", "--for", "1h", "--comment", "x")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("write KEY=VALUE"))
        let twice = try await firebreak("silence", "add", "alertname=X", "alertname=Y", "--for", "1h", "--comment", "x")
        #expect(twice.status == 2)
        #expect(twice.stderr.contains("'alertname' is given twice"))
        let broken = try await firebreak("silence", "add", "host=~db-[", "--for", "1h", "--comment", "x")
        #expect(broken.status == 2)
        #expect(broken.stderr.contains("is not a valid regular expression"), "\(broken.stderr)")
        let since = try await firebreak("audit", "--since", "-1d")
        #expect(since.status == 0, "a negative duration is a value, not an option: \(since.stderr)")
        let neither = try await firebreak("silence", "add", "alertname=X", "--comment", "x")
        #expect(neither.status == 2)
        #expect(neither.stderr.contains("--for DURATION or --until TIME"))
        let missing = try await firebreak("silence", "expire", "9")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no silence 9; list them with 'firebreak silence list --all'"))
        let audit = try await firebreak("audit", "--json")
        #expect(audit.stdout.contains(#""action" : "silence add""#))
    }
}

@Suite("firebreak oncall override: windows that make no sense")
struct OverrideWindowTests {
    @Test("an override in the past, or longer than 366 days, is refused with what to do instead")
    func refused() async throws {
        let directory = TemporaryDirectory(prefix: "firebreak-override")
        directory.write(
            "firebreak.yml",
            """
            users:
              bob: {contact: [{command: [/bin/true]}]}
            schedules:
              primary:
                layers: [{name: l, users: [bob], rotation: 1w, start: 2026-01-05, handoff: "09:00"}]
            """)
        let past = try await CommandLineTool.run(
            ["oncall", "override", "primary", "--user", "bob", "--from", "2020-01-01T00:00:00Z", "--until", "+1h"],
            in: directory.path)
        #expect(past.status == 2)
        #expect(past.stderr.contains("ends in the past"))
        let long = try await CommandLineTool.run(
            ["oncall", "override", "primary", "--user", "bob", "--from", "now", "--until", "+400d"], in: directory.path)
        #expect(long.status == 2)
        #expect(long.stderr.contains("at most 366 days"))
    }
}
