import Basics
import Runbooks

/// Prints the steps of a runbook as the engine will run them (`show`, `run --dry-run`).
enum PlanPrinter {
    struct StepPlan: Encodable {
        var index: Int
        var name: String
        var kind: String
        var line: Int
        var heading: String?
        var timeout: String?
        var attempts: Int
        var backoff: String?
        var onFailure: String
        var when: String?
        var confirm: Bool
        var idempotent: Bool
        var rollback: Bool
        var capture: String?
        var cwd: String?
        var text: String

    }

    static func plan(_ runbook: Runbook) -> [StepPlan] {
        runbook.steps.enumerated().map { index, step in
            let attributes = step.attributes
            let text: String =
                switch step.kind {
                case .shell(_, let script): script
                case .module(_, let body): body
                case .manual(let text): text
                }
            return StepPlan(
                index: index + 1, name: step.name, kind: step.kind.label, line: step.line, heading: step.heading,
                timeout: step.kind.label == "manual"
                    ? nil : (attributes.timeout ?? runbook.timeout).map(DurationParser.format),
                attempts: attributes.attempts,
                backoff: attributes.attempts > 1
                    ? "\(attributes.backoff.rawValue) delay=\(DurationParser.format(attributes.delay))"
                        + (attributes.maxDelay.map { " maxDelay=\(DurationParser.format($0))" } ?? "")
                    : nil,
                onFailure: attributes.onFailure.description, when: attributes.whenSource,
                confirm: attributes.confirm, idempotent: attributes.idempotent, rollback: attributes.rollback,
                capture: attributes.capture, cwd: attributes.cwd, text: text)
        }
    }

    static func render(_ runbook: Runbook, params: [String: String]? = nil) -> String {
        var lines: [String] = []
        lines.append("\(runbook.title)  [\(runbook.id)\(runbook.severity.map { ", \($0.rawValue)" } ?? "")]")
        if let params, !params.isEmpty {
            let secret = Set(runbook.params.filter(\.isSecret).map(\.name))
            lines.append(
                "params: "
                    + params.keys.sorted().map { "\($0)=\(secret.contains($0) ? "***" : params[$0]!)" }
                    .joined(separator: " "))
        }
        for step in plan(runbook) {
            var flags: [String] = []
            if let timeout = step.timeout { flags.append("timeout=\(timeout)") }
            if step.attempts > 1 { flags.append("attempts=\(step.attempts) \(step.backoff ?? "")") }
            if step.onFailure != "abort" { flags.append("onFailure=\(step.onFailure)") }
            if step.confirm { flags.append("confirm") }
            if step.idempotent { flags.append("idempotent") }
            if step.rollback { flags.append("rollback") }
            if let capture = step.capture { flags.append("capture=\(capture)") }
            if let cwd = step.cwd { flags.append("cwd=\(cwd)") }
            lines.append("")
            lines.append(
                "\(step.index). \(step.name)  (\(step.kind), line \(step.line))"
                    + (flags.isEmpty ? "" : "  " + flags.joined(separator: " ")))
            if let when = step.when { lines.append("   when: \(when)") }
            let prefix = step.kind == "manual" ? "   [ ] " : "   │ "
            for line in step.text.split(separator: "\n", omittingEmptySubsequences: false) {
                lines.append(prefix + line)
            }
        }
        return lines.joined(separator: "\n")
    }
}
