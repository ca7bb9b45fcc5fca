import Incidents
import Runbooks
import Testing

@Suite("Parsing a complete runbook")
struct ParserTests {
    let result = Fixture.lint("full.md")

    @Test("a valid runbook has no diagnostics")
    func clean() {
        #expect(result.diagnostics == [])
    }

    @Test("front matter fields are read")
    func frontMatter() {
        let runbook = result.runbook
        #expect(runbook.id == "orders-db-restore")
        #expect(runbook.title == "Restore the orders database")
        #expect(runbook.severity == .p1)
        #expect(runbook.owner == "team-dba")
        #expect(runbook.tags == ["database", "restore"])
        #expect(runbook.timeout == .seconds(1800))
        #expect(runbook.env == [EnvVar(name: "REGION", value: "eu-west-1")])
        #expect(
            runbook.triggers == [
                Trigger(
                    alertname: .exact("OrdersDBCorrupted"),
                    labels: ["service": .exact("orders"), "env": .regex("prod|staging")])
            ])
        #expect(runbook.params.map(\.name) == ["target", "token", "count"])
        #expect(runbook.param(named: "target")?.allowed == ["staging", "production"])
        #expect(runbook.param(named: "token")?.isSecret == true)
        #expect(runbook.param(named: "token")?.isRequired == true)
        #expect(runbook.param(named: "count")?.kind == .int)
        #expect(runbook.param(named: "count")?.line == 13)
    }

    @Test("steps come in document order with names, kinds and lines")
    func steps() {
        let steps = result.runbook.steps
        #expect(
            steps.map(\.name) == [
                "primary", "safety", "restore", "tell-customer-support-that-orders-are-back", "restore-2", "rollback",
            ])
        #expect(steps.map(\.kind.label) == ["sh", "python3", "bash", "manual", "zsh", "sh"])
        #expect(steps.map(\.line) == [24, 31, 44, 51, 55, 60])
    }

    @Test("brace attributes are applied")
    func braceAttributes() throws {
        let primary = try #require(result.runbook.step(named: "primary"))
        #expect(primary.attributes.attempts == 3)
        #expect(primary.attributes.backoff == .exponential)
        #expect(primary.attributes.delay == .seconds(2))
        #expect(primary.attributes.maxDelay == .seconds(10))
        #expect(primary.attributes.idempotent)
        #expect(primary.heading == "Check the primary")
        #expect(primary.kind == .shell(language: .sh, script: "curl -fsS http://127.0.0.1:8080/health"))
    }

    @Test("JSON attributes are applied and prose is kept")
    func jsonAttributes() throws {
        let safety = try #require(result.runbook.step(named: "safety"))
        #expect(safety.attributes.timeout == .seconds(300))
        #expect(safety.attributes.confirm)
        #expect(safety.prose == "Some prose for the backup.")
    }

    @Test(
        "JSON attribute escapes mean what JSON says: \\u00e9, \\r, \\b, surrogate pairs",
        arguments: [
            (#"{"name": "caf\u00e9", "approval": "a\rb"}"#, "café", "a\rb"),
            (#"{"name": "x", "approval": "tab\tbell\b"}"#, "x", "tab\tbell\u{8}"),
            (#"{"name": "emoji", "approval": "\ud83d\udd25 fire"}"#, "emoji", "🔥 fire"),
            (
                #"{"name": "q", "approval": "say \"hi\" \\ bye", "attempts": 3, "confirm": true}"#, "q",
                #"say "hi" \ bye"#
            ),
        ])
    func jsonEscapes(attributes: String, name: String, approval: String) throws {
        let text = "# T\n\n```sh \(attributes)\ntrue\n```\n"
        let parsed = RunbookParser.parse(text, defaultID: "t")
        let step = try #require(parsed.runbook.steps.first)
        #expect(step.name == name, "\(parsed.diagnostics)")
        #expect(step.attributes.approval == approval)
    }

    @Test("bad JSON attributes are a clear error")
    func badJSONAttributes() {
        let nested = RunbookParser.parse("# T\n\n```sh {\"name\": {\"a\": 1}}\ntrue\n```\n", defaultID: "t")
        #expect(
            nested.diagnostics.contains { $0.message.contains("value of \"name\" must be a string, number or bool") },
            "\(nested.diagnostics)")
        let broken = RunbookParser.parse("# T\n\n```sh {\"name\": \"x\" \"b\": 1}\ntrue\n```\n", defaultID: "t")
        #expect(broken.diagnostics.contains { $0.message.hasPrefix("invalid JSON attributes") })
    }

    @Test("#| header lines carry when and approval and are not part of the script")
    func headerLines() throws {
        let restore = try #require(result.runbook.step(named: "restore"))
        #expect(restore.attributes.whenSource == #"params.target == "staging" || incident.severity == "P0""#)
        #expect(restore.attributes.when != nil)
        #expect(restore.attributes.approval == "This overwrites the database")
        #expect(restore.attributes.onFailure == .goto("rollback"))
        #expect(restore.attributes.capture == "RESTORED_AT")
        #expect(restore.attributes.timeout == .seconds(600))
        #expect(restore.kind == .shell(language: .bash, script: "./scripts/restore.sh \"$TARGET\"\ndate -u +%FT%TZ"))
    }

    @Test("documentation blocks, skip=true blocks and checked items are not steps")
    func documentation() {
        let scripts = result.runbook.steps.compactMap { step -> String? in
            if case .shell(_, let script) = step.kind { return script }
            return nil
        }
        #expect(!scripts.contains { $0.contains("never a step") })
        #expect(!result.runbook.steps.contains { $0.name.contains("already") })
    }

    @Test("rollback steps and cwd")
    func rollback() throws {
        let rollback = try #require(result.runbook.step(named: "rollback"))
        #expect(rollback.attributes.rollback)
        #expect(rollback.attributes.cwd == "/tmp")
        #expect(rollback.attributes.onFailure == .continue)
    }

    @Test("defaults: one attempt, abort on failure, no confirm")
    func defaults() throws {
        let step = try #require(result.runbook.step(named: "restore-2"))
        #expect(step.attributes == StepAttributes())
    }
}

@Suite("Slugs")
struct SlugTests {
    @Test(arguments: [
        ("Check the primary!", "check-the-primary"),
        ("  Roll  back -- now ", "roll-back-now"),
        ("2. Restart", "step-2-restart"),
        ("!!!", ""),
    ])
    func slug(input: String, expected: String) {
        #expect(Slug.make(input) == expected)
    }
}
