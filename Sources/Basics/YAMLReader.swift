import Foundation
import Yams

/// The error a ``YAMLReader`` throws. Each reader throws the error type its callers already throw.
public protocol YAMLReaderError: Error {
    /// An error that says `message` about the YAML at `line` of the file at `path`.
    ///
    /// - Parameters:
    ///   - path: The reader's ``YAMLReader/path``, empty when it has none.
    ///   - line: The node's line, 1-based, with the reader's ``YAMLReader/lineOffset`` added. `nil` when the node
    ///     is missing or has no position.
    init(path: String, line: Int?, message: String)
}

/// Reads typed values out of YAML nodes. Failures name the key and the node's line. `firebreak.yml` and the
/// bodies of module steps are both read with it.
public struct YAMLReader<Failure: YAMLReaderError>: Sendable {
    /// What counts as a value. `firebreak.yml` and module step bodies differ here, and their messages differ
    /// too.
    public struct Rules: Sendable, Equatable {
        /// Whether an empty value (`key: ""`) is read as an empty string rather than refused.
        public var allowsEmptyValues: Bool
        /// Whether `0s` is read as a duration rather than refused.
        public var allowsZeroDuration: Bool
        /// The examples a refused duration's message gives.
        public var durationExamples: String
        /// Whether an unknown key's message quotes the key path (`in 'server'`). Module bodies pass a
        /// description instead of a key path (`in a health check`).
        public var quotesKeyPath: Bool

        /// Creates rules.
        public init(
            allowsEmptyValues: Bool, allowsZeroDuration: Bool, durationExamples: String, quotesKeyPath: Bool
        ) {
            self.allowsEmptyValues = allowsEmptyValues
            self.allowsZeroDuration = allowsZeroDuration
            self.durationExamples = durationExamples
            self.quotesKeyPath = quotesKeyPath
        }

        /// `firebreak.yml`: empty values and `0s` are values, and key paths are quoted.
        public static var configuration: Rules {
            Rules(
                allowsEmptyValues: true, allowsZeroDuration: true, durationExamples: "30s, 5m, 1h, 1h30m, 1d or 1w",
                quotesKeyPath: true)
        }
        /// A module step's body: every key given needs a value, and durations are longer than zero.
        public static var moduleBody: Rules {
            Rules(
                allowsEmptyValues: false, allowsZeroDuration: false, durationExamples: "500ms, 30s, 5m or 1h",
                quotesKeyPath: false)
        }
    }

    /// The file the YAML was read from, for messages; empty when there is none.
    public var path: String
    /// Added to node lines, for YAML that starts inside a larger file.
    public var lineOffset: Int
    /// Lint reads a body before its `{{ }}` templates are filled in. In that mode a templated value is accepted
    /// as whatever it will be, and is checked when the step runs.
    public var lint: Bool
    /// What counts as a value.
    public var rules: Rules

    /// Creates a reader.
    public init(path: String = "", lineOffset: Int = 0, lint: Bool = false, rules: Rules = .configuration) {
        self.path = path
        self.lineOffset = lineOffset
        self.lint = lint
        self.rules = rules
    }

    /// Whether `node` is a value lint cannot check yet.
    public func deferred(_ node: Node?) -> Bool {
        lint && (node?.scalar?.string.contains("{{") ?? false)
    }

    /// An error about `node`, at its line.
    public func fail(_ node: Node?, _ message: String) -> Failure {
        Failure(path: path, line: node?.mark.map { $0.line + lineOffset }, message: message)
    }

