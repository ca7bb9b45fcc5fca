import Foundation
import Incidents
import Logging
import Runbooks
import Store

/// Runs runbooks as durable runs: every transition is committed before the engine acts on it.
public final class Executor: Sendable {
    let store: any Storage
    let configuration: ExecutorConfiguration
    let responder: (any Responder)?
    let observer: (any RunObserver)?
    let interrupts: InterruptSource?
    let logger: Logger

    /// Creates an executor. With no `responder` the run is automatic: gates put it in `waiting`.
    public init(
        store: any Storage, configuration: ExecutorConfiguration, responder: (any Responder)? = nil,
        observer: (any RunObserver)? = nil, interrupts: InterruptSource? = nil, logger: Logger
    ) {
        self.store = store
        self.configuration = configuration
        self.responder = responder
        self.observer = observer
        self.interrupts = interrupts
        self.logger = logger
    }

    /// Records a new run with all its steps pending; nothing runs yet.
    ///
    /// - Parameters:
    ///   - runbook: A runbook that linted clean.
    ///   - source: Its exact text, stored so that a resume runs the same steps.
    ///   - params: Resolved param values; secret values are stored redacted.
    public func createRun(
        runbook: Runbook, source: String, path: String, params: [String: String], incidentID: String? = nil
    ) async throws -> RunRecord {
        let (run, steps) = prepareRun(
            runbook: runbook, source: source, path: path, params: params, incidentID: incidentID)
        return try await store.createRun(run, steps: steps)
    }

    /// The rows of a new run, not yet stored: the alert ingest path inserts them in its own transaction.
    /// - Parameter alert: The alert context (``Alert/context``) that the steps see as `ALERT_*` variables.
    public func prepareRun(
        runbook: Runbook, source: String, path: String, params: [String: String], incidentID: String? = nil,
        alert: [String: String]? = nil
    ) -> (RunRecord, [StepRecord]) {
        var stored = params
        for param in runbook.params where param.isSecret && stored[param.name] != nil {
            stored[param.name] = Redactor.mask
        }
        let run = RunRecord(
            runbookID: runbook.id, runbookPath: path, title: runbook.title, source: source, status: .pending,
            mode: responder == nil ? "automatic" : "interactive", params: JSON.encode(stored),
            incidentID: incidentID, startedAt: Date(), alert: alert.map(JSON.encode))
        let steps = runbook.steps.enumerated().map { index, step in
            StepRecord(runID: 0, index: index, name: step.name, kind: step.kind.label)
        }
        return (run, steps)
    }

    /// The param values to continue a run with: stored values plus re-supplied secrets.
    /// - Throws: ``WorkflowError`` `.invalidInput` when a secret param needs its value again.
    public func params(for run: RunRecord, runbook: Runbook, supplied: [String: String]) throws -> [String: String] {
        var values = JSON.decode(run.params)
        for param in runbook.params where param.isSecret && values[param.name] == Redactor.mask {
            if let value = supplied[param.name]
                ?? configuration.processEnvironment["FIREBREAK_PARAM_\(param.environmentName)"]
            {
                values[param.name] = value
            } else {
                throw WorkflowError(
                    .invalidInput,
                    "secret param '\(param.name)' is not stored; give it again (--param \(param.name)=VALUE, or \"params\" in the API request) or set FIREBREAK_PARAM_\(param.environmentName)"
                )
            }
        }
        return values
    }

    /// Executes (or resumes) a run until it ends or waits for a human.
    ///
    /// - Parameters:
    ///   - runID: The run's row id.
    ///   - params: Full param values (see ``params(for:runbook:supplied:)``).
    /// - Returns: The run as it ended or paused.
    /// - Throws: ``WorkflowError`` when the run cannot continue (finished, locked, runbook changed).
    public func execute(runID: Int64, params: [String: String]) async throws -> RunRecord {
        let displayID = RunRecord.displayID(runID)
        let directory = configuration.runsDirectory.appendingPathComponent(displayID)
        let lock = try RunLock.acquire(directory: directory, runID: displayID)
        defer { lock.release() }
        let claim = try await claimRun(runID)
        do {
            let run = try await withHeartbeat(claim) {
                try await self.execute(runID: runID, params: params, claim: claim, directory: directory)
            }
            try? await store.release(claim)
            return run
        } catch let error as StoreError where error.code == .claimLost {
            logger.warning("run taken over by another owner: \(error.message)", metadata: ["run.id": "\(displayID)"])
            throw WorkflowError(
                .conflict,
                "run \(displayID) was taken over by another process after this one's claim expired; it continues there")
        } catch {
            try? await store.release(claim)
            throw error
        }
    }

