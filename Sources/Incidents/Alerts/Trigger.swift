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
    /// Param values for the runs it starts, as templates over the alert (`{{ alert.labels.db }}`); see
    /// ``ParamTemplate``. The values reach shell steps only as environment variables, like any param.
    public var params: [String: String]

    /// Creates a trigger.
    public init(
        alertname: Matcher? = nil, labels: [String: Matcher] = [:], severity: Severity? = nil, source: String? = nil,
        params: [String: String] = [:]
    ) {
        self.alertname = alertname
        self.labels = labels
        self.severity = severity
        self.source = source
        self.params = params
    }

    /// The params this trigger gives a run for `alert`. A param whose template refers to something the alert does
    /// not carry is left out, so the runbook's default applies, or the run is refused with the param named.
    public func params(for alert: Alert) -> [String: String] {
        guard !params.isEmpty else { return [:] }
        let context = alert.context
        var values: [String: String] = [:]
        for (name, template) in params {
            if let value = ParamTemplate.render(template, context: context) { values[name] = value }
        }
        return values
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

/// A trigger's param template: text with `{{ alert.FIELD }}` placeholders, where FIELD is `name`, `status`,
/// `source`, `key`, `severity`, `summary`, `url`, `labels.KEY` or `annotations.KEY`.
public enum ParamTemplate {
    /// The fields a placeholder may name, besides `labels.KEY` and `annotations.KEY`.
    public static let fields = ["name", "status", "source", "key", "severity", "summary", "url"]

    /// The alert fields `template` refers to (`labels.db`), or a description of the first bad placeholder.
    public static func references(in template: String) -> Result<[String], TemplateError> {
        var result: [String] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                return .failure(TemplateError(message: "'{{' without a closing '}}' in '\(template)'"))
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard inner.hasPrefix("alert.") else {
                return .failure(
                    TemplateError(message: "'{{ \(inner) }}' must refer to the alert, like {{ alert.labels.db }}"))
            }
            let field = String(inner.dropFirst(6))
            let parts = field.split(separator: ".", maxSplits: 1)
            let valid =
                fields.contains(field)
                || (parts.count == 2 && (parts[0] == "labels" || parts[0] == "annotations") && !parts[1].isEmpty)
            guard valid else {
                return .failure(
                    TemplateError(
                        message:
                            "'{{ \(inner) }}': the alert has \(fields.joined(separator: ", ")), labels.KEY and annotations.KEY"
                    ))
            }
            result.append(field)
            rest = rest[close.upperBound...]
        }
        return .success(result)
    }

    /// `template` with its placeholders filled from `context` (``Alert/context``), or `nil` when one refers to
    /// something missing.
    public static func render(_ template: String, context: [String: String]) -> String? {
        var output = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            output += rest[..<open.lowerBound]
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard inner.hasPrefix("alert."), let value = context[String(inner.dropFirst(6))] else { return nil }
            output += value
            rest = rest[close.upperBound...]
        }
        return output + rest
    }

    /// A template that cannot be used.
    public struct TemplateError: Error, Sendable, Equatable {
        public var message: String
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

    /// Whether `value` matches. An invalid pattern (lint reports it) matches nothing, and so does a match that
    /// runs out of its time budget (see ``BoundedRegex``): one hostile pattern must not stall alert ingest.
    public func matches(_ value: String) -> Bool {
        switch self {
        case .exact(let expected):
            return value == expected
        case .regex(let pattern):
            guard let compiled = Self.cache.expression(for: pattern) else { return false }
            return compiled.wholeMatch(value) == .match
        }
    }

    private static let cache = RegexCache()

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
    private var expressions: [String: BoundedRegex?] = [:]

    func expression(for pattern: String) -> BoundedRegex? {
        lock.lock()
        defer { lock.unlock() }
        if let known = expressions[pattern] { return known }
        let expression = try? BoundedRegex(pattern)
        expressions[pattern] = expression
        return expression
    }
}
