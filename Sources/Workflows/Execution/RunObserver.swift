import Runbooks
import Store

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
