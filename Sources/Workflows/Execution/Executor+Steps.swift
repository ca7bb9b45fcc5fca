import Basics
import Foundation
import Runbooks
import Store

enum GateResult {
    case proceed
    case done
    case stop
}

enum AttemptsResult {
    case succeeded
    case skipped
    case stopped
    case failed(String)
}

extension Executor {
    /// Applies human gates: interactive questions, `confirm`, manual steps and interrupted steps.
    func passGate(_ index: Int, state: inout ExecutionState) async throws -> GateResult {
        let step = state.runbook.steps[index]
        var record = state.steps[index]
        let gate: GateReason? =
            if record.status == .waiting && record.reason == GateReason.interrupted.waitingReason {
                .interrupted
            } else if case .manual = step.kind { .manual } else if step.attributes.confirm { .confirmation } else {
                nil
            }
        if let gate, let approver = record.approvedBy {
            if gate == .manual {
                try await completeManual(index, note: "done; approved by \(approver)", state: &state)
                return .done
            }
            return .proceed
        }
        guard let responder else {
            guard let gate else { return .proceed }
            try await wait(index, reason: gate.waitingReason, state: &state)
            return .stop
        }
        // The previous step's result is reported before the question, not after the answer.
        if !state.pending.isEmpty { try await persist(&state, run: false) }
        let decision = await responder.decide(
            before: step, index: index, total: state.steps.count, reason: gate ?? .ordinary)
        switch decision {
        case .run:
            if gate == .manual {
                state.steps[index].approvedBy = configuration.actor
                state.steps[index].approvedAt = Date()
                try await completeManual(index, note: "done by \(configuration.actor)", state: &state)
                return .done
            }
            return .proceed
        case .skip:
            try await skip(index, reason: "skipped by \(configuration.actor)", state: &state)
            return .done
        case .abort:
            record.status = .skipped
            record.reason = "run aborted by \(configuration.actor)"
            state.steps[index] = record
            try await finish(
                &state, status: .aborted, error: "aborted by \(configuration.actor) at step '\(step.name)'",
                skippingFrom: index, reason: "run aborted by \(configuration.actor)")
            return .stop
        case .pause:
            try await wait(index, reason: gate?.waitingReason ?? GateReason.ordinary.waitingReason, state: &state)
            return .stop
        }
    }

    private func completeManual(_ index: Int, note: String, state: inout ExecutionState) async throws {
        let now = Date()
        state.steps[index].status = .succeeded
        state.steps[index].reason = note
        state.steps[index].startedAt = state.steps[index].startedAt ?? now
        state.steps[index].finishedAt = now
        state.steps[index].durationMs = 0
        state.run.cursor = index + 1
        try await persist(&state, run: true, steps: [state.steps[index]])
        observer?.attemptFinished(
            state.runbook.steps[index], attempt: 0, outcome: StepOutcome(status: .succeeded, reason: note))
    }

    /// Leaves the run waiting at this step.
    func wait(_ index: Int, reason: String, state: inout ExecutionState) async throws {
        state.steps[index].status = .waiting
        state.steps[index].reason = reason
        state.run.status = .waiting
        state.run.cursor = index
        try await persist(&state, run: true, steps: [state.steps[index]])
    }

    /// Runs a step's attempts with retries, backoff, and the responder's choices after failure.
    func runAttempts(_ index: Int, state: inout ExecutionState) async throws -> AttemptsResult {
        let step = state.runbook.steps[index]
        let policy = BackoffPolicy(step.attributes)
        var allowed = step.attributes.attempts + state.steps[index].attempts
        var generator = SystemRandomNumberGenerator()
        var tried = 0
        while true {
            tried += 1
            var attempt = try await startAttempt(index, state: &state)
            let number = attempt.number
            let outcome = await perform(step, index: index, attempt: number, state: state)
            let finishedAt = Date()
            record(outcome, of: &attempt, finishedAt: finishedAt, state: &state)
            if outcome.status == .succeeded {
                completeSucceeded(index, attempt: attempt, outcome: outcome, finishedAt: finishedAt, state: &state)
                return .succeeded
            }
            let reason = outcome.reason ?? "failed"
            state.steps[index].reason = reason
            if let signal = outcome.interruptedBy, responder == nil {
                try await waitAfterInterrupt(index, signal: signal, attempt: attempt, outcome: outcome, state: &state)
                return .stopped
            }
            try await persist(&state, run: false, steps: [state.steps[index]], attempts: [attempt])
            observer?.attemptFinished(step, attempt: number, outcome: outcome)
            if number < allowed && outcome.interruptedBy == nil {
                let delay = policy.wait(beforeAttempt: tried + 1, using: &generator)
                observer?.retrying(step, nextAttempt: number + 1, after: delay)
                try? await configuration.sleep(delay)
                continue
            }
            if let responder {
                let decision = await responder.decide(afterFailure: step, attempt: number, outcome: outcome)
                guard
                    let result = try await follow(
                        decision, index, outcome: outcome, reason: reason, finishedAt: finishedAt, state: &state)
                else {
                    allowed = max(allowed, number + 1)
                    continue
                }
                return result
            }
            try await completeFailed(index, status: outcome.status, finishedAt: finishedAt, state: &state)
            return .failed(reason)
        }
    }

