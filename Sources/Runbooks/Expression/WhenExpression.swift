/// A parsed `when` expression: a small, safe language with no I/O.
///
/// Grammar (lowest precedence first):
/// ```
/// or      := and ( "||" and )*
/// and     := unary ( "&&" unary )*
/// unary   := "!" unary | compare
/// compare := primary ( ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) primary )?
/// primary := STRING | NUMBER | "true" | "false" | reference | "(" or ")"
/// ```
public indirect enum WhenExpression: Sendable, Equatable {
    case literal(Value)
    case reference(Reference)
    case not(WhenExpression)
    case and(WhenExpression, WhenExpression)
    case or(WhenExpression, WhenExpression)
    case compare(ComparisonOperator, WhenExpression, WhenExpression)

    /// Every reference in the expression, in source order.
    public var references: [Reference] {
        switch self {
        case .literal: []
        case .reference(let reference): [reference]
        case .not(let inner): inner.references
        case .and(let lhs, let rhs), .or(let lhs, let rhs), .compare(_, let lhs, let rhs):
            lhs.references + rhs.references
        }
    }

    /// A value an expression produces.
    public enum Value: Sendable, Equatable, CustomStringConvertible {
        case string(String)
        case number(Double)
        case bool(Bool)
        case missing

        /// Truthiness: `true`, non-zero numbers, and non-empty strings other than `false` and `0`.
        public var isTruthy: Bool {
            switch self {
            case .bool(let value): value
            case .number(let value): value != 0
            case .string(let value): !value.isEmpty && value != "false" && value != "0"
            case .missing: false
            }
        }

        public var description: String {
            switch self {
            case .string(let value): value
            case .number(let value):
                value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
            case .bool(let value): String(value)
            case .missing: ""
            }
        }
    }

    /// A dotted reference such as `params.target` or `steps.restore.outputs.at`.
    public struct Reference: Sendable, Equatable, CustomStringConvertible {
        /// The dotted parts, e.g. `["steps", "restore", "status"]`.
        public var path: [String]
        /// 1-based column of the reference in the expression text.
        public var column: Int

        /// Creates a reference.
        public init(path: [String], column: Int) {
            self.path = path
            self.column = column
        }

        public var description: String { path.joined(separator: ".") }
    }
}

/// A comparison operator of the `when` language.
public enum ComparisonOperator: String, Sendable, Equatable {
    case equal = "=="
    case notEqual = "!="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}

extension WhenExpression {
    /// The expression written back, fully parenthesized: parsing it gives the same expression. Lint messages and
    /// the property tests use it.
    public var canonical: String {
        switch self {
        case .literal(.string(let value)):
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                + "\""
        case .literal(let value): value.description
        case .reference(let reference): reference.description
        case .not(let inner): "!(\(inner.canonical))"
        case .and(let lhs, let rhs): "(\(lhs.canonical) && \(rhs.canonical))"
        case .or(let lhs, let rhs): "(\(lhs.canonical) || \(rhs.canonical))"
        case .compare(let op, let lhs, let rhs): "(\(lhs.canonical) \(op.rawValue) \(rhs.canonical))"
        }
    }
}

/// A syntax error in a `when` expression.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based column where the problem is.
    public var column: Int
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(column: Int, message: String) {
        self.column = column
        self.message = message
    }

    public var description: String { "column \(column): \(message)" }
}
