import Runbooks

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