    /// Marks the step running, records its next attempt and reports that the attempt started.
    private func startAttempt(_ index: Int, state: inout ExecutionState) async throws -> AttemptRecord {
        let number = state.steps[index].attempts + 1
        let startedAt = Date()
        state.steps[index].status = .running
        state.steps[index].attempts = number
        state.steps[index].startedAt = state.steps[index].startedAt ?? startedAt
        state.steps[index].reason = nil
        let cursorMoved = state.run.cursor != index
        state.run.cursor = index
        let attempt = AttemptRecord(
            runID: state.run.id!, stepIndex: index, number: number, status: .running,
            startedAt: startedAt)
        try await persist(&state, run: cursorMoved, steps: [state.steps[index]], attempts: [attempt])
        observer?.stepStarted(state.runbook.steps[index], index: index, total: state.steps.count, attempt: number)
        return attempt
    }

    /// Writes an attempt's outcome into its record and the run's state (not yet persisted).
    private func record(
        _ outcome: StepOutcome, of attempt: inout AttemptRecord, finishedAt: Date, state: inout ExecutionState
    ) {
        attempt.status = outcome.status
        attempt.exitCode = outcome.exitCode
        attempt.finishedAt = finishedAt
        attempt.durationMs = outcome.duration.milliseconds
        attempt.output = outcome.output
        state.attempts[attempt.stepIndex, default: []].append(attempt)
        state.steps[attempt.stepIndex].exitCode = outcome.exitCode
    }

    /// Publishes a succeeded attempt's outputs and moves the cursor past the step. The step, the attempt and the
    /// report are written with the next transition.
    private func completeSucceeded(
        _ index: Int, attempt: AttemptRecord, outcome: StepOutcome, finishedAt: Date, state: inout ExecutionState
    ) {
        var outputs = state.context.outputs[index] ?? [:]
        outputs.merge(outcome.outputs) { _, new in new }
        state.context.outputs[index] = outputs
        if !outcome.outputs.isEmpty {
            state.redactor = state.context.redactor(processEnvironment: configuration.processEnvironment)
        }
        let redactor = state.redactor
        state.steps[index].outputs =
            outputs.isEmpty ? "{}" : JSON.encode(outputs.mapValues { redactor.redact($0) })
        state.steps[index].status = .succeeded
        state.steps[index].finishedAt = finishedAt
        state.steps[index].durationMs = Int64(
            finishedAt.timeIntervalSince(state.steps[index].startedAt!) * 1000)
        state.run.cursor = index + 1
        // Written with the next transition; reported once that commit is durable.
        state.pending.steps.append(state.steps[index])
        state.pending.attempts.append(attempt)
        if let observer {
            let step = state.runbook.steps[index]
            let number = attempt.number
            state.pending.notifications.append {
                observer.attemptFinished(step, attempt: number, outcome: outcome)
            }
        }
    }

    /// Leaves the run waiting at a step that SIGINT or SIGTERM interrupted, with no responder to ask.
    private func waitAfterInterrupt(
        _ index: Int, signal: Int32, attempt: AttemptRecord, outcome: StepOutcome, state: inout ExecutionState
    ) async throws {
        state.steps[index].status = .waiting
        state.steps[index].reason =
            "interrupted by \(signal == SIGINT ? "SIGINT" : "SIGTERM"); resume to run it again"
        state.run.status = .waiting
        try await persist(&state, run: true, steps: [state.steps[index]], attempts: [attempt])
        observer?.attemptFinished(state.runbook.steps[index], attempt: attempt.number, outcome: outcome)
    }

    /// Carries out the responder's choice after a failed attempt.
    /// - Returns: How the step ended, or `nil` when the responder chose to retry it.
    private func follow(
        _ decision: FailureDecision, _ index: Int, outcome: StepOutcome, reason: String, finishedAt: Date,
        state: inout ExecutionState
    ) async throws -> AttemptsResult? {
        switch decision {
        case .retry:
            return nil
        case .skip:
            try await skip(index, reason: "\(reason); skipped by \(configuration.actor)", state: &state)
            return .skipped
        case .abort:
            state.steps[index].status = outcome.status
            state.steps[index].finishedAt = finishedAt
            try await persist(&state, run: false, steps: [state.steps[index]])
            try await finish(
                &state, status: .aborted,
                error: "aborted by \(configuration.actor) after step '\(state.runbook.steps[index].name)' \(reason)",
                skippingFrom: index + 1, reason: "run aborted by \(configuration.actor)")
            return .stopped
        case .pause:
            try await wait(index, reason: "\(reason); paused by \(configuration.actor)", state: &state)
            return .stopped
        }
    }

