import Foundation
import Store

/// Settings of the executor.
public struct ExecutorConfiguration: Sendable {
    /// Runs shell steps.
    public var runner: ShellRunner
    /// `<data-dir>/runs`: per-run scratch files and locks.
    public var runsDirectory: URL
    /// The environment shell steps inherit.
    public var processEnvironment: [String: String]
    /// Modules that module steps call, by name.
    public var modules: [String: any StepModule]
    /// Waits between retries; injectable so tests need not sleep.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Who answers the responder's questions (`$USER` at a terminal): manual steps done there are attributed to them.
    public var actor = "responder"
    /// Who claims the runs this executor executes: this process.
    public var owner = ClaimOwner.process
    /// How long a claim on a run lasts without a heartbeat; the executor renews it every third of that. Another
    /// node may take a run over once its lease has expired.
    public var lease: TimeInterval = 30

    /// Creates a configuration.
    public init(
        runsDirectory: URL, runner: ShellRunner = ShellRunner(),
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment,
        modules: [any StepModule] = [],
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.runsDirectory = runsDirectory
        self.runner = runner
        self.processEnvironment = processEnvironment
        self.modules = Dictionary(modules.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.sleep = sleep
    }
}
