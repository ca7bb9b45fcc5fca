import Foundation
import Incidents
import Runbooks
import Testing

/// Input built to hurt: deep nesting, pathological patterns, thousands of steps. Each case once crashed the
/// process (stack overflow), hung it (regex backtracking) or took quadratic time.
@Suite("hostile runbooks")
struct HostileInputTests {
    func lint(_ text: String) -> RunbookParser.Result {
        RunbookLinter().lint(text, defaultID: "hostile")
    }

    func whenRunbook(_ expression: String, onFence: Bool) -> String {
        onFence
            ? "# X\n\n```sh {when=\"\(expression)\"}\ntrue\n```\n"
            : "# X\n\n```sh\n#| when: \(expression)\ntrue\n```\n"
    }

    @Test(
        "deep or long 'when' expressions are refused with a clear error, never a crash",
        arguments: [
            (String(repeating: "(", count: 18_000) + "true" + String(repeating: ")", count: 18_000), "4096"),
            (Array(repeating: "true", count: 87_000).joined(separator: " || "), "4096"),
            (String(repeating: "!", count: 105_000) + "true", "4096"),
            (String(repeating: "(", count: 40) + "true" + String(repeating: ")", count: 40), "more than 32 deep"),
            (String(repeating: "!", count: 40) + "true", "more than 32 deep"),
            (Array(repeating: "true", count: 301).joined(separator: "&&"), "300 operators"),
        ] as [(String, String)], [true, false])
    func deepExpressions(input: (expression: String, message: String), onFence: Bool) {
        let (expression, message) = input
        let result = lint(whenRunbook(expression, onFence: onFence))
        let errors = result.diagnostics.filter { $0.severity == .error }
        #expect(errors.count == 1)
        #expect(errors.first?.message.contains(message) == true, "\(errors.first?.message.prefix(200) ?? "")")
        // The message quotes at most 80 characters of the expression.
        #expect((errors.first?.message.count ?? 0) < 400)
    }

    @Test("an expression at the limits still parses and evaluates")
    func atTheLimits() throws {
        let nested = String(repeating: "(", count: 31) + "true" + String(repeating: ")", count: 31)
        #expect(try ExpressionParser.parse(nested).isTrue(in: DictionaryContext([:])))
        let wide = Array(repeating: "false", count: 256).joined(separator: " || ") + " || true"
        #expect(try ExpressionParser.parse(wide).isTrue(in: DictionaryContext([:])))
    }

    @Test("a pattern that backtracks without limit is stopped within its budget, in lint and in routing")
    func catastrophicBacktracking() throws {
        let text = """
            ---
            params:
              p: {type: string, pattern: "(a+)+$", default: "\(String(repeating: "a", count: 40))!"}
            ---
            # X

            ```sh
            true
            ```
            """
        let started = ContinuousClock.now
        let result = lint(text)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(result.diagnostics.contains { $0.message.contains("took over") && $0.message.contains("(a+)+") })

        let regex = try BoundedRegex("(a+)+$")
        #expect(regex.wholeMatch(String(repeating: "a", count: 40) + "!") == .timedOut)
        #expect(regex.wholeMatch("aaaa") == .match)
        #expect(regex.wholeMatch("b") == .noMatch)
        // The whole value: an alternation whose first branch is a prefix still matches through the second.
        #expect(try BoundedRegex("prod|prod-eu").wholeMatch("prod-eu") == .match)
        #expect(try BoundedRegex("prod|prod-eu").wholeMatch("prod-eu-2") == .noMatch)
        #expect(try BoundedRegex("a|ab").wholeMatch("ab") == .match)
        let trigger = Trigger(labels: ["host": Matcher("~(a+)+$")])
        let alert = Alert(
            source: "generic", key: "k", status: .firing, name: "X",
            labels: ["host": String(repeating: "a", count: 40) + "!"])
        #expect(!trigger.matches(alert, severity: .p2))
    }

