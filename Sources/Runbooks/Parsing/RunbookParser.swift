import Basics
import Yams

/// Parses Markdown runbooks into ``Runbook`` values, collecting every problem with its line.
public enum RunbookParser {
    /// A parsed runbook and the problems found while parsing it.
    public struct Result: Sendable {
        /// The best-effort runbook; trust it only when `diagnostics` has no errors.
        public var runbook: Runbook
        /// Problems by line, in file order.
        public var diagnostics: [Diagnostic]

        /// Whether any diagnostic is an error.
        public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    }

    /// Parses runbook text.
    ///
    /// ```swift
    /// let result = RunbookParser.parse(text, defaultID: "restore-db")
    /// for step in result.runbook.steps { print(step.name) }
    /// ```
    /// - Parameters:
    ///   - text: The whole Markdown file.
    ///   - defaultID: The id when the front matter has none (usually the file name).
    public static func parse(_ text: String, defaultID: String) -> Result {
        var diagnostics: [Diagnostic] = []
        let lines = BlockScanner.lines(text)
        var runbook = Runbook(id: defaultID, title: "")
        var bodyStart = 0
        if let first = lines.first, first.trimmingSpaces() == "---" {
            if let close = lines.indices.dropFirst().first(where: {
                let line = lines[$0].trimmingSpaces()
                return line == "---" || line == "..."
            }) {
                var frontMatter = FrontMatterParser(firstLine: 2)
                frontMatter.apply(lines[1..<close].joined(separator: "\n"), to: &runbook)
                diagnostics += frontMatter.diagnostics
                bodyStart = close + 1
            } else {
                diagnostics.append(
                    Diagnostic(
                        line: 1, message: "front matter opened with '---' is never closed; add a '---' line after it"))
                bodyStart = lines.count
            }
        }
        runbook.bodyStartLine = bodyStart + 1
        if bodyStart < lines.count {
            let first = lines[bodyStart]
            runbook.body = String(first.base[first.startIndex...])
        }

        var builder = StepBuilder()
        BlockScanner.scan(lines[min(bodyStart, lines.count)...], firstLine: bodyStart + 1) { block in
            builder.visit(block)
        }
        diagnostics += builder.diagnostics
        if runbook.title.isEmpty { runbook.title = builder.firstTitle ?? runbook.id }
        runbook.steps = builder.finish(diagnostics: &diagnostics)
        diagnostics.sort { ($0.line, $0.column ?? 0) < ($1.line, $1.column ?? 0) }
        return Result(runbook: runbook, diagnostics: diagnostics)
    }
}

/// Turns scanned blocks into steps, keeping headings and prose.
struct StepBuilder {
    struct Pending {
        var step: Step
        var explicitName: Bool
        var nameSource: String
    }

    static let attributeKeys = [
        "name", "timeout", "attempts", "backoff", "delay", "maxDelay", "onFailure", "confirm", "idempotent",
        "capture", "when", "rollback", "cwd", "skip", "module", "approval",
    ]

    var pending: [Pending] = []
    var diagnostics: [Diagnostic] = []
    var heading: String?
    var firstTitle: String?
    var prose: [Substring] = []

    mutating func visit(_ block: BlockScanner.Block) {
        switch block {
        case .heading(let text, _):
            if firstTitle == nil { firstTitle = text }
            heading = text
            prose = []
        case .prose(let line):
            prose.append(line)
        case .unclosedFence(let line, let marker):
            diagnostics.append(
                Diagnostic(
                    line: line, message: "code block opened here is never closed; add a closing \(marker) line"))
        case .task(let text, let checked, let line, let rawLine):
            guard !checked else {
                prose.append(rawLine)
                return
            }
            addManual(text: text, line: line)
        case .fence(let info, let content, let line, let raw):
            addFence(info: info, content: content, line: line, raw: raw)
        }
    }

    /// The prose lines since the last heading or step, without blank lines around them. The lines
    /// are consecutive slices of the file, so the prose is one slice of it.
    private mutating func takeProse() -> String {
        var lines = prose[...]
        prose.removeAll(keepingCapacity: true)
        while let first = lines.first, first.trimmingSpaces().isEmpty { lines = lines.dropFirst() }
        while let last = lines.last, last.trimmingSpaces().isEmpty { lines = lines.dropLast() }
        guard let first = lines.first, let last = lines.last else { return "" }
        return String(first.base[first.startIndex..<last.endIndex])
    }

