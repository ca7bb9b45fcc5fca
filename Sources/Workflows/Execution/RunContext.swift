import Foundation
import Runbooks
import Store

/// The values `when` expressions and module templates see, and the environment shell steps get.
struct RunContext: ExpressionContext, Sendable {
    var params: [String: String]
    var runbook: Runbook
    var steps: [StepRecord]
    var outputs: [Int: [String: String]]
    var processEnvironment: [String: String]
    var incident: [String: String] = [:]
    var alert: [String: String] = [:]

    func value(for path: [String]) -> WhenExpression.Value? {
        switch path.first {
        case "params":
            return path.count == 2 ? params[path[1]].map(WhenExpression.Value.string) : nil
        case "steps":
            guard path.count >= 3, let index = runbook.index(ofStep: path[1]), index < steps.count else { return nil }
            let record = steps[index]
            switch path[2] {
            case "status": return .string(record.status.rawValue)
            case "exit": return record.exitCode.map { .number(Double($0)) }
            case "attempts": return .number(Double(record.attempts))
            case "outputs": return path.count == 4 ? outputs[index]?[path[3]].map(WhenExpression.Value.string) : nil
            default: return nil
            }
        case "env":
            guard path.count == 2 else { return nil }
            return (runbook.env.last { $0.name == path[1] }?.value ?? processEnvironment[path[1]])
                .map(WhenExpression.Value.string)
        case "incident":
            return path.count == 2 ? incident[path[1]].map(WhenExpression.Value.string) : nil
        case "alert":
            return alert[path.dropFirst().joined(separator: ".")].map(WhenExpression.Value.string)
        default:
            return nil
        }
    }

    /// The complete environment of a shell step, as `NAME=value` entries.
    func environment(runID: String, runDirectory: String, step: Step, attempt: Int, outputFile: String) -> [String] {
        var values = processEnvironment
        for variable in runbook.env { values[variable.name] = variable.value }
        for param in runbook.params {
            if let value = params[param.name] { values[param.environmentName] = value }
        }
        for index in outputs.keys.sorted() {
            for (key, value) in outputs[index] ?? [:] { values[Param.environmentName(for: key)] = value }
        }
        for (key, value) in incident { values["INCIDENT_" + Param.environmentName(for: key)] = value }
        // Alert values arrive only here, as variables: `labels.service` is ALERT_LABEL_SERVICE, never script text.
        for (key, value) in alert {
            let name: String
            if key.hasPrefix("labels.") {
                name = "LABEL_" + Param.environmentName(for: String(key.dropFirst(7)))
            } else if key.hasPrefix("annotations.") {
                name = "ANNOTATION_" + Param.environmentName(for: String(key.dropFirst(12)))
            } else {
                name = Param.environmentName(for: key)
            }
            values["ALERT_" + name] = value
        }
        // A step that calls `firebreak` reaches the same data dir as the run, wherever it runs from.
        values["FIREBREAK_DATA"] =
            URL(fileURLWithPath: runDirectory).deletingLastPathComponent().deletingLastPathComponent().path
        values["FIREBREAK_RUN_ID"] = runID
        values["FIREBREAK_RUN_DIR"] = runDirectory
        values["FIREBREAK_RUNBOOK"] = runbook.id
        values["FIREBREAK_STEP"] = step.name
        values["FIREBREAK_ATTEMPT"] = String(attempt)
        values["FIREBREAK_OUTPUT"] = outputFile
        return values.map { "\($0.key)=\($0.value)" }
    }

    /// Every value that must be redacted: secret params and secret-named variables.
    func redactor(processEnvironment: [String: String]) -> Redactor {
        var secrets: [String] = []
        for param in runbook.params where param.isSecret || Redactor.isSecretName(param.environmentName) {
            if let value = params[param.name] { secrets.append(value) }
        }
        for variable in runbook.env where Redactor.isSecretName(variable.name) { secrets.append(variable.value) }
        for (name, value) in processEnvironment where Redactor.isSecretName(name) { secrets.append(value) }
        for (_, values) in outputs {
            for (key, value) in values where Redactor.isSecretName(key) { secrets.append(value) }
        }
        return Redactor(secrets: secrets)
    }

    /// Substitutes `{{ reference }}` in a module body; module bodies are data, never shell.
    func render(_ template: String) throws -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw WorkflowError(.execution, "unclosed '{{' in module body")
            }
            let reference = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let path = reference.split(separator: ".").map(String.init)
            guard let value = self.value(for: path) else {
                throw WorkflowError(.execution, "module body refers to '\(reference)', which has no value")
            }
            result += value.description
            rest = rest[close.upperBound...]
        }
        return result + rest
    }
}