    /// The mapping at `node`, with every key checked against `known`. An empty `known` accepts any key.
    public func mapping(_ node: Node, at keyPath: String, known: [String]) throws(Failure) -> [(String, Node)] {
        guard let mapping = node.mapping else {
            throw fail(node, "'\(keyPath)' must be a mapping of 'key: value' lines")
        }
        var result: [(String, Node)] = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard known.isEmpty || known.contains(key) else {
                let place = rules.quotesKeyPath ? "'\(keyPath)'" : keyPath
                throw fail(keyNode, "unknown key '\(key)' in \(place)\(Suggestion.didYouMean(key, in: known))")
            }
            result.append((key, value))
        }
        return result
    }

    /// A single value.
    public func string(_ node: Node, at keyPath: String) throws(Failure) -> String {
        guard case .scalar(let scalar) = node, rules.allowsEmptyValues || !scalar.string.isEmpty else {
            throw fail(
                node,
                rules.allowsEmptyValues
                    ? "'\(keyPath)' must be a single value" : "'\(keyPath)' must be a single, non-empty value")
        }
        return scalar.string
    }

    /// A list of values; a single value is a list of one.
    public func strings(_ node: Node, at keyPath: String) throws(Failure) -> [String] {
        if node.scalar != nil { return [try string(node, at: keyPath)] }
        guard let sequence = node.sequence else {
            throw fail(node, "'\(keyPath)' must be a list, like [a, b]")
        }
        var result: [String] = []
        for item in sequence { result.append(try string(item, at: keyPath)) }
        return result
    }

    /// A whole number of at least `minimum`.
    public func int(_ node: Node, at keyPath: String, minimum: Int = 0) throws(Failure) -> Int {
        if deferred(node) { return minimum }
        let text = try string(node, at: keyPath)
        guard let value = Int(text), value >= minimum else {
            throw fail(node, "'\(keyPath)' must be a whole number of at least \(minimum), not '\(text)'")
        }
        return value
    }

    /// A finite number above zero.
    public func double(_ node: Node, at keyPath: String) throws(Failure) -> Double {
        if deferred(node) { return 1 }
        let text = try string(node, at: keyPath)
        guard let value = Double(text), value > 0, value.isFinite else {
            throw fail(node, "'\(keyPath)' must be a positive number, not '\(text)'")
        }
        return value
    }

    /// A number in `range`, written with or without `%`.
    public func double(_ node: Node, at keyPath: String, range: ClosedRange<Double>) throws(Failure) -> Double {
        if deferred(node) { return range.lowerBound }
        let text = try string(node, at: keyPath).replacingOccurrences(of: "%", with: "")
        guard let value = Double(text), range.contains(value) else {
            throw fail(
                node, "'\(keyPath)' must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// `true`, `yes`, `on`, `false`, `no` or `off`, in any case.
    public func bool(_ node: Node, at keyPath: String) throws(Failure) -> Bool {
        if deferred(node) { return false }
        switch try string(node, at: keyPath).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let text: throw fail(node, "'\(keyPath)' must be true or false, not '\(text)'")
        }
    }

    /// A duration such as `30s` or `1h30m` (see ``DurationParser``).
    public func duration(_ node: Node, at keyPath: String) throws(Failure) -> Duration {
        if deferred(node) { return .seconds(1) }
        let text = try string(node, at: keyPath)
        guard let duration = DurationParser.parse(text), rules.allowsZeroDuration || duration > .zero else {
            throw fail(node, "'\(keyPath)' is not a duration: '\(text)'; write it like \(rules.durationExamples)")
        }
        return duration
    }

    /// A size such as `1MiB`, `512KiB` or a plain number of bytes.
    public func size(_ node: Node, at keyPath: String) throws(Failure) -> Int {
        if deferred(node) { return 1 }
        let text = try string(node, at: keyPath).replacingOccurrences(of: " ", with: "")
        let units: [(String, Int)] = [
            ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("GB", 1_000_000_000),
            ("MB", 1_000_000), ("KB", 1000), ("kB", 1000), ("B", 1),
        ]
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            if let number = Int(text.dropLast(suffix.count)), number > 0 { return number * factor }
        }
        if let number = Int(text), number > 0 { return number }
        throw fail(node, "'\(keyPath)' is not a size: '\(text)'; write it like 1MiB, 512KiB or 1048576")
    }
}
