import FirebreakTesting
import Foundation
import Incidents
import Runbooks
import Testing

/// Properties that hold for any input, checked on seeded random and mutated input (the seed is in each failure).
@Suite("runbook properties under hostile input")
struct RunbookPropertyTests {
    static let shipped: [String] = {
        let directory = CommandLineTool.packageRoot.appendingPathComponent("runbooks")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.sorted().compactMap {
            try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8)
        }
    }()

    @Test("lint never crashes on mutated runbooks, and every problem is on a line of the file")
    func lintSurvivesMutation() {
        #expect(Self.shipped.count >= 7)
        var generator = SeededGenerator(seed: Fuzz.seed)
        let linter = RunbookLinter()
        for iteration in 0..<Fuzz.iterations {
            let original = Self.shipped[iteration % Self.shipped.count]
            let text = Fuzz.mutate(original, using: &generator)
            let result = linter.lint(text, defaultID: "fuzz")
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            for diagnostic in result.diagnostics {
                #expect(
                    (1...(lines + 1)).contains(diagnostic.line),
                    "seed \(Fuzz.seed) case \(iteration): line \(diagnostic.line) of \(lines)")
                #expect(!diagnostic.message.isEmpty)
            }
            for step in result.runbook.steps where !result.hasErrors {
                #expect(!step.name.isEmpty, "seed \(Fuzz.seed) case \(iteration)")
            }
        }
    }

    @Test("lint never crashes on random text, front matter or attribute lines")
    func lintSurvivesRandomText() {
        var generator = SeededGenerator(seed: Fuzz.seed &+ 1)
        let linter = RunbookLinter()
        for _ in 0..<Fuzz.iterations {
            let body = Fuzz.text(length: Int.random(in: 0...2_000, using: &generator), using: &generator)
            _ = linter.lint("---\n" + body + "\n---\n# T\n", defaultID: "fuzz")
            _ = linter.lint("# T\n\n```sh {" + body + "}\ntrue\n```\n", defaultID: "fuzz")
            _ = linter.lint("# T\n\n```sh\n#| when: " + body + "\ntrue\n```\n", defaultID: "fuzz")
            _ = linter.lint(body, defaultID: "fuzz")
        }
        // A 1 MB line of each kind.
        let long = String(repeating: "a", count: 1 << 20)
        _ = linter.lint(
            "---\nid: " + long + "\n---\n# " + long + "\n\n```sh {name=" + long + "}\n" + long + "\n```\n",
            defaultID: "x")
    }

    /// A random valid expression, at most `depth` deep.
    static func expression(depth: Int, using generator: inout SeededGenerator) -> String {
        let leaves = [
            "params.target", "steps.check.exit", "incident.severity", "alert.labels.env", "true", "false",
            "\"staging\"", "'P0'", "3", "-1", "2.5", "\"a \\\" quote\"",
        ]
        guard depth > 0, Int.random(in: 0..<4, using: &generator) != 0 else {
            return leaves.randomElement(using: &generator)!
        }
        let lhs = expression(depth: depth - 1, using: &generator)
        let rhs = expression(depth: depth - 1, using: &generator)
        switch Int.random(in: 0..<5, using: &generator) {
        case 0: return "!(\(lhs))"
        case 1: return "\(lhs) && \(rhs)"
        case 2: return "\(lhs) || \(rhs)"
        case 3: return "(\(lhs))"
        default:
            let leftLeaf = leaves.randomElement(using: &generator)!
            let rightLeaf = leaves.randomElement(using: &generator)!
            return "\(leftLeaf) \(["==", "!=", "<", "<=", ">", ">="].randomElement(using: &generator)!) \(rightLeaf)"
        }
    }

    @Test("when: parse, write back and parse again gives the same expression")
    func whenRoundTrip() throws {
        var generator = SeededGenerator(seed: Fuzz.seed &+ 2)
        for iteration in 0..<Fuzz.iterations {
            let text = Self.expression(depth: 5, using: &generator)
            let parsed = try ExpressionParser.parse(text)
            let again = try ExpressionParser.parse(parsed.canonical)
            #expect(again.canonical == parsed.canonical, "seed \(Fuzz.seed) case \(iteration): \(text)")
        }
    }

    @Test("when: any text parses or fails with a column inside it")
    func whenErrors() {
        var generator = SeededGenerator(seed: Fuzz.seed &+ 3)
        for _ in 0..<(Fuzz.iterations * 5) {
            let text = Fuzz.text(length: Int.random(in: 0...300, using: &generator), using: &generator)
            do {
                _ = try ExpressionParser.parse(text)
            } catch {
                #expect(
                    (1...(text.utf8.count + 1)).contains(error.column)
                        || error.column == ExpressionParser.maxLength + 1,
                    "\(error) for \(text.debugDescription)")
            }
        }
    }

    @Test("step names: slugs are idempotent and always valid names")
    func slugs() {
        var generator = SeededGenerator(seed: Fuzz.seed &+ 5)
        for _ in 0..<(Fuzz.iterations * 5) {
            let heading = Fuzz.text(length: Int.random(in: 0...100, using: &generator), using: &generator)
            let slug = Slug.make(heading)
            #expect(Slug.make(slug) == slug, "\(heading.debugDescription)")
            #expect(slug.count <= 48)
            #expect(
                slug.isEmpty
                    || RunbookLinter().lint("# T\n\n```sh {name=\(slug)}\ntrue\n```\n", defaultID: "x").diagnostics
                        .isEmpty,
                "\(slug) is a valid step name")
        }
    }
}
