import Basics
import Incidents
import Yams

/// Reads the YAML front matter into the runbook's fields, reporting problems by file line.
struct FrontMatterParser {
    static let knownKeys = [
        "id", "title", "description", "severity", "owner", "tags", "triggers", "env", "timeout",
        "params",
    ]
    static let paramKeys = ["type", "default", "allowed", "pattern", "required", "secret", "description"]
    static let triggerKeys = ["alertname", "labels", "severity", "source", "params"]

    /// File line of the first YAML line.
    let firstLine: Int
    var diagnostics: [Diagnostic] = []

    init(firstLine: Int) {
        self.firstLine = firstLine
    }

    private func line(of node: Node?) -> Int {
        guard let mark = node?.mark else { return firstLine }
        return firstLine + mark.line - 1
    }

    private mutating func error(_ node: Node?, _ message: String) {
        diagnostics.append(Diagnostic(line: line(of: node), message: message))
    }

    /// Applies the YAML text to `runbook`.
    mutating func apply(_ yaml: String, to runbook: inout Runbook) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            diagnostics.append(Self.diagnostic(for: error, firstLine: firstLine, context: "front matter"))
            return
        } catch {
            diagnostics.append(Diagnostic(line: firstLine, message: "invalid YAML in front matter: \(error)"))
            return
        }
        guard let root else { return }
        guard let mapping = root.mapping else {
            error(root, "front matter must be a YAML mapping of 'key: value' lines")
            return
        }
        for (keyNode, value) in mapping {
            let key = keyNode.string ?? ""
            switch key {
            case "id":
                if let id = scalar(value, key) { runbook.id = id }
            case "title":
                if let title = scalar(value, key) { runbook.title = title }
            case "description":
                _ = scalar(value, key)
            case "owner":
                runbook.owner = scalar(value, key)
            case "severity":
                guard let text = scalar(value, key) else { break }
                if let severity = Severity(parsing: text) {
                    runbook.severity = severity
                } else {
                    error(value, "severity '\(text)' is not one of P0, P1, P2, P3")
                }
            case "tags":
                runbook.tags = stringList(value, key) ?? []
            case "timeout":
                guard let text = scalar(value, key) else { break }
                if let duration = DurationParser.parse(text) {
                    runbook.timeout = duration
                } else {
                    error(value, Self.durationMessage(key: "timeout", value: text))
                }
            case "env":
                guard let pairs = value.mapping else {
                    error(value, "'env' must be a mapping of NAME: value")
                    break
                }
                for (name, envValue) in pairs {
                    let envName = name.string ?? ""
                    if !Self.isEnvironmentName(envName) {
                        error(name, "env name '\(envName)' is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)")
                    }
                    runbook.env.append(EnvVar(name: envName, value: envValue.string ?? ""))
                }
            case "params":
                parseParams(value, into: &runbook)
            case "triggers":
                parseTriggers(value, into: &runbook)
            default:
                error(keyNode, "unknown front matter key '\(key)'\(Suggestion.didYouMean(key, in: Self.knownKeys))")
            }
        }
    }

    private mutating func scalar(_ node: Node, _ key: String) -> String? {
        guard let scalar = node.scalar else {
            error(node, "'\(key)' must be a single value")
            return nil
        }
        return scalar.string
    }

    private mutating func stringList(_ node: Node, _ key: String) -> [String]? {
        if let sequence = node.sequence {
            return sequence.compactMap { $0.scalar?.string }
        }
        if let text = node.scalar?.string {
            return text.split(separator: ",").map { String($0).trimmed() }
        }
        error(node, "'\(key)' must be a list")
        return nil
    }

    private mutating func parseParams(_ node: Node, into runbook: inout Runbook) {
        guard let params = node.mapping else {
            error(node, "'params' must be a mapping of name: { type, default, … }")
            return
        }
        for (nameNode, spec) in params {
            let name = nameNode.string ?? ""
            var param = Param(name: name, line: line(of: nameNode))
            if let text = spec.scalar?.string {
                param.defaultValue = text  // shorthand `name: default`
                runbook.params.append(param)
                continue
            }
            guard let fields = spec.mapping else {
                error(spec, "param '\(name)' must be a mapping such as { type: string, default: x }")
                continue
            }
            for (fieldNode, value) in fields {
                let field = fieldNode.string ?? ""
                switch field {
                case "type":
                    let text = value.string ?? ""
                    if let kind = Param.Kind(rawValue: text) {
                        param.kind = kind
                    } else {
                        error(value, "param '\(name)': type '\(text)' is not one of string, int, bool")
                    }
                case "default": param.defaultValue = value.string
                case "allowed": param.allowed = stringList(value, "allowed")
                case "pattern": param.pattern = value.string
                case "required": param.isRequired = boolean(value, "required")
                case "secret": param.isSecret = boolean(value, "secret")
                case "description": param.summary = value.string
                default:
                    error(
                        fieldNode,
                        "param '\(name)': unknown key '\(field)'\(Suggestion.didYouMean(field, in: Self.paramKeys))")
                }
            }
            runbook.params.append(param)
        }
    }

    private mutating func boolean(_ node: Node, _ key: String) -> Bool {
        switch node.string {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error(node, "'\(key)' must be true or false")
            return false
        }
    }

    private mutating func parseTriggers(_ node: Node, into runbook: inout Runbook) {
        guard let list = node.sequence else {
            error(node, "'triggers' must be a list of matchers such as '- alertname: HighLatency'")
            return
        }
        for item in list {
            guard let fields = item.mapping else {
                error(item, "each trigger must be a mapping such as '{ alertname: X, labels: { env: prod } }'")
                continue
            }
            var trigger = Trigger()
            for (fieldNode, value) in fields {
                let field = fieldNode.string ?? ""
                switch field {
                case "alertname":
                    trigger.alertname = matcher(value)
                case "labels":
                    guard let labels = value.mapping else {
                        error(value, "trigger 'labels' must be a mapping of label: value")
                        continue
                    }
                    for (label, labelValue) in labels {
                        trigger.labels[label.string ?? ""] = matcher(labelValue)
                    }
                case "severity":
                    let text = value.string ?? ""
                    if let severity = Severity(parsing: text) {
                        trigger.severity = severity
                    } else {
                        error(value, "trigger severity '\(text)' is not one of P0, P1, P2, P3")
                    }
                case "source":
                    trigger.source = value.string
                case "params":
                    guard let params = value.mapping else {
                        error(
                            value,
                            "trigger 'params' must map param names to templates, like {database: \"{{ alert.labels.db }}\"}"
                        )
                        continue
                    }
                    for (name, template) in params {
                        let text = template.string ?? ""
                        if case .failure(let problem) = ParamTemplate.references(in: text) {
                            error(template, "trigger param '\(name.string ?? "")': \(problem.message)")
                        }
                        trigger.params[name.string ?? ""] = text
                    }
                default:
                    error(
                        fieldNode,
                        "unknown trigger key '\(field)'\(Suggestion.didYouMean(field, in: Self.triggerKeys))")
                }
            }
            runbook.triggers.append(trigger)
        }
    }

    private mutating func matcher(_ node: Node) -> Matcher {
        let matcher = Matcher(node.string ?? "")
        if case .regex(let pattern) = matcher, !BoundedRegex.isValid(pattern) {
            error(node, "invalid regular expression '~\(pattern)'")
        }
        return matcher
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == 95 || (first | 0x20 >= 97 && first | 0x20 <= 122) else {
            return false
        }
        return name.utf8.allSatisfy { $0 == 95 || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) }
    }

    static func durationMessage(key: String, value: String) -> String {
        "\(key) '\(value)' is not a valid duration; write it like 500ms, 30s, 10m, 1h or 1h30m"
    }

    /// A diagnostic for a Yams error in YAML that starts on `firstLine`.
    static func diagnostic(for error: YamlError, firstLine: Int, context: String) -> Diagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return Diagnostic(
                line: firstLine + mark.line - 1, column: mark.column,
                message: "invalid YAML in \(context): \(problem)")
        default:
            return Diagnostic(line: firstLine, message: "invalid YAML in \(context): \(error)")
        }
    }
}
