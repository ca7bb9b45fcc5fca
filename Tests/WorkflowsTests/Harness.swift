import FirebreakTesting
import Foundation
import Logging
import Runbooks
import Store
import Synchronization
import Workflows

/// Runs runbook text through a real executor, with a real SQLite file in a temp dir.
final class Harness: Sendable {
    let directory = TemporaryDirectory()
    let store: any Storage
    let sleeps = SleepLog()

    init() async throws {
        store = try await SQLiteStore.open(directory: directory.url.appendingPathComponent("data"))
    }

    func executor(grace: Duration = .seconds(5), environment: [String: String] = [:]) -> Executor {
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { _, new in new }
        let sleeps = self.sleeps
        let configuration = ExecutorConfiguration(
            runsDirectory: directory.url.appendingPathComponent("data/runs"),
            runner: ShellRunner(gracePeriod: grace), processEnvironment: env,
            sleep: { delay in sleeps.values.withLock { $0.append(delay) } })
        return Executor(store: store, configuration: configuration, logger: Logger(label: "test"))
    }

    func parse(_ text: String) throws -> Runbook {
        let result = RunbookLinter().lint(text, defaultID: "test")
        guard !result.hasErrors else { throw WorkflowError(.invalidRunbook, "\(result.diagnostics)") }
        return result.runbook
    }

    /// Creates and executes a run; returns it with its detail.
    func run(_ text: String, params: [String: String] = [:], executor: Executor? = nil) async throws -> RunDetail {
        let runbook = try parse(text)
        let executor = executor ?? self.executor()
        let values = try ParamResolver.resolve(params, for: runbook)
        let path = directory.write("runbook.md", text)
        let run = try await executor.createRun(runbook: runbook, source: text, path: path, params: values)
        _ = try await executor.execute(runID: run.id!, params: values)
        return try await store.runDetail(id: run.id!)
    }

    func resume(_ runID: Int64, params: [String: String] = [:]) async throws -> RunDetail {
        let executor = executor()
        _ = try await executor.execute(runID: runID, params: params)
        return try await store.runDetail(id: runID)
    }
}

extension RunDetail {
    func step(_ name: String) -> StepRecord? { steps.first { $0.name == name } }
    var statuses: [String] { steps.map { "\($0.name)=\($0.status.rawValue)" } }
    func output(_ name: String) -> String {
        guard let step = step(name) else { return "" }
        return attempts[step.index]?.last?.output ?? ""
    }
}

/// Records retry waits instead of sleeping.
final class SleepLog: Sendable {
    let values = Mutex<[Duration]>([])
}
