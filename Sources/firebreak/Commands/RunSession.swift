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
    let store: any Storage
    let dataDirectory: URL
    let interactive: Bool
    let json: Bool
    /// Backup repository, retention and breakers from `firebreak.yml`.
    var modules = ModuleSettings()
    /// Colour on the terminal.
    var paint = Paint(enabled: false)

    /// Continues a stored run (`resume`, `runs retry`): checks that every secret param is given (`key=value`
    /// assignments or `FIREBREAK_PARAM_NAME`) before `prepare` changes anything, then executes the run.
    func continueRun(_ record: RunRecord, assignments: [String], prepare: () async throws -> Void = {}) async throws {
        let interrupts = InterruptSource()
        let executor = makeExecutor(interrupts: interrupts)
        let parsed = RunbookParser.parse(record.source, defaultID: record.runbookID)
        let values = try executor.params(
            for: record, runbook: parsed.runbook,
            supplied: try ParamResolver.parseAssignments(assignments))
        try await prepare()
        try await execute(executor, runID: record.id!, params: values, interrupts: interrupts)
    }

    /// Whether this process talks to a person: stdin and stdout are terminals.
    static var hasTerminal: Bool { isatty(0) == 1 && isatty(1) == 1 }

    func makeExecutor(interrupts: InterruptSource) -> Executor {
        var logger = Logger(label: "firebreak")
        logger.logLevel =
            ProcessInfo.processInfo.environment["FIREBREAK_LOG"].flatMap(Logger.Level.init(rawValue:)) ?? .critical
        var configuration = ExecutorConfiguration(
            runsDirectory: dataDirectory.appendingPathComponent("runs"), modules: BuiltinModules.make(modules))
        configuration.actor = CurrentUser.name
        return Executor(
            store: store, configuration: configuration, responder: interactive ? TerminalResponder() : nil,
            observer: ConsoleObserver(live: interactive, quiet: json, color: paint.enabled), interrupts: interrupts,
            logger: logger)
    }

    /// Where a Ctrl-C at a prompt commits the pause.
    static let interruptThread = DedicatedExecutor(name: "firebreak-interrupt")

    /// Executes the run and exits with the documented code.
    func execute(_ executor: Executor, runID: Int64, params: [String: String], interrupts: InterruptSource) async throws
    {
        let store = self.store
        interrupts.setIdleHandler { _ in
            // Ctrl-C at a prompt: the process ends here, once the pause is committed. On a thread of its own: the
            // prompt's read may hold a thread of the cooperative pool.
            Task(executorPreference: Self.interruptThread) {
                try? await store.pauseRun(id: runID)
                FileHandle.standardError.write(
                    "\ninterrupted: \(RunRecord.displayID(runID)) is waiting; continue with 'firebreak resume \(RunRecord.displayID(runID))'\n"
                )
                Foundation.exit(ExitStatus.waiting)
            }
        }
        // Without prompts, the run prefers the store's write executor: its commits reach the database with no
        // thread hop (two per step). A run with prompts stays on the pool, since a prompt's read blocks its thread.
        let run = try await withTaskExecutorPreference(interactive ? nil : store.writeExecutor) {
            try await executor.execute(runID: runID, params: params)
        }
        interrupts.setIdleHandler(nil)
        if json {
            try printJSON(
                RunJSON(
                    run, detail: try await store.runDetail(id: runID),
                    runsDirectory: dataDirectory.appendingPathComponent("runs")))
        } else {
            let detail = try await store.runDetail(id: runID)
            print(Self.summary(detail.steps))
            if run.status == .waiting { printWaiting(run, detail: detail) }
        }
        switch run.status {
        case .succeeded: return
        case .waiting: throw ExitCode(ExitStatus.waiting)
        default: throw ExitCode(ExitStatus.failed)
        }
    }

    /// `  steps: 4 succeeded, 2 skipped, 1 failed`: a run can succeed with most of its steps skipped or failed
    /// and continued, and the responder must see that.
    static func summary(_ steps: [StepRecord]) -> String {
        var counts: [StepStatus: Int] = [:]
        for step in steps { counts[step.status, default: 0] += 1 }
        let parts = StepStatus.allCases.compactMap { status in
            counts[status].map { "\($0) \(status.rawValue.replacingOccurrences(of: "_", with: " "))" }
        }
        return "  steps: " + parts.joined(separator: ", ")
    }

    private func printWaiting(_ run: RunRecord, detail: RunDetail) {
        guard let step = detail.steps.first(where: { $0.status == .waiting }) else { return }
        FileHandle.standardError.write(
            """
            \(run.displayID) waits at step '\(step.name)': \(step.reason ?? "approval required")
              approve it:  firebreak approve \(run.displayID) \(step.name) --by NAME
              then:        firebreak resume \(run.displayID)

            """)
    }
}

extension RunSession {
    /// The session of `run`, `resume` and `runs retry`: interactive on a terminal unless `--yes` or `--json`.
    init(global: GlobalOptions, store: any Storage, yes: Bool, json: Bool) throws {
        self.init(
            store: store, dataDirectory: global.dataDirectory, interactive: !yes && !json && Self.hasTerminal,
            json: json, modules: try global.loadConfig().modules,
            paint: Paint.forStandardOutput(noColor: global.noColor))
    }
}
