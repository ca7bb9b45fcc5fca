import Runbooks
import Yams

/// A problem in a module body or configuration section, at a line of the YAML it was read from (1-based).
public struct SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { message }
}

/// Reads typed values out of YAML nodes, failing with the node's line.
struct SpecReader {
    /// Added to node lines, for bodies that start inside a larger file.
    var lineOffset = 0
    /// Lint reads the body before `{{ }}` templates are filled in: a templated value is accepted as whatever it
    /// will be, and checked when the step runs.
    var lint = false

    /// Whether `node` is a value lint cannot check yet.
    func deferred(_ node: Node?) -> Bool {
        lint && (node?.scalar?.string.contains("{{") ?? false)
    }

    func fail(_ node: Node?, _ message: String) -> SpecError {
        SpecError(line: (node?.mark?.line ?? 1) + lineOffset, message)
    }

    /// Parses `text` as one YAML mapping.
    static func root(_ text: String, lineOffset: Int = 0) throws(SpecError) -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw SpecError(line: 1 + lineOffset, "the body is empty; it needs 'key: value' lines")
            }
            return node
        } catch let error as SpecError {
            throw error
        } catch let error as YamlError {
            if case .scanner(_, _, let mark, _) = error {
                throw SpecError(line: mark.line + lineOffset, "invalid YAML: \(error)")
            }
            if case .parser(_, _, let mark, _) = error {
                throw SpecError(line: mark.line + lineOffset, "invalid YAML: \(error)")
            }
            throw SpecError(line: 1 + lineOffset, "invalid YAML: \(error)")
        } catch {
            throw SpecError(line: 1 + lineOffset, "invalid YAML: \(error)")
        }
    }

    func mapping(_ node: Node, at keyPath: String, known: [String]) throws(SpecError) -> [(String, Node)] {
        guard let mapping = node.mapping else {
            throw fail(node, "'\(keyPath)' must be a mapping of 'key: value' lines")
        }
        var result: [(String, Node)] = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard known.isEmpty || known.contains(key) else {
                throw fail(keyNode, "unknown key '\(key)' in \(keyPath)\(Suggestion.didYouMean(key, in: known))")
            }
            result.append((key, value))
        }
        return result
    }

    func string(_ node: Node, at key: String) throws(SpecError) -> String {
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            throw fail(node, "'\(key)' must be a single, non-empty value")
        }
        return scalar.string
    }

    func int(_ node: Node, at key: String, minimum: Int = 0) throws(SpecError) -> Int {
        if deferred(node) { return minimum }
        let text = try string(node, at: key)
        guard let value = Int(text), value >= minimum else {
            throw fail(node, "'\(key)' must be a whole number of at least \(minimum), not '\(text)'")
        }
        return value
    }

    func double(_ node: Node, at key: String, range: ClosedRange<Double>) throws(SpecError) -> Double {
        if deferred(node) { return range.lowerBound }
        let text = try string(node, at: key).replacingOccurrences(of: "%", with: "")
        guard let value = Double(text), range.contains(value) else {
            throw fail(node, "'\(key)' must be a number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    func bool(_ node: Node, at key: String) throws(SpecError) -> Bool {
        if deferred(node) { return false }
        switch try string(node, at: key).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let text: throw fail(node, "'\(key)' must be true or false, not '\(text)'")
        }
    }

    func duration(_ node: Node, at key: String) throws(SpecError) -> Duration {
        if deferred(node) { return .seconds(1) }
        let text = try string(node, at: key)
        guard let duration = DurationParser.parse(text), duration > .zero else {
            throw fail(node, "'\(key)' is not a duration: '\(text)'; write it like 500ms, 30s, 5m or 1h")
        }
        return duration
    }

    /// A value that is run by a shell must be written out, never filled from `{{ }}` templates.
    func literalCommand(_ node: Node, at key: String) throws(SpecError) -> String {
        let text = try string(node, at: key)
        if text.contains("{{") {
            throw fail(
                node,
                "'\(key)' may not use {{ }} templates: the command runs in a shell, so values would be spliced into it; pass values through environment variables instead"
            )
        }
        return text
    }
}
