import Config
import Foundation
import Incidents
import OnCall
import Testing

@Suite("firebreak.yml: users, schedules, smtp and person targets")
struct PeopleConfigTests {
    static let valid = """
        smtp:
          host: smtp.example.com
          port: 587
          security: starttls
          username: firebreak
          password_env: TEST_SMTP_PASSWORD
          from: Firebreak <oncall@example.com>
        users:
          alice:
            name: Alice Example
            time_zone: Europe/Berlin
            contact:
              - email: alice@example.com
              - webhook: https://hooks.slack.com/services/T/B/x
                format: slack
              - command: [/usr/local/bin/sms, --to]
                number: "+4915100000000"
          bob: {name: Bob, contact: [{email: bob@example.com}, {email: bob@home.example}]}
        schedules:
          primary:
            time_zone: Europe/Berlin
            layers:
              - name: weekly
                users: [alice, bob]
                rotation: 1w
                start: 2026-03-16
                handoff: "09:00"
              - name: business
                users: [bob]
                rotation: 1d
                start: 2026-03-16
                handoff: "09:00"
                restrictions: [{days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:00"}]
        severities:
          P1: {acknowledge_within: 5m, escalation: people}
        escalation_policies:
          people:
            levels:
              - {after: 0s, notify: ["schedule:primary"]}
              - {after: 10m, notify: ["user:bob"]}
        """

    static func parse(_ yaml: String, environment: [String: String] = ["TEST_SMTP_PASSWORD": "pw"]) throws
        -> FirebreakConfig
    {
        try FirebreakConfig.parse(yaml, path: "firebreak.yml", environment: environment)
    }

    @Test("a full configuration reads into users, contact methods, a two-layer schedule and SMTP settings")
    func valid() throws {
        let config = try Self.parse(Self.valid)
        let alice = try #require(config.users["alice"])
        #expect(alice.name == "Alice Example")
        #expect(alice.timeZone.identifier == "Europe/Berlin")
        #expect(alice.contacts.map(\.id) == ["email", "webhook", "command"])
        #expect(
            config.users["bob"]?.contacts.map(\.id) == ["email", "email-2"], "a second method of a kind is numbered")
        let schedule = try #require(config.schedules["primary"])
        #expect(schedule.layers.map(\.name) == ["weekly", "business"])
        #expect(schedule.layers[0].rotation == .days(7))
        #expect(
            schedule.layers[0].start == Layer.start(localDate: "2026-03-16", handoff: "09:00", in: schedule.timeZone))
        #expect(schedule.layers[1].restrictions == [Restriction(weekdays: [1, 2, 3, 4, 5], from: 540, to: 1020)])
        let smtp = try #require(config.smtp)
        #expect(smtp.host == "smtp.example.com")
        #expect(smtp.port == 587)
        #expect(smtp.password == "pw", "read from the environment variable, never written in the file")
    }

    @Test(
        "mistakes are refused with the line and what to write instead",
        arguments: [
            ("alice: {time_zone: Mars/Olympus}", "is not an IANA time zone"),
            ("alice: {contact: [{email: not-an-address}]}", "is not an email address"),
            (
                "alice: {contact: [{email: a@b.example, webhook: https://x.example}]}",
                "needs exactly one of email, webhook or command"
            ),
            ("alice: {contact: [{webhook: ftp://x.example}]}", "must be an http:// or https:// URL"),
            ("alice: {contact: [{command: []}]}", "is empty"),
            ("Alice: {name: A}", "must be 1–64 lowercase letters"),
            ("alice: {nmae: A}", "did you mean 'name'"),
        ])
    func badUsers(_ user: String, _ message: String) throws {
        let yaml = "users:\n  \(user)\n"
        #expect {
            try Self.parse(yaml)
        } throws: { error in
            "\(error)".contains(message) && "\(error)".hasPrefix("firebreak.yml:")
        }
    }

    @Test(
        "schedule mistakes are refused",
        arguments: [
            ("{name: l, users: [carol], rotation: 1d, start: 2026-01-05, handoff: \"09:00\"}", "carol"),
            (
                "{name: l, users: [alice], rotation: 1fortnight, start: 2026-01-05, handoff: \"09:00\"}",
                "is not a duration"
            ),
            ("{name: l, users: [alice], rotation: 30s, start: 2026-01-05, handoff: \"09:00\"}", "at least 1m"),
            ("{name: l, users: [alice], rotation: 1d, start: 2026-02-30, handoff: \"09:00\"}", "2026-02-30"),
            ("{name: l, users: [alice], rotation: 1d, start: 2026-01-05, handoff: \"9am\"}", "9am"),
            (
                "{name: l, users: [alice], rotation: 1d, start: 2026-01-05, handoff: \"09:00\", restrictions: [{days: [funday], from: \"09:00\", to: \"17:00\"}]}",
                "funday"
            ),
            ("{name: l, users: [], rotation: 1d, start: 2026-01-05, handoff: \"09:00\"}", "is empty"),
        ])
    func badSchedules(_ layer: String, _ message: String) throws {
        let yaml = """
            users:
              alice: {contact: [{command: [/bin/true]}]}
            schedules:
              primary:
                time_zone: UTC
                layers:
                  - \(layer)
            """
        #expect {
            try Self.parse(yaml)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("person targets must exist and be reachable; announce takes channels only; the password must be set")
    func targets() throws {
        let missingUser = Self.valid.replacingOccurrences(of: "\"user:bob\"", with: "\"user:bobby\"")
        #expect(throws: ConfigError.self) { try Self.parse(missingUser) }
        #expect { try Self.parse(missingUser) } throws: { "\($0)".contains("did you mean 'bob'") }
        let missingSchedule = Self.valid.replacingOccurrences(of: "\"schedule:primary\"", with: "\"schedule:primery\"")
        #expect { try Self.parse(missingSchedule) } throws: { "\($0)".contains("pages schedule 'primery'") }
        #expect { try Self.parse(Self.valid + "\nannounce: [\"user:alice\"]\n") } throws: {
            "\($0)".contains("announce")
        }
        // Without the password the file still reads (the CLI works); only serve refuses, with this message.
        let unset = try Self.parse(Self.valid, environment: [:])
        #expect(unset.smtp?.password == nil)
        #expect(unset.smtp?.missingPassword?.contains("names TEST_SMTP_PASSWORD, which is not set") == true)
        #expect(try Self.parse(Self.valid).smtp?.missingPassword == nil)
        let noSMTP = Self.valid.components(separatedBy: "\nusers:\n")[1]
        #expect { try Self.parse("users:\n" + noSMTP) } throws: { "\($0)".contains("no 'smtp:' section") }
    }
}