    @Test("10,000 steps under one heading get the same names as before, in linear time")
    func manyStepsUnderOneHeading() {
        let text = "# Restart\n\n" + String(repeating: "```sh\ntrue\n```\n\n", count: 10_000)
        let result = lint(text)
        let names = result.runbook.steps.map(\.name)
        #expect(names.count == 10_000)
        #expect(names.prefix(3) == ["restart", "restart-2", "restart-3"])
        #expect(names.last == "restart-10000")
        #expect(Set(names).count == names.count)
    }

    @Test("an explicit name in the way is skipped by the generated ones")
    func explicitNamesStayTaken() {
        let text =
            "# Restart\n\n```sh {name=restart-2}\ntrue\n```\n\n```sh\ntrue\n```\n\n```sh\ntrue\n```\n\n```sh\ntrue\n```\n"
        #expect(lint(text).runbook.steps.map(\.name) == ["restart-2", "restart", "restart-3", "restart-4"])
    }

    @Test("a 1 MB line and a front matter nested 100,000 deep are errors, not crashes")
    func hugeInput() {
        let long = lint("# X\n\n```sh {name=" + String(repeating: "a", count: 1 << 20) + "}\ntrue\n```\n")
        #expect(long.runbook.steps.count == 1)
        let nested = lint(
            "---\ntags: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
                + "\n---\n# X\n")
        #expect(nested.diagnostics.contains { $0.message.contains("invalid YAML") })
    }
}

@Suite("trigger params and reserved names")
struct TriggerParamTests {
    static let restore = """
        ---
        id: database-restore
        triggers:
          - alertname: DatabaseCorrupted
            params: {database: "{{ alert.labels.db }}"}
          - alertname: DiskGone
        params:
          database: {type: string, required: true}
        ---
        # Restore

        ```sh
        echo "$DATABASE"
        ```
        """

    @Test("a trigger that does not fill a required param is a lint error; one that does is fine")
    func requiredParams() {
        let result = RunbookLinter().lint(Self.restore, defaultID: "x")
        let errors = result.diagnostics.filter { $0.severity == .error }.map(\.message)
        #expect(errors.count == 1)
        #expect(
            errors.first?.contains(
                "trigger 2 (alertname: DiskGone) starts this runbook without its required param 'database'") == true)
    }

    @Test("params are rendered from the alert; a missing label leaves the param out")
    func rendering() throws {
        let trigger = try #require(RunbookLinter().lint(Self.restore, defaultID: "x").runbook.triggers.first)
        let alert = Alert(
            source: "alertmanager", key: "k", status: .firing, name: "DatabaseCorrupted",
            labels: ["db": "/srv/app.db"])
        #expect(trigger.params(for: alert) == ["database": "/srv/app.db"])
        var bare = alert
        bare.labels = [:]
        #expect(trigger.params(for: bare) == [:])
    }

    @Test(
        "bad templates and unknown params are lint errors",
        arguments: [
            ("{{ labels.db }}", "must refer to the alert"),
            ("{{ alert.nope }}", "the alert has name"),
            ("{{ alert.labels.db", "without a closing"),
        ])
    func badTemplates(template: String, message: String) {
        let text = Self.restore.replacingOccurrences(of: "{{ alert.labels.db }}", with: template)
        let messages = RunbookLinter().lint(text, defaultID: "x").diagnostics.map(\.message)
        #expect(messages.contains { $0.contains(message) }, "\(messages)")
    }

    @Test("capture=path would replace $PATH in later steps and is refused by lint")
    func reservedCapture() {
        let text = "# X\n\n```sh {capture=path}\necho /tmp\n```\n"
        let messages = RunbookLinter().lint(text, defaultID: "x").diagnostics.map(\.message)
        #expect(messages.contains { $0.contains("capture=path would set $PATH") }, "\(messages)")
        #expect(RunbookLinter.isReserved("ld_preload"))
        #expect(RunbookLinter.isReserved("alert_name"))
        #expect(!RunbookLinter.isReserved("pathname"))
    }
}
