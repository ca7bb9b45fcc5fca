/// Parses `when` expressions into an ``WhenExpression``.
public struct ExpressionParser {
    private enum Token: Equatable {
        case string(String)
        case number(Double)
        case identifier(String)
        case symbol(String)
        case end
    }

    private var tokens: [(token: Token, column: Int)] = []
    private var position = 0
    private var depth = 0

    /// The longest expression accepted, in bytes.
    public static let maxLength = 4096
    /// The deepest nesting of `(` and `!` accepted.
    public static let maxDepth = 32
    /// The most `&&`, `||` and comparison operators in one expression.
    public static let maxOperators = 256

    /// Parses `text`.
    ///
    /// ```swift
    /// let expr = try ExpressionParser.parse(#"params.target == "staging" || incident.severity == "P0""#)
    /// ```
    /// - Throws: ``ExpressionError`` with the 1-based column of the problem.
    public static func parse(_ text: String) throws(ExpressionError) -> WhenExpression {
        guard text.utf8.count <= maxLength else {
            throw ExpressionError(
                column: maxLength + 1,
                message: "the expression is \(text.utf8.count) bytes long; the limit is \(maxLength). "
                    + "Compute the condition in an earlier step and test its output")
        }
        var parser = ExpressionParser()
        parser.tokens = try tokenize(text)
        let operators = parser.tokens.lazy.filter {
            if case .symbol(let symbol) = $0.token { return symbol != "(" && symbol != ")" && symbol != "!" }
            return false
        }.count
        guard operators <= maxOperators else {
            throw ExpressionError(
                column: 1,
                message: "the expression has \(operators) operators; the limit is \(maxOperators). "
                    + "Compute the condition in an earlier step and test its output")
        }
        let expression = try parser.parseOr()
        let (token, column) = parser.tokens[parser.position]
        if token != .end {
            throw ExpressionError(column: column, message: "unexpected \(describe(token)) after a complete expression")
        }
        return expression
    }

