import Runbooks
import Synchronization
import Workflows

/// The choices made in the browser for guided runs: one per run, for one step, taken once.
public final class GuidedDecisions: Sendable {
    private let pending = Mutex<[Int64: (step: String, decision: GateDecision)]>([:])

    init() {}

    func set(_ decision: GateDecision, step: String, runID: Int64) {
        pending.withLock { $0[runID] = (step, decision) }
    }

    /// The choice for `step`, used up; `nil` when nobody chose for it.
    func take(step: String, runID: Int64) -> GateDecision? {
        pending.withLock { pending in
            guard let entry = pending[runID], entry.step == step else { return nil }
            pending[runID] = nil
            return entry.decision
        }
    }
}

/// The responder of a run stepped through in the browser: the step a person chose for runs or is skipped, and
/// the run stops (waits, durably) before any other, so closing the tab loses nothing and a terminal can
/// `firebreak resume` it. After a failure the run waits too; the page offers run again, skip or abort.
struct GuidedResponder: Responder {
    let runID: Int64
    let decisions: GuidedDecisions

    func decide(before step: Step, index: Int, total: Int, reason: GateReason) async -> GateDecision {
        decisions.take(step: step.name, runID: runID) ?? .pause
    }

    func decide(afterFailure step: Step, attempt: Int, outcome: StepOutcome) async -> FailureDecision {
        .pause
    }
}
