/// Values that `when` references resolve against.
public protocol ExpressionContext {
    /// The value of a dotted reference, or `nil` when it does not exist.
    func value(for path: [String]) -> WhenExpression.Value?
}

extension WhenExpression {
    /// Evaluates the expression; a reference the context does not know is `missing`.
    public func evaluate(in context: some ExpressionContext) -> Value {
        switch self {
        case .literal(let value):
            return value
        case .reference(let reference):
            return context.value(for: reference.path) ?? .missing
        case .not(let inner):
            return .bool(!inner.evaluate(in: context).isTruthy)
        case .and(let lhs, let rhs):
            return .bool(lhs.evaluate(in: context).isTruthy && rhs.evaluate(in: context).isTruthy)
        case .or(let lhs, let rhs):
            return .bool(lhs.evaluate(in: context).isTruthy || rhs.evaluate(in: context).isTruthy)
        case .compare(let op, let lhs, let rhs):
            return .bool(Self.compare(op, lhs.evaluate(in: context), rhs.evaluate(in: context)))
        }
    }

    /// Whether the expression holds in `context`.
    public func isTrue(in context: some ExpressionContext) -> Bool {
        evaluate(in: context).isTruthy
    }

    private static func number(_ value: Value) -> Double? {
        switch value {
        case .number(let number): number
        case .string(let text): Double(text)
        case .bool, .missing: nil
        }
    }

    private static func compare(_ op: ComparisonOperator, _ lhs: Value, _ rhs: Value) -> Bool {
        // Numbers compare numerically when both sides read as numbers ("10" > 9 is true);
        // everything else compares as text, so `steps.x.exit == 0` works on stored text.
        let ordering: Int
        if let left = number(lhs), let right = number(rhs) {
            ordering = left < right ? -1 : (left > right ? 1 : 0)
        } else {
            let left = lhs.description
            let right = rhs.description
            ordering = left < right ? -1 : (left > right ? 1 : 0)
        }
        switch op {
        case .equal: return ordering == 0
        case .notEqual: return ordering != 0
        case .less: return ordering < 0
        case .lessOrEqual: return ordering <= 0
        case .greater: return ordering > 0
        case .greaterOrEqual: return ordering >= 0
        }
    }
}

/// A dictionary-backed context: keys are dotted paths such as `params.target`.
public struct DictionaryContext: ExpressionContext, Sendable {
    /// Values by dotted path.
    public var values: [String: WhenExpression.Value]

    /// Creates a context.
    public init(_ values: [String: WhenExpression.Value] = [:]) {
        self.values = values
    }

    public func value(for path: [String]) -> WhenExpression.Value? {
        values[path.joined(separator: ".")]
    }
}
