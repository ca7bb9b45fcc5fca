import Runbooks
import Yams

/// Reads typed values out of a YAML node, failing with `path:line:` and the key path.
struct YAMLReader {
    let path: String

    func fail(_ node: Node?, _ message: String) -> ConfigError {
        let line = node?.mark.map { ":\($0.line)" } ?? ""
        return ConfigError("\(path)\(line): \(message)")
    }

    /// The mapping at `node`, with every key checked against `known`.
    func mapping(_ node: Node, at keyPath: String, known: [String]) throws(ConfigError) -> [(String, Node)] {
        guard let mapping = node.mapping else {
            throw fail(node, "'\(keyPath)' must be a mapping of 'key: value' lines")
        }
        var result: [(String, Node)] = []
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            guard known.isEmpty || known.contains(key) else {
                throw fail(keyNode, "unknown key '\(key)' in '\(keyPath)'\(Suggestion.didYouMean(key, in: known))")
            }
            result.append((key, value))
        }
        return result
    }

    func string(_ node: Node, at keyPath: String) throws(ConfigError) -> String {
        guard case .scalar(let scalar) = node else {
            throw fail(node, "'\(keyPath)' must be a single value")
        }
        return scalar.string
    }

    func strings(_ node: Node, at keyPath: String) throws(ConfigError) -> [String] {
        if case .scalar(let scalar) = node { return [scalar.string] }
        guard let sequence = node.sequence else {
            throw fail(node, "'\(keyPath)' must be a list, like [a, b]")
        }
        var result: [String] = []
        for item in sequence { result.append(try string(item, at: keyPath)) }
        return result
    }

    func int(_ node: Node, at keyPath: String, minimum: Int = 0) throws(ConfigError) -> Int {
        let text = try string(node, at: keyPath)
        guard let value = Int(text), value >= minimum else {
            throw fail(node, "'\(keyPath)' must be a whole number of at least \(minimum), not '\(text)'")
        }
        return value
    }

    func double(_ node: Node, at keyPath: String) throws(ConfigError) -> Double {
        let text = try string(node, at: keyPath)
        guard let value = Double(text), value > 0, value.isFinite else {
            throw fail(node, "'\(keyPath)' must be a positive number, not '\(text)'")
        }
        return value
    }

    func bool(_ node: Node, at keyPath: String) throws(ConfigError) -> Bool {
        switch try string(node, at: keyPath).lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        case let text: throw fail(node, "'\(keyPath)' must be true or false, not '\(text)'")
        }
    }

    func duration(_ node: Node, at keyPath: String) throws(ConfigError) -> Duration {
        let text = try string(node, at: keyPath)
        guard let duration = DurationParser.parse(text) else {
            throw fail(node, "'\(keyPath)' is not a duration: '\(text)'; write it like 30s, 5m, 1h or 1h30m")
        }
        return duration
    }

    /// A size such as `1MiB`, `512KiB` or a plain number of bytes.
    func size(_ node: Node, at keyPath: String) throws(ConfigError) -> Int {
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
