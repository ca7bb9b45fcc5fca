import Runbooks
import Testing

@Suite("Lint reports each problem on its line")
struct LintTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        var expected: [(line: Int, contains: String)]
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(
            file: "errors/unknown-attribute.md", expected: [(3, "unknown attribute 'timout'; did you mean 'timeout'?")]),
        Case(
            file: "errors/front-matter.md",
            expected: [
                (3, "severity 'P7' is not one of P0, P1, P2, P3"),
                (4, "unknown front matter key 'colour'"),
                (5, "timeout 'forever' is not a valid duration"),
                (7, "param 'count': default 'many' is not a whole number"),
                (8, "param 'target': default 'qa' is not allowed"),
                (9, "param 'path' would set $PATH"),
            ]),
        Case(
            file: "errors/steps.md",
            expected: [
                (7, "duplicate step name 'dup'; first used on line 3"),
                (7, "onFailure=goto:nowhere names no step"),
                (11, "timeout '10' is not a valid duration"),
                (11, "attempts must be a whole number from 1 to 100"),
                (15, "'params.missing' refers to undefined param 'missing'"),
                (15, "'steps.after.status' refers to step 'after', which runs later"),
                (19, "invalid 'when' expression at column 10: '=' is not an operator"),
                (23, "module 'backup' is not available"),
            ]),
        Case(file: "errors/unclosed.md", expected: [(9, "code block opened here is never closed")]),
        Case(file: "errors/bad-yaml.md", expected: [(4, "invalid YAML in front matter")]),
        Case(
            file: "errors/module-yaml.md",
            expected: [
                (3, "module 'health' is not available"), (5, "invalid YAML in module body"),
            ]),
    ]

    @Test(arguments: cases)
    func reportsEveryProblem(_ testCase: Case) {
        let diagnostics = Fixture.lint(testCase.file).diagnostics.filter { $0.severity == .error }
        #expect(diagnostics.count == testCase.expected.count, "\(diagnostics)")
        for (line, fragment) in testCase.expected {
            #expect(
                diagnostics.contains { $0.line == line && $0.message.contains(fragment) },
                "expected line \(line): \(fragment) in \(diagnostics)")
        }
    }

    @Test("the formatted diagnostic is file:line[:col]: error: message")
    func format() {
        let diagnostic = Diagnostic(line: 3, column: 15, message: "unknown attribute")
        #expect(diagnostic.formatted(path: "a.md") == "a.md:3:15: error: unknown attribute")
        #expect(Diagnostic(line: 4, message: "m").formatted(path: "b.md") == "b.md:4: error: m")
    }

    @Test("a registered module is accepted and its validator runs with file lines")
    func registeredModule() {
        let catalog = ModuleCatalog(validators: [
            "health": { body, line in
                body.contains("http:") ? [] : [Diagnostic(line: line, message: "health needs http")]
            }
        ])
        let text = "# T\n\n```yaml {module=health}\ntcp: 127.0.0.1:1\n```\n"
        let diagnostics = RunbookLinter(modules: catalog).lint(text, defaultID: "t").diagnostics
        #expect(diagnostics == [Diagnostic(line: 4, message: "health needs http")])
    }

    @Test("a backward goto is refused")
    func backwardGoto() {
        let text = "# T\n\n```sh {name=a}\ntrue\n```\n\n```sh {name=b onFailure=goto:a}\nfalse\n```\n"
        let messages = RunbookLinter().lint(text, defaultID: "t").diagnostics.map(\.message)
        #expect(messages.contains { $0.contains("must jump to a later step") })
    }

    @Test("an unclosed front matter is reported on line 1")
    func unclosedFrontMatter() {
        let result = RunbookLinter().lint("---\nid: x\n\n# Title\n", defaultID: "t")
        #expect(result.diagnostics.map(\.line) == [1])
    }

    @Test("reserved param names are refused", arguments: ["home", "IFS", "ld_preload", "firebreak_step"])
    func reservedParams(name: String) {
        let text = "---\nparams:\n  \(name): { type: string }\n---\n# T\n"
        #expect(RunbookLinter().lint(text, defaultID: "t").diagnostics.contains { $0.line == 3 })
    }

    @Test("a documentation block with attributes is a warning, not a step")
    func documentationWarning() {
        let result = RunbookLinter().lint("# T\n\n```js {name=x}\nconsole.log(1)\n```\n", defaultID: "t")
        #expect(result.runbook.steps.isEmpty)
        #expect(result.diagnostics.map(\.severity) == [.warning])
    }
}
