import ArgumentParser
import Foundation
import Logging
import Modules
import Runbooks
import Store
import Views
import Workflows

/// Shared wiring of `run` and `resume`: executor, terminal, signals, output and exit code.
struct RunSession {
    let store: Store
    let dataDirectory: URL
    let interactive: Bool
    let json: Bool
    /// Backup repository, retention and breakers from `firebreak.yml`.
    var modules = ModuleSettings()

    /// Whether this process talks to a person: stdin and stdout are terminals.
    static var hasTerminal: Bool { isatty(0) == 1 && isatty(1) == 1 }

    func makeExecutor(interrupts: InterruptSource) -> Executor {
        var logger = Logger(label: "firebreak")
        logger.logLevel = ProcessInfo.processInfo.environment["FIREBREAK_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        let configuration = ExecutorConfiguration(
            runsDirectory: dataDirectory.appendingPathComponent("runs"), modules: BuiltinModules.make(modules))
        return Executor(
            store: store, configuration: configuration, responder: interactive ? TerminalResponder() : nil,
            observer: ConsoleObserver(live: interactive, quiet: json), interrupts: interrupts, logger: logger)
    }

    /// Executes the run and exits with the documented code.
    func execute(_ executor: Executor, runID: Int64, params: [String: String], interrupts: InterruptSource) async throws {
        let store = self.store
        interrupts.setIdleHandler { _ in
            try? store.pauseRun(id: runID)
            FileHandle.standardError.write(
                "\ninterrupted: \(RunRecord.displayID(runID)) is waiting; continue with 'firebreak resume \(RunRecord.displayID(runID))'\n")
            Foundation.exit(ExitStatus.waiting)
        }
        let run = try await executor.execute(runID: runID, params: params)
        interrupts.setIdleHandler(nil)
        if json {
            try printJSON(RunJSON(run, detail: try store.runDetail(id: runID),
                                  runsDirectory: dataDirectory.appendingPathComponent("runs")))
        } else if run.status == .waiting {
            let detail = try store.runDetail(id: runID)
            if let step = detail.steps.first(where: { $0.status == .waiting }) {
                FileHandle.standardError.write("""
                    \(run.displayID) waits at step '\(step.name)': \(step.reason ?? "approval required")
                      approve it:  firebreak approve \(run.displayID) \(step.name) --by NAME
                      then:        firebreak resume \(run.displayID)

                    """)
            }
        }
        switch run.status {
        case .succeeded: return
        case .waiting: throw ExitCode(ExitStatus.waiting)
        default: throw ExitCode(ExitStatus.failed)
        }
    }
}
