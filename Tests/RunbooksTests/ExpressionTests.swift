import Runbooks
import Testing

@Suite("The when language")
struct ExpressionTests {
    let context = DictionaryContext([
        "params.target": .string("staging"),
        "params.count": .string("10"),
        "incident.severity": .string("P0"),
        "steps.check.exit": .number(0),
        "steps.check.status": .string("succeeded"),
    ])

    func evaluate(_ text: String) throws -> Bool {
        try ExpressionParser.parse(text).isTrue(in: context)
    }

    @Test(arguments: [
        (#"params.target == "staging""#, true),
        (#"params.target != "staging""#, false),
        (#"params.count > 9"#, true),  // numeric, not text ("10" < "9" as text)
        (#"params.count <= 10 && params.count >= 10"#, true),
        (#"!(params.target == "production")"#, true),
        (#"steps.check.exit == 0"#, true),
        (#"params.unknown == "x""#, false),
        (#"params.unknown"#, false),
        (#"true && false || true"#, true),  // && binds tighter than ||
        (#"false || true && false"#, false),
        (#"!false && !false"#, true),
        (#"'single' == "single""#, true),
        (#"params.target == "staging" || incident.severity == "P0""#, true),
        (#"(false || true) && false"#, false),
        (#"-1 < 0"#, true),
        (#""abc" < "abd""#, true),
    ])
    func evaluates(text: String, expected: Bool) throws {
        #expect(try evaluate(text) == expected)
    }

    @Test("precedence builds the expected tree")
    func precedence() throws {
        let tree = try ExpressionParser.parse("a || b && !c")
        let a = WhenExpression.reference(.init(path: ["a"], column: 1))
        let b = WhenExpression.reference(.init(path: ["b"], column: 6))
        let c = WhenExpression.reference(.init(path: ["c"], column: 12))
        #expect(tree == .or(a, .and(b, .not(c))))
    }

    @Test(
        "errors carry the column",
        arguments: [
            ("params.x = 1", 10, "'=' is not an operator"),
            ("params.x == ", 13, "expected a value"),
            ("(a == b", 8, "expected ')'"),
            (#""open"#, 1, "unterminated string"),
            ("a == b == c", 8, "cannot be chained"),
            ("a & b", 3, "use '&&' or '||'"),
            ("a b", 3, "unexpected 'b'"),
            ("a == $x", 6, "unexpected character '$'"),
        ])
    func errors(text: String, column: Int, fragment: String) {
        #expect {
            try ExpressionParser.parse(text)
        } throws: { error in
            guard let error = error as? ExpressionError else { return false }
            return error.column == column && error.message.contains(fragment)
        }
    }

    @Test("references are listed with their columns")
    func references() throws {
        let expression = try ExpressionParser.parse(#"steps.my-step.outputs.k == "x" && env.HOME"#)
        #expect(expression.references.map(\.description) == ["steps.my-step.outputs.k", "env.HOME"])
        #expect(expression.references.map(\.column) == [1, 35])
    }
}
