import Runbooks
import Store

/// A built-in module that module steps (` ```yaml {module=NAME} `) call.
public protocol StepModule: Sendable {
    /// The name used in `{module=NAME}`.
    var name: String { get }
    /// Checks a body (YAML text starting on `firstLine`) for lint.
    func validate(body: String, firstLine: Int) -> [Diagnostic]
    /// Runs the module with a rendered body.
    func run(body: String, context: ModuleContext) async -> StepOutcome
}

/// What a module step can see.
public struct ModuleContext: Sendable {
    /// The run's display id.
    public var runID: String
    /// The step's name.
    public var stepName: String
    /// The run's directory for scratch files.
    public var directory: String
    /// The store, for catalogs.
    public var store: any Storage
}
