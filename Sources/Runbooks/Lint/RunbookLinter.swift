import Incidents

/// Validates a module step's YAML body; returns problems by file line.
public typealias ModuleBodyValidator = @Sendable (_ body: String, _ firstLine: Int) -> [Diagnostic]

/// The modules a build provides, so that lint accepts their steps and checks their bodies.
public struct ModuleCatalog: Sendable {
    /// Validators by module name.
    public var validators: [String: ModuleBodyValidator]

    /// Creates a catalog; an empty catalog makes every module step a lint error.
    public init(validators: [String: ModuleBodyValidator] = [:]) {
        self.validators = validators
    }

    /// Module names, sorted.
    public var names: [String] { validators.keys.sorted() }
}

/// Parses and checks runbooks: the engine runs only runbooks that lint clean.
public struct RunbookLinter: Sendable {
    /// Environment names a param may not take, because steps rely on them.
    static let reservedEnvironment: Set<String> = ["PATH", "HOME", "IFS", "SHELL", "PWD", "USER", "ENV", "BASH_ENV"]
    static let reservedPrefixes = ["LD_", "FIREBREAK_", "INCIDENT_", "ALERT_", "DYLD_"]

    /// Whether a param or output named `name` would set a variable that steps rely on (`path` sets $PATH).
    public static func isReserved(_ name: String) -> Bool {
        let environment = Param.environmentName(for: name)
        return reservedEnvironment.contains(environment) || reservedPrefixes.contains { environment.hasPrefix($0) }
    }

    /// The modules that module steps may name.
    public var modules: ModuleCatalog

    /// Creates a linter.
    public init(modules: ModuleCatalog = ModuleCatalog()) {
        self.modules = modules
    }

    /// Parses `text` and returns the runbook with every parse and lint problem.
    public func lint(_ text: String, defaultID: String) -> RunbookParser.Result {
        var result = RunbookParser.parse(text, defaultID: defaultID)
        result.diagnostics += check(result.runbook)
        result.diagnostics.sort { ($0.line, $0.column ?? 0) < ($1.line, $1.column ?? 0) }
        return result
    }

