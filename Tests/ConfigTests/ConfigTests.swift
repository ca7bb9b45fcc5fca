import Config
import FirebreakTesting
import Foundation
import Incidents
import Modules
import Testing

@Suite("firebreak.yml")
struct ConfigTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("firebreak.example.yml")

    @Test("the shipped example parses and sets every section")
    func example() throws {
        let config = try FirebreakConfig.load(path: Self.example.path, required: true)
        #expect(config.server.maxBodyBytes == 1 << 20)
        #expect(config.server.publicURL == "https://firebreak.example.com")
        #expect(config.channels.keys.sorted() == ["audit", "incident-bus", "log", "oncall-slack", "pager"])
        #expect(
            config.channels["oncall-slack"]?.kind
                == .webhook(url: "https://hooks.slack.com/services/T000/B000/XXXX", format: .slack, headers: [:]))
        #expect(config.channels["pager"]?.kind == .command(["/usr/local/bin/page-oncall", "--team", "database"]))
        #expect(config.channels["pager"]?.timeout == .seconds(30))
        #expect(config.delivery.pollInterval == .milliseconds(250))
        #expect(config.policy.announce == ["log", "oncall-slack"])
        #expect(
            config.policy.postmortemRequiredToClose == [.p0, .p1], "P0 and P1 by default; the example also names P0")
        #expect(config.policy.policy(for: .p0).escalationPolicy == "critical")
        #expect(config.policy.policy(for: .p3).pages == false)
        let critical = try #require(config.policy.escalationPolicies["critical"])
        #expect(critical.levels.map(\.after) == [.zero, .seconds(600)])
        #expect(critical.repeat == 1)
        #expect(config.alerts.severityMap["high"] == .p2)
        #expect(config.alerts.reopenWindow == .seconds(3600))
        #expect(config.alerts.maxRunsPerWindow == 5)
        #expect(config.webhooks.grafanaSecret == "change-me")
        #expect(config.webhooks.cloudwatch.topics == ["arn:aws:sns:eu-west-1:123456789012:cw-alarms"])
        #expect(config.webhooks.cloudwatch.confirmSubscriptions == false)
        #expect(config.modules.retention == Retention(keepDays: 30, keepLast: 7))
        #expect(
            config.backupSchedules.map(\.source.description) == [
                "sqlite:/var/lib/firebreak/firebreak.db", "command:orders-pg",
            ])
        #expect(config.backupSchedules.map(\.cron.description) == ["0 2 * * *", "30 2 * * *"])
        #expect(config.backupSchedules[1].retention == Retention(keepDays: 14, keepLast: nil))
        #expect(config.backupSchedules[0].retention == Retention(keepDays: 30, keepLast: 7))
        #expect(config.modules.breaker == BreakerSettings(failures: 3, cooldown: .seconds(30), successes: 2))
        #expect(config.healthChecks.map(\.name) == ["orders-api", "orders-db", "disk", "nightly-backup"])
        #expect(config.healthChecks[0].degradedAfter == .seconds(1))
        #expect(config.healthChecks[0].retries == 2)
        #expect(config.healthChecks[1].probe == .tcp(host: "127.0.0.1", port: 5432))
        #expect(config.healthChecks[2].critical == false)
        #expect(config.healthChecks[2].probe == .disk(path: "/var/lib/firebreak", minFreePercent: 10))
        #expect(config.canaries.map(\.check.name) == ["orders-api"])
        #expect(config.canaries[0].every == .seconds(300))
        #expect(config.canaries[0].failures == 2)
    }

    @Test(
        "module sections: mistakes name the line",
        arguments: [
            (
                "backups:\n  schedules:\n    - source: sqlite:/x\n      cron: \"0 25 * * *\"\n",
                "firebreak.yml:4: 'backups.schedules.cron': hour '25' is out of range 0-23"
            ),
            ("backups:\n  schedules:\n    - source: postgres:/x\n      cron: \"@daily\"\n", "firebreak.yml:3: '"),
            (
                "health:\n  checks:\n    - name: a\n      http: http://x/\n      min_free: 5\n",
                "firebreak.yml:5: health.checks: 'min_free' does not apply to a http check"
            ),
            ("health:\n  checks:\n    - http: http://x/\n", "every check under health.checks needs a 'name'"),
            ("canaries:\n  - check: api\n", "canary check 'api' is not defined under health.checks"),
        ])
    func moduleMistakes(_ text: String, _ expected: String) {
        #expect {
            try FirebreakConfig.parse(text)
        } throws: { error in
            (error as? ConfigError)?.message.contains(expected) == true
        }
    }

    @Test("alerts: a severity list for auto_resolve, and a bad severity names the key")
    func alertSettings() throws {
        let config = try FirebreakConfig.parse("alerts:\n  auto_resolve: [P2, P3]\n  default_severity: p1\n")
        #expect(config.alerts.autoResolve == [.p2, .p3])
        #expect(config.alerts.defaultSeverity == .p1)
        do {
            _ = try FirebreakConfig.parse("alerts:\n  severity_map: {critical: P9}\n")
            Issue.record("P9 must be refused")
        } catch {
            #expect(error.description.contains("alerts.severity_map.critical"))
        }
    }

    @Test("no file gives the defaults; an explicit missing file is an error")
    func missing() throws {
        let config = try FirebreakConfig.load(path: "/nonexistent/firebreak.yml", required: false)
        #expect(config == FirebreakConfig())
        #expect(config.server.port == 8080 && config.server.rateLimit == 100 && config.server.rateBurst == 200)
        #expect(throws: ConfigError.self) {
            try FirebreakConfig.load(path: "/nonexistent/firebreak.yml", required: true)
        }
    }

    @Test(
        "mistakes name the file, the line and the fix",
        arguments: [
            ("server:\n  prot: 9000\n", "firebreak.yml:2: unknown key 'prot' in 'server'; did you mean 'port'?"),
            ("announce: [pagr]\n", "announce names channel 'pagr', which is not configured"),
            (
                "channels:\n  x:\n    type: webhook\n    url: ftp://host/\n",
                "firebreak.yml:4: 'channels.x.url' must be an http:// or https:// URL"
            ),
            ("severities:\n  P7:\n    pages: true\n", "'P7' under severities is not one of P0, P1, P2, P3"),
            (
                "delivery:\n  initial_backoff: soon\n",
                "firebreak.yml:2: 'delivery.initial_backoff' is not a duration: 'soon'"
            ),
            (
                "severities:\n  P1:\n    escalation: nightly\n",
                "severity P1 uses escalation policy 'nightly', which is not defined"
            ),
            ("server:\n  max_body: lots\n", "'server.max_body' is not a size: 'lots'"),
        ])
    func mistakes(_ text: String, _ expected: String) {
        #expect {
            try FirebreakConfig.parse(text)
        } throws: { error in
            (error as? ConfigError)?.message.contains(expected) == true
        }
    }

    @Test("an escalation policy in the file drives the engine")
    func policyDrivesEngine() throws {
        let config = try FirebreakConfig.parse(
            """
            channels:
              hook: {type: webhook, url: "http://127.0.0.1:1/hook"}
            severities:
              P0: {acknowledge_within: 0s, escalation: fast}
            escalation_policies:
              fast:
                levels:
                  - {after: 1s, notify: [hook]}
                  - {after: 2s, notify: [hook]}
            """)
        let engine = IncidentEngine(policy: config.policy)
        let start = Date(timeIntervalSince1970: 1000)
        let opened = engine.open(id: "INC-1", title: "t", severity: .p0, by: "a", at: start)
        #expect(opened.incident.escalation?.dueAt == start.addingTimeInterval(1))
        let first = try engine.escalate(opened.incident, at: start.addingTimeInterval(1))
        #expect(first.effects.contains(.notify(channels: ["hook"], event: "escalated")))
        #expect(first.incident.escalation?.dueAt == start.addingTimeInterval(3))
    }
}