    private static func describe(_ token: Token) -> String {
        switch token {
        case .string(let value): "string \"\(value)\""
        case .number(let value): "number \(WhenExpression.Value.number(value))"
        case .identifier(let value): "'\(value)'"
        case .symbol(let value): "'\(value)'"
        case .end: "end of expression"
        }
    }

    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || byte == 95
    }

    private static func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte >= 48 && byte <= 57) || byte == 45 || byte == 46
    }

    private static func tokenize(_ text: String) throws(ExpressionError) -> [(token: Token, column: Int)] {
        let bytes = Array(text.utf8)
        var result: [(token: Token, column: Int)] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let column = index + 1
            if byte == 32 || byte == 9 {
                index += 1
                continue
            }
            if byte == 34 || byte == 39 {  // " or '
                var value: [UInt8] = []
                var cursor = index + 1
                var closed = false
                while cursor < bytes.count {
                    if bytes[cursor] == 92, cursor + 1 < bytes.count {  // backslash escape
                        value.append(bytes[cursor + 1])
                        cursor += 2
                        continue
                    }
                    if bytes[cursor] == byte {
                        closed = true
                        break
                    }
                    value.append(bytes[cursor])
                    cursor += 1
                }
                guard closed else { throw ExpressionError(column: column, message: "unterminated string") }
                result.append((.string(String(decoding: value, as: UTF8.self)), column))
                index = cursor + 1
                continue
            }
            if (byte >= 48 && byte <= 57)
                || (byte == 45 && index + 1 < bytes.count && bytes[index + 1] >= 48
                    && bytes[index + 1] <= 57)
            {
                var cursor = index + 1
                while cursor < bytes.count, (bytes[cursor] >= 48 && bytes[cursor] <= 57) || bytes[cursor] == 46 {
                    cursor += 1
                }
                let literal = String(decoding: bytes[index..<cursor], as: UTF8.self)
                guard let number = Double(literal) else {
                    throw ExpressionError(column: column, message: "invalid number '\(literal)'")
                }
                result.append((.number(number), column))
                index = cursor
                continue
            }
            if isIdentifierStart(byte) {
                var cursor = index + 1
                while cursor < bytes.count, isIdentifierPart(bytes[cursor]) { cursor += 1 }
                result.append((.identifier(String(decoding: bytes[index..<cursor], as: UTF8.self)), column))
                index = cursor
                continue
            }
            let two = index + 1 < bytes.count ? String(decoding: bytes[index...index + 1], as: UTF8.self) : ""
            if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                result.append((.symbol(two), column))
                index += 2
                continue
            }
            switch byte {
            case 60, 62, 33, 40, 41:  // < > ! ( )
                result.append((.symbol(String(UnicodeScalar(byte))), column))
                index += 1
            case 61:
                throw ExpressionError(column: column, message: "'=' is not an operator; use '==' to compare")
            case 38, 124:
                throw ExpressionError(
                    column: column, message: "'\(UnicodeScalar(byte))' is not an operator; use '&&' or '||'")
            default:
                let character = String(decoding: bytes[index...index], as: UTF8.self)
                throw ExpressionError(column: column, message: "unexpected character '\(character)'")
            }
        }
        result.append((.end, bytes.count + 1))
        return result
    }

    /// Counts one level of `(` or `!`; refuses nesting deeper than ``maxDepth`` (deep input would exhaust the stack).
    private mutating func enter() throws(ExpressionError) {
        depth += 1
        guard depth <= Self.maxDepth else {
            throw ExpressionError(
                column: tokens[position].column,
                message: "the expression nests '(' and '!' more than \(Self.maxDepth) deep; simplify it")
        }
    }

    private mutating func parseOr() throws(ExpressionError) -> WhenExpression {
        var lhs = try parseAnd()
        while tokens[position].token == .symbol("||") {
            position += 1
            lhs = .or(lhs, try parseAnd())
        }
        return lhs
    }

    private mutating func parseAnd() throws(ExpressionError) -> WhenExpression {
        var lhs = try parseUnary()
        while tokens[position].token == .symbol("&&") {
            position += 1
            lhs = .and(lhs, try parseUnary())
        }
        return lhs
    }

    private mutating func parseUnary() throws(ExpressionError) -> WhenExpression {
        if tokens[position].token == .symbol("!") {
            try enter()
            defer { depth -= 1 }
            position += 1
            return .not(try parseUnary())
        }
        return try parseComparison()
    }

    private mutating func parseComparison() throws(ExpressionError) -> WhenExpression {
        let lhs = try parsePrimary()
        if case .symbol(let symbol) = tokens[position].token, let op = ComparisonOperator(rawValue: symbol) {
            position += 1
            let rhs = try parsePrimary()
            if case .symbol(let next) = tokens[position].token, ComparisonOperator(rawValue: next) != nil {
                throw ExpressionError(
                    column: tokens[position].column,
                    message: "comparisons cannot be chained; combine them with '&&' or '||'")
            }
            return .compare(op, lhs, rhs)
        }
        return lhs
    }

    private mutating func parsePrimary() throws(ExpressionError) -> WhenExpression {
        let (token, column) = tokens[position]
        switch token {
        case .string(let value):
            position += 1
            return .literal(.string(value))
        case .number(let value):
            position += 1
            return .literal(.number(value))
        case .identifier("true"):
            position += 1
            return .literal(.bool(true))
        case .identifier("false"):
            position += 1
            return .literal(.bool(false))
        case .identifier(let name):
            position += 1
            let path = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if path.contains(where: \.isEmpty) {
                throw ExpressionError(column: column, message: "invalid reference '\(name)'")
            }
            return .reference(.init(path: path, column: column))
        case .symbol("("):
            try enter()
            defer { depth -= 1 }
            position += 1
            let inner = try parseOr()
            guard tokens[position].token == .symbol(")") else {
                throw ExpressionError(
                    column: tokens[position].column,
                    message:
                        "expected ')' to close the '(' at column \(column), found \(Self.describe(tokens[position].token))"
                )
            }
            position += 1
            return inner
        default:
            throw ExpressionError(
                column: column, message: "expected a value or reference, found \(Self.describe(token))")
        }
    }
}