    /// Semantic checks of a parsed runbook.
    public func check(_ runbook: Runbook) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        checkParams(runbook, into: &diagnostics)
        checkTriggers(runbook, into: &diagnostics)
        let names = Dictionary(
            runbook.steps.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, step) in runbook.steps.enumerated() {
            if let capture = step.attributes.capture, Self.isReserved(capture) {
                diagnostics.append(
                    Diagnostic(
                        line: step.line,
                        message:
                            "capture=\(capture) would set $\(Param.environmentName(for: capture)), which steps rely on; rename it"
                    ))
            }
            if case .goto(let target) = step.attributes.onFailure {
                if let targetIndex = names[target] {
                    if targetIndex <= index {
                        diagnostics.append(
                            Diagnostic(
                                line: step.line,
                                message:
                                    "onFailure=goto:\(target) must jump to a later step; use attempts= to retry a step")
                        )
                    }
                } else {
                    diagnostics.append(
                        Diagnostic(
                            line: step.line,
                            message:
                                "onFailure=goto:\(target) names no step; steps are: \(runbook.steps.map(\.name).joined(separator: ", "))"
                        ))
                }
            }
            if let expression = step.attributes.when {
                for reference in expression.references {
                    if let problem = checkReference(reference, runbook: runbook, names: names, stepIndex: index) {
                        diagnostics.append(
                            Diagnostic(
                                line: step.line, message: "'when' at column \(reference.column): \(problem)"))
                    }
                }
            }
            if case .module(let name, let body) = step.kind {
                if let validator = modules.validators[name] {
                    diagnostics += validator(body, step.line + 1)
                } else {
                    let available =
                        modules.names.isEmpty
                        ? "no modules are available in this build yet"
                        : "available modules: \(modules.names.joined(separator: ", "))"
                    diagnostics.append(
                        Diagnostic(
                            line: step.line, message: "module '\(name)' is not available; \(available)"))
                }
            }
            if case .manual = step.kind, step.attributes.attempts > 1 || step.attributes.timeout != nil {
                diagnostics.append(
                    Diagnostic(
                        line: step.line, severity: .warning,
                        message: "attempts and timeout do not apply to manual steps"))
            }
            if step.attributes.rollback, step.needsHuman == false, step.attributes.when != nil {
                // Allowed: a rollback step may still be conditional.
            }
        }
        return diagnostics
    }

    private func checkParams(_ runbook: Runbook, into diagnostics: inout [Diagnostic]) {
        var seen: Set<String> = []
        for param in runbook.params {
            if !StepBuilder.isValidName(param.name) {
                diagnostics.append(
                    Diagnostic(
                        line: param.line, message: "param name '\(param.name)' must match [A-Za-z_][A-Za-z0-9_-]*"))
                continue
            }
            let environment = param.environmentName
            if Self.reservedEnvironment.contains(environment)
                || Self.reservedPrefixes.contains(where: { environment.hasPrefix($0) })
            {
                diagnostics.append(
                    Diagnostic(
                        line: param.line,
                        message: "param '\(param.name)' would set $\(environment), which steps rely on; rename it"))
            }
            if !seen.insert(environment).inserted {
                diagnostics.append(
                    Diagnostic(
                        line: param.line, message: "params collide: two params become $\(environment)"))
            }
            if let pattern = param.pattern, !BoundedRegex.isValid(pattern) {
                diagnostics.append(
                    Diagnostic(
                        line: param.line, message: "param '\(param.name)': invalid pattern '\(pattern)'"))
            }
            if let value = param.defaultValue {
                if let problem = ParamValidator.problem(with: value, for: param) {
                    diagnostics.append(
                        Diagnostic(
                            line: param.line, message: "param '\(param.name)': default \(problem)"))
                }
            }
            if param.isSecret, param.defaultValue != nil {
                diagnostics.append(
                    Diagnostic(
                        line: param.line, severity: .warning,
                        message: "param '\(param.name)' is secret but has a default written in the runbook"))
            }
        }
    }

    /// Every trigger must be able to start the runbook: it fills each required param (one with no default), and
    /// names only params that exist.
    private func checkTriggers(_ runbook: Runbook, into diagnostics: inout [Diagnostic]) {
        // A secret comes from the server's environment (FIREBREAK_PARAM_NAME), which lint cannot see.
        let required = runbook.params.filter { $0.defaultValue == nil && $0.isRequired && !$0.isSecret }
        for (number, trigger) in runbook.triggers.enumerated() {
            let label = "trigger \(number + 1)" + (trigger.alertname.map { " (alertname: \($0))" } ?? "")
            for param in required where trigger.params[param.name] == nil {
                diagnostics.append(
                    Diagnostic(
                        line: param.line,
                        message: "\(label) starts this runbook without its required param '\(param.name)'; add "
                            + "params: {\(param.name): \"{{ alert.labels.LABEL }}\"} to the trigger, or give the param a default"
                    ))
            }
            for name in trigger.params.keys.sorted() where runbook.param(named: name) == nil {
                diagnostics.append(
                    Diagnostic(
                        line: 1, message: "\(label) sets param '\(name)', which the runbook does not declare"))
            }
        }
    }

    private func checkReference(
        _ reference: WhenExpression.Reference, runbook: Runbook, names: [String: Int], stepIndex: Int
    ) -> String? {
        let path = reference.path
        switch path[0] {
        case "params":
            guard path.count == 2 else { return "write params.NAME, not '\(reference)'" }
            return runbook.param(named: path[1]) == nil
                ? "'\(reference)' refers to undefined param '\(path[1])'" : nil
        case "steps":
            guard path.count >= 3 else { return "write steps.NAME.status, .exit or .outputs.KEY, not '\(reference)'" }
            guard let target = names[path[1]] else { return "'\(reference)' refers to undefined step '\(path[1])'" }
            if target >= stepIndex { return "'\(reference)' refers to step '\(path[1])', which runs later" }
            switch path[2] {
            case "status", "exit", "attempts":
                return path.count == 3 ? nil : "unexpected '.\(path[3])' in '\(reference)'"
            case "outputs": return path.count == 4 ? nil : "write steps.\(path[1]).outputs.KEY"
            default: return "steps.\(path[1]) has status, exit, attempts and outputs.KEY, not '\(path[2])'"
            }
        case "incident":
            let fields = ["id", "severity", "title", "status"]
            return path.count == 2 && fields.contains(path[1])
                ? nil : "incident has \(fields.joined(separator: ", ")), not '\(reference)'"
        case "alert":
            if path.count == 2, ["name", "status", "severity", "source", "summary"].contains(path[1]) { return nil }
            if path.count == 3, ["labels", "annotations"].contains(path[1]) { return nil }
            return
                "alert has name, status, severity, source, summary, labels.KEY and annotations.KEY, not '\(reference)'"
        case "env":
            return path.count == 2 ? nil : "write env.NAME, not '\(reference)'"
        default:
            return "unknown reference '\(reference)'; references start with params, steps, incident, alert or env"
        }
    }
}

/// Checks param values against their declaration.
public enum ParamValidator {
    /// A description of what is wrong with `value` for `param`, or `nil` when it is acceptable.
    public static func problem(with value: String, for param: Param) -> String? {
        switch param.kind {
        case .int where Int(value) == nil: return "'\(value)' is not a whole number"
        case .bool where !["true", "false"].contains(value): return "'\(value)' must be true or false"
        default: break
        }
        if let allowed = param.allowed, !allowed.contains(value) {
            return "'\(value)' is not allowed; allowed values: \(allowed.joined(separator: ", "))"
        }
        if let pattern = param.pattern, let regex = try? BoundedRegex(pattern) {
            switch regex.wholeMatch(value) {
            case .match: break
            case .noMatch: return "'\(value)' does not match the pattern \(pattern)"
            case .timedOut:
                return
                    "the pattern \(pattern) took over \(BoundedRegex.defaultBudget) to match '\(value)' and was stopped; "
                    + "simplify it (nested quantifiers such as (a+)+ backtrack without limit)"
            }
        }
        return nil
    }
}