    private mutating func addManual(text: String, line: Int) {
        var text = Substring(text)
        var raw: [RawAttribute] = []
        // A task item may end with `{name=…}` attributes.
        if text.last == "}", let open = text.lastIndex(of: "{") {
            let column = text.distance(from: text.startIndex, to: open) + 1
            let (attributes, problems) = AttributeParser.parseFence(text[open...], line: line, offset: column)
            raw = attributes
            diagnostics += problems
            text = text[..<open].trimmingSpaces()
        }
        let step = Step(name: "", kind: .manual(text: String(text)), heading: heading, prose: takeProse(), line: line)
        append(step, raw: raw, nameSource: String(text))
    }

    private mutating func addFence(info: String, content: [Substring], line: Int, raw: [Substring]) {
        let infoText = Substring(info)
        let language = infoText.prefix { $0 != " " && $0 != "{" && $0 != "\t" }
        let rest = infoText.dropFirst(language.count)
        let braceOffset = rest.firstIndex(of: "{").map { infoText.distance(from: infoText.startIndex, to: $0) } ?? 0
        let fenceIndent = (raw.first?.prefix { $0 == " " }.count ?? 0) + 3
        var (attributes, problems) = AttributeParser.parseFence(
            rest.firstIndex(of: "{").map { rest[$0...] } ?? "", line: line, offset: fenceIndent + braceOffset + 1)
        let isSkipped = attributes.contains { $0.key == "skip" && $0.value == "true" }
        let module = attributes.first { $0.key == "module" }
        let shell = ShellLanguage(fenceLanguage: String(language))
        guard !isSkipped, shell != nil || (module != nil && (language == "yaml" || language == "yml")) else {
            if module != nil, !isSkipped {
                diagnostics.append(
                    Diagnostic(
                        line: line, message: "module steps must be ```yaml blocks; found ```\(language)"))
            } else if !isSkipped, !attributes.isEmpty {
                diagnostics.append(
                    Diagnostic(
                        line: line, severity: .warning,
                        message:
                            "a ```\(language.isEmpty ? "" : language) block is documentation, so its attributes are ignored; executable languages are sh, bash, zsh, python3 and yaml {module=…}"
                    ))
            }
            prose += raw
            return
        }
        diagnostics += problems
        let (header, headerProblems, body) = AttributeParser.splitHeader(content, firstLine: line + 1)
        diagnostics += headerProblems
        attributes += header
        let kind: Step.Kind
        if let shell {
            if module != nil {
                diagnostics.append(
                    Diagnostic(
                        line: line, column: module?.column,
                        message: "'module' applies only to ```yaml blocks; remove it or change the block to yaml"))
            }
            kind = .shell(language: shell, script: body.joined(separator: "\n"))
        } else {
            kind = .module(name: module?.value ?? "", body: body.joined(separator: "\n"))
            problems = validateYAML(body, firstLine: line + 1 + (content.count - body.count))
            diagnostics += problems
        }
        let step = Step(name: "", kind: kind, heading: heading, prose: takeProse(), line: line)
        append(step, raw: attributes, nameSource: heading ?? "")
    }

    private func validateYAML(_ body: ArraySlice<Substring>, firstLine: Int) -> [Diagnostic] {
        do {
            _ = try Yams.compose(yaml: body.joined(separator: "\n"))
            return []
        } catch let error as YamlError {
            return [FrontMatterParser.diagnostic(for: error, firstLine: firstLine, context: "module body")]
        } catch {
            return [Diagnostic(line: firstLine, message: "invalid YAML in module body: \(error)")]
        }
    }

    private mutating func append(_ step: Step, raw: [RawAttribute], nameSource: String) {
        var step = step
        var explicit = false
        for attribute in raw {
            if attribute.key == "name" { explicit = true }
            apply(attribute, to: &step)
        }
        pending.append(Pending(step: step, explicitName: explicit, nameSource: nameSource))
    }

