import Runbooks
import Store

/// What a responder chose before a step (or a gate).
public enum GateDecision: String, Sendable {
    /// Run the step (for a manual step: it is done).
    case run
    /// Skip the step.
    case skip
    /// Abort the run.
    case abort
    /// Stop here and leave the run waiting, to resume later.
    case pause
}

/// What a responder chose after a step failed.
public enum FailureDecision: String, Sendable {
    case retry
    case skip
    case abort
    case pause
}

/// Why a step stops at a gate.
public enum GateReason: Sendable, Equatable {
    /// Interactive mode asks before every step.
    case ordinary
    /// The step has `confirm=true`.
    case confirmation
    /// A manual `- [ ]` step.
    case manual
    /// The step was running when the process died and is not idempotent.
    case interrupted

    /// The reason stored on a waiting step.
    public var waitingReason: String {
        switch self {
        case .ordinary: "paused by responder"
        case .confirmation: "confirmation required"
        case .manual: "manual step; a human must do it"
        case .interrupted: "interrupted; not idempotent"
        }
    }
}

/// A human at a terminal who decides at gates (interactive mode).
public protocol Responder: Sendable {
    /// Asked before a step runs.
    func decide(before step: Step, index: Int, total: Int, reason: GateReason) async -> GateDecision
    /// Asked after a step's attempt failed, timed out or was interrupted.
    func decide(afterFailure step: Step, attempt: Int, outcome: StepOutcome) async -> FailureDecision
}

/// Receives progress for display. Every method has an empty default.
public protocol RunObserver: Sendable {
    /// Whether to stream step output live.
    var wantsLiveOutput: Bool { get }
    /// A run started or resumed.
    func runStarted(_ run: RunRecord, runbook: Runbook)
    /// A step attempt started.
    func stepStarted(_ step: Step, index: Int, total: Int, attempt: Int)
    /// Live output of the running step, redacted.
    func output(_ text: String)
    /// A step attempt ended.
    func attemptFinished(_ step: Step, attempt: Int, outcome: StepOutcome)
    /// A step was skipped.
    func stepSkipped(_ step: Step, reason: String)
    /// A retry will start after `delay`.
    func retrying(_ step: Step, nextAttempt: Int, after delay: Duration)
    /// The run ended or is waiting.
    func runFinished(_ run: RunRecord)
}

extension RunObserver {
    public var wantsLiveOutput: Bool { false }
    public func runStarted(_ run: RunRecord, runbook: Runbook) {}
    public func stepStarted(_ step: Step, index: Int, total: Int, attempt: Int) {}
    public func output(_ text: String) {}
    public func attemptFinished(_ step: Step, attempt: Int, outcome: StepOutcome) {}
    public func stepSkipped(_ step: Step, reason: String) {}
    public func retrying(_ step: Step, nextAttempt: Int, after delay: Duration) {}
    public func runFinished(_ run: RunRecord) {}
}

/// The result of one attempt of any kind of step.
public struct StepOutcome: Sendable, Equatable {
    /// `succeeded`, `failed` or `timed_out`.
    public var status: StepStatus
    /// Exit code of a shell step.
    public var exitCode: Int?
    /// Redacted output tail (or a module's message).
    public var output: String
    /// Outputs published by the attempt.
    public var outputs: [String: String]
    /// Why it failed, in words.
    public var reason: String?
    /// Wall time.
    public var duration: Duration
    /// The signal that interrupted it, if any.
    public var interruptedBy: Int32?

    /// Creates an outcome.
    public init(
        status: StepStatus, exitCode: Int? = nil, output: String = "", outputs: [String: String] = [:],
        reason: String? = nil, duration: Duration = .zero, interruptedBy: Int32? = nil
    ) {
        self.status = status
        self.exitCode = exitCode
        self.output = output
        self.outputs = outputs
        self.reason = reason
        self.duration = duration
        self.interruptedBy = interruptedBy
    }
}

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