    /// Ends a step whose last attempt failed and moves the cursor past it.
    private func completeFailed(
        _ index: Int, status: StepStatus, finishedAt: Date, state: inout ExecutionState
    ) async throws {
        state.steps[index].status = status
        state.steps[index].finishedAt = finishedAt
        state.steps[index].durationMs = Int64(finishedAt.timeIntervalSince(state.steps[index].startedAt!) * 1000)
        state.run.cursor = index + 1
        try await persist(&state, run: true, steps: [state.steps[index]])
    }

    /// Performs one attempt of a shell or module step.
    func perform(_ step: Step, index: Int, attempt: Int, state: ExecutionState) async -> StepOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        switch step.kind {
        case .manual:
            return StepOutcome(status: .succeeded)
        case .module(let name, let body):
            guard let module = configuration.modules[name] else {
                return StepOutcome(
                    status: .failed, output: "module '\(name)' is not available in this build",
                    reason: "failed: module '\(name)' is not available", duration: clock.now - start)
            }
            do {
                let rendered = try state.context.render(body)
                var outcome = await module.run(
                    body: rendered,
                    context: ModuleContext(
                        runID: state.displayID, stepName: step.name,
                        directory: state.directory.path, store: store))
                outcome.duration = clock.now - start
                return outcome
            } catch {
                return StepOutcome(
                    status: .failed, output: "\(error)", reason: "failed: \(error)",
                    duration: clock.now - start)
            }
        case .shell(let language, let script):
            return await performShell(
                step, language: language, script: script, index: index, attempt: attempt,
                state: state)
        }
    }

    private func performShell(
        _ step: Step, language: ShellLanguage, script: String, index: Int, attempt: Int, state: ExecutionState
    ) async -> StepOutcome {
        let clock = ContinuousClock()
        let start = clock.now
        // The step creates this file when it publishes outputs (the run directory is owner-only).
        let outputFile = state.directoryPath + "/\(index)-\(attempt).out"
        defer { _ = unlink(outputFile) }
        let base = state.runbookDirectory
        let workingDirectory = step.attributes.cwd.map { $0.hasPrefix("/") ? $0 : base + "/" + $0 } ?? base
        let redactor = state.redactor
        let live: (@Sendable (String) -> Void)? =
            if let observer, observer.wantsLiveOutput { { observer.output($0) } } else { nil }
        let result: ProcessOutcome
        do {
            result = try await configuration.runner.run(
                language: language, script: script,
                environment: state.context.environment(
                    runID: state.displayID, runDirectory: state.directoryPath, step: step, attempt: attempt,
                    outputFile: outputFile),
                workingDirectory: workingDirectory, timeout: step.attributes.timeout ?? state.runbook.timeout,
                redactor: redactor, interrupts: interrupts, live: live)
        } catch {
            return StepOutcome(
                status: .failed, output: "\(error)", reason: "could not start: \(error)",
                duration: clock.now - start)
        }
        var outcome = StepOutcome(
            status: .succeeded, exitCode: result.exitCode, output: result.output,
            duration: clock.now - start, interruptedBy: result.interruptedBy)
        let reserved = Self.collectOutputs(into: &outcome, file: outputFile, capture: step.attributes.capture)
        if let signal = result.interruptedBy {
            outcome.status = .failed
            outcome.reason = "interrupted by \(signal == SIGINT ? "Ctrl-C (SIGINT)" : "SIGTERM")"
        } else if result.timedOut {
            let limit = step.attributes.timeout ?? state.runbook.timeout ?? .zero
            outcome.status = .timedOut
            outcome.reason = "timed out after \(DurationParser.format(limit))"
        } else if let code = result.exitCode, code != 0 {
            outcome.status = .failed
            outcome.reason = "failed with exit code \(code)"
        } else if let signal = result.signal {
            outcome.status = .failed
            outcome.reason = "killed by signal \(signal)"
        } else if !reserved.isEmpty {
            outcome.status = .failed
            outcome.reason =
                "refused output \(reserved.map { "'\($0)'" }.joined(separator: ", ")): it would set "
                + reserved.map { "$" + Param.environmentName(for: $0) }.joined(separator: ", ")
                + ", which steps rely on; rename it"
        }
        return outcome
    }

    /// Reads the step's outputs (`key=value` lines of `$FIREBREAK_OUTPUT`, and `capture=`'s last line) into
    /// `outcome`, leaving out reserved names (`path=/tmp` would replace `$PATH` in every later step).
    /// - Returns: The reserved names that were refused, sorted.
    static func collectOutputs(into outcome: inout StepOutcome, file: String, capture: String?) -> [String] {
        if let data = FileManager.default.contents(atPath: file) {
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                guard let equals = line.firstIndex(of: "="), equals != line.startIndex else { continue }
                outcome.outputs[String(line[..<equals])] = String(line[line.index(after: equals)...])
            }
        }
        if let capture {
            let lastLine = outcome.output.split(separator: "\n").last { !$0.allSatisfy(\.isWhitespace) }
            outcome.outputs[capture] = lastLine.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        }
        let reserved = outcome.outputs.keys.filter(RunbookLinter.isReserved).sorted()
        outcome.outputs = outcome.outputs.filter { !RunbookLinter.isReserved($0.key) }
        return reserved
    }
}