    private func execute(runID: Int64, params: [String: String], claim: Claim, directory: URL) async throws
        -> RunRecord
    {
        let displayID = RunRecord.displayID(runID)
        let detail = try await store.runDetail(id: runID)
        if detail.run.status.isFinal {
            throw WorkflowError(
                .conflict,
                "run \(displayID) already ended \(detail.run.status.rawValue); start a new one with 'firebreak run \(detail.run.runbookID)'"
            )
        }
        let parsed = RunbookParser.parse(detail.run.source, defaultID: detail.run.runbookID)
        guard !parsed.hasErrors, parsed.runbook.steps.count == detail.steps.count else {
            throw WorkflowError(
                .invalidRunbook, "run \(displayID) stores a runbook that no longer parses; it cannot continue")
        }
        var state = try await makeState(detail, runbook: parsed.runbook, params: params, directory: directory)
        state.claim = claim
        do {
            try await recoverInterruptedSteps(&state)
            state.run.status = .running
            state.run.error = state.run.recovering ? state.run.error : nil
            try await persist(&state, run: true)
            logger.info("run started", metadata: ["run.id": "\(displayID)", "runbook.id": "\(parsed.runbook.id)"])
            observer?.runStarted(state.run, runbook: parsed.runbook)
            try await drive(&state)
            if !state.pending.steps.isEmpty { try await persist(&state, run: true) }
        } catch let error as StoreError where error.code == StoreError.Code.cancelled {
            // Cancelled from elsewhere (`firebreak runs cancel`, the API, the incident ending): the store refused
            // this executor's write. Steps that ended before the cancel keep how they ended (their records were
            // waiting for the next commit); then the run is reported as the store has it.
            try? await store.commitFinished(steps: state.pending.steps, attempts: state.pending.attempts)
            state.run = try await store.runDetail(id: runID).run
            logger.notice("run cancelled", metadata: ["run.id": "\(displayID)"])
        }
        observer?.runFinished(state.run)
        logger.info("run \(state.run.status.rawValue)", metadata: ["run.id": "\(displayID)"])
        return state.run
    }

    /// The in-memory state of a run about to continue: its records, params, alert and incident context.
    private func makeState(_ detail: RunDetail, runbook: Runbook, params: [String: String], directory: URL) async throws
        -> ExecutionState
    {
        var state = ExecutionState(
            run: detail.run, steps: detail.steps, attempts: detail.attempts,
            context: RunContext(
                params: params, runbook: runbook, steps: detail.steps,
                outputs: Dictionary(uniqueKeysWithValues: detail.steps.map { ($0.index, JSON.decode($0.outputs)) }),
                processEnvironment: configuration.processEnvironment),
            directory: directory)
        if let alert = detail.run.alert {
            state.context.alert = JSON.decode(alert)
        }
        if let incidentID = detail.run.incidentID {
            let incident = try await store.incident(id: incidentID)
            state.context.incident = [
                "id": incident.id, "severity": incident.severity.rawValue, "title": incident.title,
                "status": incident.status.rawValue,
            ]
            state.pending.events.append(state.event(detail.run.cursor == 0 ? .runStarted : .runResumed, [:]))
        }
        state.redactor = state.context.redactor(processEnvironment: configuration.processEnvironment)
        return state
    }

    /// Marks steps that were running when a previous process died, and kills what they left behind.
    private func recoverInterruptedSteps(_ state: inout ExecutionState) async throws {
        let interrupted = state.steps.indices.filter { state.steps[$0].status == .running }
        guard !interrupted.isEmpty else { return }
        OrphanReaper.reap(runDirectory: state.directory.path)
        for index in interrupted {
            let step = state.runbook.steps[index]
            var record = state.steps[index]
            var attempt = state.attempts[index]?.last
            attempt?.status = .failed
            attempt?.finishedAt = Date()
            if attempt?.output.isEmpty ?? false {
                attempt?.output = "[interrupted: the process running this step died]"
            }
            if step.attributes.idempotent {
                record.status = .pending
                record.reason = "interrupted; re-running because the step is idempotent"
            } else {
                record.status = .waiting
                record.reason = GateReason.interrupted.waitingReason
                record.approvedBy = nil
                record.approvedAt = nil
            }
            state.steps[index] = record
            try await persist(&state, run: false, steps: [record], attempts: attempt.map { [$0] } ?? [])
            logger.warning(
                "step was interrupted", metadata: ["run.id": "\(state.displayID)", "step.name": "\(step.name)"])
        }
    }

