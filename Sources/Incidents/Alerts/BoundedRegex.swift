import Foundation

/// A regular expression whose every match has a time budget.
///
/// Patterns come from runbooks and the configuration, and a backtracking engine can take exponential time on a
/// pattern such as `(a+)+$` against `aaaa…a!`. A pattern is only refused where the engine would refuse it; the
/// time a match may take is bounded instead, through ICU's progress callback (`.reportProgress`), which the
/// engine calls every few thousand steps. A match that runs out of budget is reported as ``Outcome/timedOut``,
/// never as a match.
public struct BoundedRegex: @unchecked Sendable {
    // @unchecked: NSRegularExpression is immutable after creation and documented as safe to share across threads.
    private let expression: NSRegularExpression

    /// The pattern as written.
    public let pattern: String

    /// The budget of one match unless a caller gives another: far above any sane pattern, far below a stall.
    public static let defaultBudget: Duration = .milliseconds(50)

    /// The outcome of one whole-value match.
    public enum Outcome: Sendable, Equatable {
        case match
        case noMatch
        case timedOut
    }

    /// Compiles `pattern` (ICU syntax); it must match a whole value.
    /// - Throws: the engine's error for a pattern that does not compile.
    public init(_ pattern: String) throws {
        self.pattern = pattern
        // `(?:…)\z` with an anchored search: the match must span the whole value, so that `prod|prod-eu` matches
        // `prod-eu` (the engine backtracks into the second alternative instead of stopping at `prod`).
        self.expression = try NSRegularExpression(pattern: "(?:" + pattern + ")\\z")
    }

    /// Whether `pattern` compiles.
    public static func isValid(_ pattern: String) -> Bool {
        (try? BoundedRegex(pattern)) != nil
    }

    /// Matches the whole of `value` within `budget`.
    public func wholeMatch(_ value: String, budget: Duration = BoundedRegex.defaultBudget) -> Outcome {
        let range = NSRange(value.startIndex..., in: value)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: budget)
        var outcome = Outcome.noMatch
        expression.enumerateMatches(in: value, options: [.anchored, .reportProgress], range: range) { result, _, stop in
            if let result {
                outcome = result.range == range ? .match : .noMatch
                stop.pointee = true
            } else if clock.now >= deadline {
                outcome = .timedOut
                stop.pointee = true
            }
        }
        return outcome
    }
}
