import Foundation
import Logging
import Metrics
import Modules
import Runbooks
import ServiceLifecycle
import Store
import Workflows

/// Executes runs in the background, at most `limit` at a time; the rest wait as `pending` in order.
///
/// A service of the server's group: ``run()`` owns every run's task as a child. It continues the automatic runs a
/// previous process left `pending` or `running` (a crash, `kill -9`) when it starts, and sweeps for them again every
/// `sweepInterval` (a claim that expired, a run queued by another process). On graceful shutdown it starts nothing
/// more and waits for the runs in flight; one still running when the group gives up stays `running` in the store,
/// and the next `firebreak serve` continues it under the usual rules.
public actor RunLauncher: Service {
    let store: any Storage
    let runbooksDirectory: String
    let runsDirectory: URL
    let limit: Int
    let logger: Logger
    private var active: Set<Int64> = []
    private var queue: [(Int64, [String: String])] = []
    /// The param values, secrets included, of runs started here that have not ended. Secrets are never stored,
    /// so this is how an approval through the API resumes a run with a secret param without asking for it again
    /// (until the server restarts; then the approval's `params` supply it).
    private var values: [Int64: [String: String]] = [:]
    /// Runs asked to continue while their task was still ending.
    private var rerun: Set<Int64> = []

    let modules: ModuleSettings
    let sweepInterval: Duration
    /// Wakes ``run()`` when a run is queued.
    private let wake: AsyncStream<Void>
    private let wakeUp: AsyncStream<Void>.Continuation
    /// Runs whose task is ending, waited for by ``waitForIdle()``.
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []

    public init(
        store: any Storage, runbooksDirectory: String, runsDirectory: URL, limit: Int, logger: Logger,
        modules: ModuleSettings = ModuleSettings(), sweepInterval: Duration = .seconds(10), live: LiveOutput? = nil
    ) {
        self.store = store
        self.live = live
        self.sweepInterval = sweepInterval
        (wake, wakeUp) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        self.modules = modules
        self.runbooksDirectory = runbooksDirectory
        self.runsDirectory = runsDirectory
        self.limit = max(1, limit)
        self.logger = logger
    }

    /// Where running steps' output goes for the console's live view.
    let live: LiveOutput?

    /// The choices people made in the browser for guided runs, taken by their executors.
    public let decisions = GuidedDecisions()
    /// Guided runs scheduled to continue, and who made the choice that continues them (the actor of that step).
    private var guided: [Int64: String] = [:]

    nonisolated func makeExecutor(
        _ logger: Logger, observer: (any RunObserver)? = nil, responder: (any Responder)? = nil,
        actor: String? = nil
    ) -> Executor {
        var configuration = ExecutorConfiguration(runsDirectory: runsDirectory, modules: BuiltinModules.make(modules))
        if let actor { configuration.actor = actor }
        return Executor(
            store: store, configuration: configuration, responder: responder, observer: observer, logger: logger)
    }

    /// Creates the run (validated, lint-clean, params checked) and schedules it.
    /// - Throws: ``WorkflowError`` or ``RunbookError`` for bad input; the run is not created then.
    /// - Parameters:
    ///   - guidedBy: The person who steps through the run in the browser: it stops before every step for their
    ///     choice (``decide(runID:step:decision:by:)``), as the terminal's interactive mode does.
    public func start(
        runbook reference: String, params: [String: String], incidentID: String?, requestID: String,
        guidedBy: String? = nil
    ) async throws -> RunRecord {
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
        var incident: String?
        if let incidentID { incident = try await store.incident(id: incidentID).id }
        let path = URL(fileURLWithPath: loaded.path).standardizedFileURL.path
        let responder = guidedBy.map { _ in GuidedResponder(runID: 0, decisions: decisions) }
        let run = try await makeExecutor(logger, responder: responder).createRun(
            runbook: loaded.runbook, source: loaded.source, path: path,
            params: values, incidentID: incident)
        logger.info("run created", metadata: ["run.id": .string(run.displayID), "request.id": .string(requestID)])
        if let guidedBy { guided[run.id!] = guidedBy }
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
    public func resume(runID: Int64, supplied: [String: String] = [:]) async throws {
        let record = try await store.runDetail(id: runID).run
        schedule(runID, params: try params(for: record, supplied: supplied))
    }

    /// Records a person's choice at a guided run's waiting step and continues the run with it: the step runs (a
    /// manual one counts as done by them) or is skipped, and the run stops again before the next step.
    /// - Throws: ``WorkflowError`` `.invalidInput` when a secret param is needed and nobody has it.
    public func decide(runID: Int64, step: String, decision: GateDecision, by actor: String, supplied: [String: String])
        async throws
    {
        let record = try await store.runDetail(id: runID).run
        let values = try params(for: record, supplied: supplied)
        decisions.set(decision, step: step, runID: runID)
        guided[runID] = actor
        schedule(runID, params: values)
    }

    /// The checks of ``resume(runID:supplied:)`` without scheduling: whether every secret is at hand.
    public func params(for record: RunRecord, supplied: [String: String]) throws -> [String: String] {
        let parsed = RunbookParser.parse(record.source, defaultID: record.runbookID)
        let known = (values[record.id!] ?? [:]).merging(supplied) { _, given in given }
        return try makeExecutor(logger).params(for: record, runbook: parsed.runbook, supplied: known)
    }

    /// Continues the automatic runs a previous server left `pending` or `running` (a crash, `kill -9`), under
    /// the usual rules: finished steps never run again, an in-flight step re-runs only when idempotent and
    /// otherwise waits for approval. A run held by a live claim elsewhere (another process executes it) is left
    /// alone, and so is one whose secret param is not in the environment (`FIREBREAK_PARAM_NAME`); it is logged
    /// with what to do.
    /// - Returns: The runs scheduled.
    @discardableResult
    public func resumeLeftovers(now: Date = Date()) async -> [String] {
        let records: [RunRecord]
        do {
            records = try await store.unfinishedAutomaticRuns()
        } catch {
            logger.error("cannot list unfinished runs: \(error)")
            return []
        }
        var resumed: [String] = []
        for record in records {
            guard let id = record.id, !active.contains(id), !queue.contains(where: { $0.0 == id }),
                !Executor.isExecuting(runID: id, runsDirectory: runsDirectory)
            else { continue }
            // Held by a live owner on another host: its executor renews the lease; leave it to that node.
            if let claim = try? await store.currentClaim(on: .run(id)), claim.expiresAt > now,
                claim.owner.host != ClaimOwner.process.host
            {
                continue
            }
            // The await above let the alert path hand this run over meanwhile.
            guard !active.contains(id), !queue.contains(where: { $0.0 == id }) else { continue }
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
    private func pruneEnded() async {
        for runID in values.keys where !active.contains(runID) && !queue.contains(where: { $0.0 == runID }) {
            if let status = try? await store.runDetail(id: runID).run.status, status.isFinal { values[runID] = nil }
        }
    }

    /// Runs executing now.
    public var runningCount: Int { active.count }

    /// Waits until no run is executing or queued (tests; shutdown waits in ``run()``).
    public func waitForIdle() async {
        while !active.isEmpty || !queue.isEmpty {
            await withCheckedContinuation { idleWaiters.append($0) }
        }
    }

    /// The service: continues leftovers, then executes queued runs as child tasks until graceful shutdown, sweeping
    /// for leftovers every `sweepInterval`; then waits for the runs in flight.
    public func run() async {
        await resumeLeftovers()
        await withDiscardingTaskGroup { group in
            let sweeper = sweepInterval
            group.addTask {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: sweeper) }
                    guard !Task.isShuttingDownGracefully else { break }
                    await self.resumeLeftovers()
                }
                self.wakeUp.finish()
            }
            await withGracefulShutdownHandler {
                for await _ in wake {
                    startQueued(in: &group)
                }
            } onGracefulShutdown: {
                self.wakeUp.finish()
            }
        }
        let left = queue.count
        if left > 0 {
            logger.notice("\(left) queued run(s) stay pending; the next 'firebreak serve' starts them")
        }
    }

    private func schedule(_ runID: Int64, params: [String: String]) {
        values[runID] = params
        if active.contains(runID) {
            // Its task is ending (the run just stopped to wait); continue it once that task is done, or the
            // approval that asked for it would be lost.
            rerun.insert(runID)
            return
        }
        guard !queue.contains(where: { $0.0 == runID }) else { return }
        queue.append((runID, params))
        wakeUp.yield()
    }

    /// Forgets the params (secrets) of a run that ended outside this launcher (cancelled, finished elsewhere).
    public func forget(runID: Int64) {
        values[runID] = nil
        rerun.remove(runID)
    }

    private func startQueued(in group: inout DiscardingTaskGroup) {
        while active.count < limit, !queue.isEmpty {
            let (runID, params) = queue.removeFirst()
            var runLogger = self.logger
            runLogger[metadataKey: "run.id"] = .string(RunRecord.displayID(runID))
            let logger = runLogger
            let guide = guided.removeValue(forKey: runID)
            let executor = makeExecutor(
                logger, observer: live?.observer(runID: runID),
                responder: guide.map { _ in GuidedResponder(runID: runID, decisions: decisions) }, actor: guide)
            active.insert(runID)
            group.addTask {
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
                await self.finished(runID, ended: ended)
            }
        }
    }

    private func finished(_ runID: Int64, ended: Bool) async {
        active.remove(runID)
        if ended { values[runID] = nil }
        if rerun.remove(runID) != nil, let params = values[runID] {
            schedule(runID, params: params)
        }
        await pruneEnded()
        wakeUp.yield()
        if active.isEmpty && queue.isEmpty {
            for waiter in idleWaiters { waiter.resume() }
            idleWaiters = []
        }
    }
}