    /// The main loop over steps, from the run's cursor.
    private func drive(_ state: inout ExecutionState) async throws {
        var index = state.run.cursor
        while index < state.steps.count {
            let step = state.runbook.steps[index]
            if state.steps[index].status.isFinal {
                index += 1
                continue
            }
            if step.attributes.rollback && !state.run.recovering {
                try await skip(index, reason: "rollback step; runs only when a failure jumps to it", state: &state)
                index += 1
                continue
            }
            if let condition = step.attributes.when, !condition.isTrue(in: state.context) {
                try await skip(index, reason: "when is false: \(step.attributes.whenSource ?? "")", state: &state)
                index += 1
                continue
            }
            switch try await passGate(index, state: &state) {
            case .proceed: break
            case .done:
                index += 1
                continue
            case .stop: return
            }
            switch try await runAttempts(index, state: &state) {
            case .succeeded, .skipped:
                index += 1
            case .stopped:
                return
            case .failed(let reason):
                let failure = "step '\(step.name)' \(reason)"
                switch step.attributes.onFailure {
                case .abort:
                    try await finish(
                        &state, status: .failed, error: failure, skippingFrom: index + 1,
                        reason: "run failed at step '\(step.name)'")
                    return
                case .continue:
                    index += 1
                case .goto(let target):
                    let targetIndex = state.runbook.index(ofStep: target) ?? state.steps.count
                    state.run.recovering = true
                    state.run.error = failure
                    state.run.cursor = targetIndex
                    var changed: [StepRecord] = []
                    for later in (index + 1)..<max(targetIndex, index + 1) where !state.steps[later].status.isFinal {
                        state.steps[later].status = .skipped
                        state.steps[later].reason = "jumped to '\(target)' after '\(step.name)' failed"
                        changed.append(state.steps[later])
                    }
                    try await persist(&state, run: true, steps: changed)
                    index = targetIndex
                }
            }
        }
        if state.run.recovering {
            try await finish(
                &state, status: .failed, error: state.run.error, skippingFrom: state.steps.count, reason: "")
        } else {
            try await finish(&state, status: .succeeded, error: nil, skippingFrom: state.steps.count, reason: "")
        }
    }

    /// Ends the run, skipping every unfinished step from `skippingFrom`, in one transaction.
    func finish(
        _ state: inout ExecutionState, status: RunStatus, error: String?, skippingFrom start: Int, reason: String
    ) async throws {
        var changed: [StepRecord] = []
        for index in start..<max(start, state.steps.count) where !state.steps[index].status.isFinal {
            state.steps[index].status = .skipped
            state.steps[index].reason = reason
            changed.append(state.steps[index])
        }
        state.run.status = status
        state.run.error = error
        state.run.finishedAt = Date()
        state.run.cursor = state.steps.count
        try await persist(&state, run: true, steps: changed)
    }

    func skip(_ index: Int, reason: String, state: inout ExecutionState) async throws {
        state.steps[index].status = .skipped
        state.steps[index].reason = reason
        state.run.cursor = index + 1
        try await persist(&state, run: true, steps: [state.steps[index]])
        observer?.stepSkipped(state.runbook.steps[index], reason: reason)
    }

    /// Commits a transition together with any pending records, then reports the pending notifications.
    func persist(_ state: inout ExecutionState, run: Bool, steps: [StepRecord] = [], attempts: [AttemptRecord] = [])
        async throws
    {
        if state.run.incidentID != nil {
            for step in state.pending.steps + steps where step.status.isFinal && step.status != .skipped {
                state.pending.events.append(
                    state.event(
                        .stepFinished,
                        [
                            "step": step.name, "status": step.status.rawValue,
                            "exit": step.exitCode.map(String.init) ?? "",
                        ]))
            }
            if run, state.run.status.isFinal || state.run.status == .waiting {
                state.pending.events.append(state.event(.run(state.run.status.rawValue), [:]))
            }
        }
        let pending = state.pending
        let includeRun = run || !pending.steps.isEmpty
        try await store.commit(
            run: includeRun ? state.run : nil, steps: pending.steps + steps,
            attempts: pending.attempts + attempts, incidentID: state.run.incidentID,
            incidentEvents: pending.events, claim: state.claim)
        state.pending = PendingWrite()
        for notify in pending.notifications { notify() }
    }
}
