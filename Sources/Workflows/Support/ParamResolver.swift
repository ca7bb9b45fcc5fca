import Runbooks

/// Turns `--param k=v` arguments into validated values for a runbook's declared params.
public enum ParamResolver {
    /// Parses `key=value` strings.
    /// - Throws: ``WorkflowError`` `.invalidInput` for an argument without `=`.
    public static func parseAssignments(_ assignments: [String]) throws -> [String: String] {
        var values: [String: String] = [:]
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw WorkflowError(.invalidInput, "--param '\(assignment)' must be written key=value")
            }
            values[String(assignment[..<equals])] = String(assignment[assignment.index(after: equals)...])
        }
        return values
    }

    /// Validates supplied values and fills in defaults.
    ///
    /// `environment` supplies secrets without putting them on the command line:
    /// `FIREBREAK_PARAM_<NAME>` is used when `--param` does not give the value.
    /// - Throws: ``WorkflowError`` `.invalidInput` naming every problem: unknown, missing or invalid params.
    public static func resolve(
        _ supplied: [String: String], for runbook: Runbook, environment: [String: String] = [:]
    ) throws -> [String: String] {
        var problems: [String] = []
        let declared = Set(runbook.params.map(\.name))
        for name in supplied.keys.sorted() where !declared.contains(name) {
            let known = runbook.params.map(\.name).joined(separator: ", ")
            problems.append(
                "unknown param '\(name)'; \(known.isEmpty ? "this runbook declares no params" : "declared params: \(known)")"
            )
        }
        var values: [String: String] = [:]
        for param in runbook.params {
            let value =
                supplied[param.name] ?? environment["FIREBREAK_PARAM_\(param.environmentName)"]
                ?? param.defaultValue
            guard let value else {
                if param.isRequired {
                    problems.append(
                        "missing required param '\(param.name)'; pass --param \(param.name)=VALUE"
                            + (param.isSecret ? " or set FIREBREAK_PARAM_\(param.environmentName)" : ""))
                }
                continue
            }
            if let problem = ParamValidator.problem(with: value, for: param) {
                problems.append(
                    "param '\(param.name)': \(param.isSecret ? "the secret value does not satisfy its type, allowed values or pattern" : problem)"
                )
                continue
            }
            values[param.name] = value
        }
        if !problems.isEmpty {
            throw WorkflowError(.invalidInput, problems.joined(separator: "\n"))
        }
        return values
    }
}
