import Foundation
import Incidents
import Logging
import Runbooks
import Store

/// The in-memory mirror of a run while it executes; every change is committed before acting.
struct ExecutionState {
    var run: RunRecord
    /// The executor's claim on the run: every commit is fenced by it.
    var claim: Claim?
    /// A step's final records, written with the next transition's transaction (saving one commit per
    /// step); its observer notifications wait for that commit, so nothing is reported before it is durable.
    var pending = PendingWrite()
    /// Redacts every secret known so far; rebuilt when a step publishes outputs.
    var redactor = Redactor()
    /// The step records; the context owns them, so `when` always sees the latest state and
    /// no per-step copy of the whole array is made.
    var steps: [StepRecord] {
        get { context.steps }
        _modify { yield &context.steps }
    }
    var attempts: [Int: [AttemptRecord]]
    var context: RunContext
    var directory: URL

    var runbook: Runbook { context.runbook }

    /// A timeline entry about this run for its incident.
    func event(_ kind: TimelineKind, _ details: [String: String]) -> TimelineEntry {
        var details = details
        details["run"] = run.displayID
        details["runbook"] = run.runbookID
        return TimelineEntry(kind: kind, actor: "firebreak", at: Date(), details: details)
    }
    /// `directory` as a path.
    let directoryPath: String
    /// The runbook file's directory: the default working directory of shell steps.
    let runbookDirectory: String

    init(run: RunRecord, steps: [StepRecord], attempts: [Int: [AttemptRecord]], context: RunContext, directory: URL) {
        self.run = run
        self.attempts = attempts
        self.context = context
        self.directory = directory
        self.directoryPath = directory.path
        self.runbookDirectory = URL(fileURLWithPath: run.runbookPath).deletingLastPathComponent().path
    }
    var displayID: String { run.displayID }
}

/// Records waiting to be committed with the next transition, and what to report once they are.
struct PendingWrite {
    var steps: [StepRecord] = []
    var attempts: [AttemptRecord] = []
    /// Timeline entries for the run's incident.
    var events: [TimelineEntry] = []
    var notifications: [() -> Void] = []

    var isEmpty: Bool { steps.isEmpty && attempts.isEmpty && events.isEmpty && notifications.isEmpty }
}

/// String maps stored in text columns, through the store's one codec (``DetailsJSON``).
enum JSON {
    static func encode(_ values: [String: String]) -> String { DetailsJSON.encode(values) }

    static func decode(_ text: String) -> [String: String] { DetailsJSON.decode(text) }
}
