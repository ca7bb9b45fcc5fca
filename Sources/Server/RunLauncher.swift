import Foundation
import Logging
import Metrics
import Modules
import Runbooks
import Store
import Workflows

/// Starts runs for the API in the background, at most `limit` at a time; the rest wait as `pending` in order.
/// A run the server leaves behind at shutdown stays resumable with `firebreak resume`.
public actor RunLauncher {
    let store: Store
    let runbooksDirectory: String
    let runsDirectory: URL
    let limit: Int
    let logger: Logger
    private var active: [Int64: Task<Void, Never>] = [:]
    private var queue: [(Int64, [String: String])] = []
    /// The param values, secrets included, of runs started here that have not ended. Secrets are never stored,
    /// so this is how an approval through the API resumes a run with a secret param without asking for it again
    /// (until the server restarts; then the approval's `params` supply it).
    private var values: [Int64: [String: String]] = [:]
    /// Runs asked to continue while their task was still ending.
    private var rerun: Set<Int64> = []

    let modules: ModuleSettings

    public init(
        store: Store, runbooksDirectory: String, runsDirectory: URL, limit: Int, logger: Logger,
        modules: ModuleSettings = ModuleSettings()
    ) {
        self.store = store
        self.modules = modules
        self.runbooksDirectory = runbooksDirectory
        self.runsDirectory = runsDirectory
        self.limit = max(1, limit)
        self.logger = logger
    }

    nonisolated func makeExecutor(_ logger: Logger) -> Executor {
        Executor(
            store: store,
            configuration: ExecutorConfiguration(runsDirectory: runsDirectory, modules: BuiltinModules.make(modules)),
            logger: logger)
    }

    /// Creates the run (validated, lint-clean, params checked) and schedules it.
    /// - Throws: ``WorkflowError`` or ``RunbookError`` for bad input; the run is not created then.
    public func start(runbook reference: String, params: [String: String], incidentID: String?, requestID: String)
        throws -> RunRecord
    {
        let library = RunbookLibrary(linter: RunbookLinter(modules: BuiltinModules.catalog))
        let loaded = try library.findContained(reference, in: runbooksDirectory)
        let errors = loaded.result.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else {
            throw WorkflowError(
                .invalidRunbook,
                "\(loaded.path) has lint errors: "
                    + errors.prefix(3).map { $0.formatted(path: loaded.path) }.joined(separator: "; "))
        }
        let values = try ParamResolver.resolve(params, for: loaded.runbook, environment: [:])
        let incident = try incidentID.map { try store.incident(id: $0).id }
        let path = URL(fileURLWithPath: loaded.path).standardizedFileURL.path
        let run = try makeExecutor(logger).createRun(
            runbook: loaded.runbook, source: loaded.source, path: path,
            params: values, incidentID: incident)
        logger.info("run created", metadata: ["run.id": .string(run.displayID), "request.id": .string(requestID)])
        schedule(run.id!, params: values)
        return run
    }

    /// Schedules a run created elsewhere (the alert pipeline creates its runs inside its own transaction).
    public func enqueue(runID: Int64, params: [String: String]) {
        schedule(runID, params: params)
    }

    /// Continues a waiting run (after an approval or a retry). Secret params come from `supplied`, else from the
    /// values the run was started with in this process.
    /// - Throws: ``WorkflowError`` `.invalidInput` when a secret param is needed and nobody has it.
    public func resume(runID: Int64, supplied: [String: String] = [:]) throws {
        let record = try store.runDetail(id: runID).run
        schedule(runID, params: try params(for: record, supplied: supplied))
    }

    /// The checks of ``resume(runID:supplied:)`` without scheduling: whether every secret is at hand.
    public func params(for record: RunRecord, supplied: [String: String]) throws -> [String: String] {
        let parsed = RunbookParser.parse(record.source, defaultID: record.runbookID)
        let known = (values[record.id!] ?? [:]).merging(supplied) { _, given in given }
        return try makeExecutor(logger).params(for: record, runbook: parsed.runbook, supplied: known)
    }

    /// Continues the automatic runs a previous server left `pending` or `running` (a crash, `kill -9`), under
    /// the usual rules: finished steps never run again, an in-flight step re-runs only when idempotent and
    /// otherwise waits for approval. A run another live process executes is left alone, and so is one whose
    /// secret param is not in the environment (`FIREBREAK_PARAM_NAME`); it is logged with what to do.
    /// - Returns: The runs scheduled.
    @discardableResult
    public func resumeLeftovers() -> [String] {
        let records: [RunRecord]
        do {
            records = try store.unfinishedAutomaticRuns()
        } catch {
            logger.error("cannot list unfinished runs: \(error)")
            return []
        }
        var resumed: [String] = []
        for record in records {
            guard let id = record.id, !Executor.isExecuting(runID: id, runsDirectory: runsDirectory) else { continue }
            do {
                schedule(id, params: try params(for: record, supplied: [:]))
                resumed.append(record.displayID)
            } catch {
                logger.warning(
                    "\(record.displayID) was left \(record.status.rawValue) and cannot continue on its own: \(error)",
                    metadata: ["run.id": .string(record.displayID)])
            }
        }
        if !resumed.isEmpty {
            logger.notice("continuing \(resumed.count) run(s) left unfinished: \(resumed.joined(separator: ", "))")
        }
        return resumed
    }

    /// Drops the secrets of runs that ended while no task of this launcher held them (cancelled with their
    /// incident, finished by a terminal).
    private func pruneEnded() {
        for runID in values.keys where active[runID] == nil && !queue.contains(where: { $0.0 == runID }) {
            if let status = try? store.runDetail(id: runID).run.status, status.isFinal { values[runID] = nil }
        }
    }

    /// Runs executing now.
    public var runningCount: Int { active.count }

    /// Waits for the runs in flight (tests; shutdown does not wait).
    public func waitForIdle() async {
        while let task = active.values.first {
            await task.value
        }
    }

    private func schedule(_ runID: Int64, params: [String: String]) {
        values[runID] = params
        if active[runID] != nil {
            // Its task is ending (the run just stopped to wait); continue it once that task is done, or the
            // approval that asked for it would be lost.
            rerun.insert(runID)
            return
        }
        guard !queue.contains(where: { $0.0 == runID }) else { return }
        queue.append((runID, params))
        drain()
    }

    /// Forgets the params (secrets) of a run that ended outside this launcher (cancelled, finished elsewhere).
    public func forget(runID: Int64) {
        values[runID] = nil
        rerun.remove(runID)
    }

    private func drain() {
        while active.count < limit, !queue.isEmpty {
            let (runID, params) = queue.removeFirst()
            var runLogger = self.logger
            runLogger[metadataKey: "run.id"] = .string(RunRecord.displayID(runID))
            let logger = runLogger
            let executor = makeExecutor(logger)
            active[runID] = Task {
                var ended = true
                do {
                    let run = try await executor.execute(runID: runID, params: params)
                    logger.info("run \(run.status.rawValue)")
                    ended = run.status.isFinal
                    // A run that stops to wait for a human has not finished; it is counted apart.
                    Counter(
                        label: ended ? "firebreak_runs_finished_total" : "firebreak_runs_paused_total",
                        dimensions: [("status", run.status.rawValue)]
                    ).increment()
                } catch {
                    logger.error("run could not execute: \(error)")
                }
                self.finished(runID, ended: ended)
            }
        }
    }

    private func finished(_ runID: Int64, ended: Bool) {
        active[runID] = nil
        if ended { values[runID] = nil }
        if rerun.remove(runID) != nil, let params = values[runID] {
            schedule(runID, params: params)
        }
        pruneEnded()
        drain()
    }
}