    private mutating func apply(_ attribute: RawAttribute, to step: inout Step) {
        let value = attribute.value
        func fail(_ message: String) {
            diagnostics.append(Diagnostic(line: attribute.line, column: attribute.column, message: message))
        }
        func duration() -> Duration? {
            guard let parsed = DurationParser.parse(value) else {
                fail(FrontMatterParser.durationMessage(key: attribute.key, value: value))
                return nil
            }
            return parsed
        }
        func flag() -> Bool {
            switch value {
            case "true", "yes": return true
            case "false", "no": return false
            default:
                fail("attribute '\(attribute.key)' must be true or false, not '\(value)'")
                return false
            }
        }
        switch attribute.key {
        case "name":
            step.name = value
        case "timeout": step.attributes.timeout = duration()
        case "delay": if let parsed = duration() { step.attributes.delay = parsed }
        case "maxDelay": step.attributes.maxDelay = duration()
        case "attempts":
            if let count = Int(value), count >= 1, count <= 100 {
                step.attributes.attempts = count
            } else {
                fail("attempts must be a whole number from 1 to 100, not '\(value)'")
            }
        case "backoff":
            if let backoff = Backoff(rawValue: value) {
                step.attributes.backoff = backoff
            } else {
                fail("backoff must be 'exp' or 'fixed', not '\(value)'")
            }
        case "onFailure":
            switch value {
            case "abort": step.attributes.onFailure = .abort
            case "continue": step.attributes.onFailure = .continue
            case _ where value.hasPrefix("goto:") && value.count > 5:
                step.attributes.onFailure = .goto(String(value.dropFirst(5)))
            default: fail("onFailure must be 'abort', 'continue' or 'goto:STEP', not '\(value)'")
            }
        case "confirm": step.attributes.confirm = flag()
        case "idempotent": step.attributes.idempotent = flag()
        case "rollback": step.attributes.rollback = flag()
        case "skip": _ = flag()
        case "capture":
            if FrontMatterParser.isEnvironmentName(value) {
                step.attributes.capture = value
            } else {
                fail("capture must name a variable ([A-Za-z_][A-Za-z0-9_]*), not '\(value)'")
            }
        case "cwd": step.attributes.cwd = value
        case "approval": step.attributes.approval = value
        case "module": break
        case "when":
            step.attributes.whenSource = value
            do {
                step.attributes.when = try ExpressionParser.parse(value)
            } catch {
                diagnostics.append(
                    Diagnostic(
                        line: attribute.line, column: attribute.column,
                        message: "invalid 'when' expression at column \(error.column): \(error.message): "
                            + (value.count > 80 ? value.prefix(80) + "…" : value)))
            }
        default:
            fail("unknown attribute '\(attribute.key)'\(Suggestion.didYouMean(attribute.key, in: Self.attributeKeys))")
        }
    }

    /// Assigns names: explicit ones first, then stable slugs that avoid them.
    func finish(diagnostics: inout [Diagnostic]) -> [Step] {
        var taken: [String: Int] = [:]
        for entry in pending where entry.explicitName {
            let name = entry.step.name
            if !Self.isValidName(name) {
                diagnostics.append(
                    Diagnostic(
                        line: entry.step.line,
                        message:
                            "step name '\(name)' must start with a letter or '_' and use only letters, digits, '_' and '-'"
                    ))
            }
            if let first = taken[name] {
                diagnostics.append(
                    Diagnostic(
                        line: entry.step.line, message: "duplicate step name '\(name)'; first used on line \(first)"))
            } else {
                taken[name] = entry.step.line
            }
        }
        var steps: [Step] = []
        steps.reserveCapacity(pending.count)
        // The next suffix to try per base: names only get taken, so the ones tried before stay taken, and
        // 10,000 steps under one heading cost linear time instead of quadratic (the names are unchanged).
        var nextSuffix: [String: Int] = [:]
        for (index, entry) in pending.enumerated() {
            var step = entry.step
            if !entry.explicitName {
                var base = Slug.make(entry.nameSource)
                if base.isEmpty { base = "step-\(index + 1)" }
                var candidate = base
                var suffix = nextSuffix[base] ?? 2
                if taken[candidate] != nil {
                    repeat {
                        candidate = "\(base)-\(suffix)"
                        suffix += 1
                    } while taken[candidate] != nil
                    nextSuffix[base] = suffix
                }
                step.name = candidate
                taken[candidate] = step.line
            }
            steps.append(step)
        }
        return steps
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first == 95 || (first | 0x20 >= 97 && first | 0x20 <= 122) else {
            return false
        }
        return name.utf8.allSatisfy {
            $0 == 95 || $0 == 45 || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122)
        }
    }
}

/// Makes stable, readable step names from headings.
public enum Slug {
    /// `"Check the primary!"` → `"check-the-primary"`; `"2. Restore"` → `"step-2-restore"`; at most 48 characters;
    /// empty when nothing is left. Idempotent: a slug is its own slug.
    public static func make(_ text: String) -> String {
        var result: [UInt8] = []
        var pendingDash = false
        for byte in text.utf8 {
            let lower = byte >= 65 && byte <= 90 ? byte + 32 : byte
            if (lower >= 97 && lower <= 122) || (lower >= 48 && lower <= 57) {
                if pendingDash, !result.isEmpty { result.append(45) }
                pendingDash = false
                result.append(lower)
                if result.count >= 48 { break }
            } else {
                pendingDash = true
            }
        }
        if let first = result.first, first >= 48, first <= 57 { result = Array("step-".utf8) + result }
        result = Array(result.prefix(48))
        while result.last == 45 { result.removeLast() }
        return String(decoding: result, as: UTF8.self)
    }
}
