import Foundation

/// An alert matcher from a runbook's front matter `triggers` list; all keys are ANDed.
public struct Trigger: Sendable, Equatable {
    /// Exact or `~regex` match on the alert name.
    public var alertname: Matcher?
    /// Label matchers.
    public var labels: [String: Matcher]
    /// Optional severity the alert must have.
    public var severity: Severity?
    /// Optional alert source (alertmanager, grafana, cloudwatch, pagerduty, generic).
    public var source: String?

    /// Creates a trigger.
    public init(
        alertname: Matcher? = nil, labels: [String: Matcher] = [:], severity: Severity? = nil, source: String? = nil
    ) {
        self.alertname = alertname
        self.labels = labels
        self.severity = severity
        self.source = source
    }

    /// Whether `alert`, whose mapped severity is `severity`, matches every key. A missing label never matches.
    public func matches(_ alert: Alert, severity mapped: Severity) -> Bool {
        if let source, source != alert.source { return false }
        if let severity, severity != mapped { return false }
        if let alertname, !alertname.matches(alert.name) { return false }
        for (label, matcher) in labels {
            guard let value = alert.labels[label], matcher.matches(value) else { return false }
        }
        return true
    }
}

/// A value matcher: an exact string, or a regular expression written `~pattern` that must match the whole value.
public enum Matcher: Sendable, Equatable, CustomStringConvertible {
    case exact(String)
    case regex(String)

    /// Parses `~pattern` as a regex and anything else as an exact value.
    public init(_ text: String) {
        if text.hasPrefix("~") {
            self = .regex(String(text.dropFirst()))
        } else {
            self = .exact(text)
        }
    }

    /// Whether `value` matches. An invalid pattern (lint reports it) matches nothing.
    public func matches(_ value: String) -> Bool {
        switch self {
        case .exact(let expected):
            return value == expected
        case .regex(let pattern):
            guard let compiled = Self.compiled(pattern) else { return false }
            let range = NSRange(value.startIndex..., in: value)
            guard let match = compiled.firstMatch(in: value, options: [.anchored], range: range) else { return false }
            return match.range == range
        }
    }

    private static let cache = RegexCache()

    private static func compiled(_ pattern: String) -> NSRegularExpression? {
        cache.expression(for: pattern)
    }

    public var description: String {
        switch self {
        case .exact(let value): value
        case .regex(let pattern): "~" + pattern
        }
    }
}

/// Compiled patterns, shared: routing matches the same few patterns against every alert.
private final class RegexCache: @unchecked Sendable {
    private let lock = NSLock()
    private var expressions: [String: NSRegularExpression?] = [:]

    func expression(for pattern: String) -> NSRegularExpression? {
        lock.lock()
        defer { lock.unlock() }
        if let known = expressions[pattern] { return known }
        // `(?:…)` so that an alternation such as `prod|staging` is anchored as a whole.
        let expression = try? NSRegularExpression(pattern: "(?:" + pattern + ")")
        expressions[pattern] = expression
        return expression
    }
}
