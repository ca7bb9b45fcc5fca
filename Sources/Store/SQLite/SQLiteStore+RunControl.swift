import Foundation
import GRDB
import Incidents

/// Run control from outside the executor: cancelling, retrying from the failed step, and the fence that makes
/// an executor stop when its run was cancelled under it.
extension SQLiteStore {
    /// Cancels a run that has not ended, in one transaction: the run becomes `cancelled`, its unfinished steps are
    /// skipped (a running one fails), and its incident's timeline gets `run_cancelled`. The executor that holds the
    /// run finds out at its next commit, which is refused (see ``StoreError/Code/cancelled``); the caller kills the
    /// step's process group.
    /// - Throws: ``StoreError`` `.notFound` for an unknown run, `.conflict` for a run that already ended.
    public func cancelRun(id: Int64, by actor: String, reason: String?, at date: Date) async throws -> RunRecord {
        try await write { db in
            try Self.cancel(runID: id, by: actor, reason: reason, at: date, db)
        }
    }

    static func cancel(runID: Int64, by actor: String, reason: String?, at date: Date, _ db: Database) throws
        -> RunRecord
    {
        let displayID = RunRecord.displayID(runID)
        guard var run = try RunRecord.fetchOne(db, key: runID) else {
            throw StoreError(.notFound, "no run \(displayID)", entity: .run)
        }
        guard !run.status.isFinal else {
            throw StoreError(
                .conflict, "run \(displayID) already ended \(run.status.rawValue); there is nothing to cancel")
        }
        let because = reason.map { ": \($0)" } ?? ""
        run.status = .cancelled
        run.error = "cancelled by \(actor)\(because)"
        run.finishedAt = date
        try db.execute(
            sql: "UPDATE runs SET status = ?, error = ?, finished_at = ? WHERE id = ?",
            arguments: [run.status.rawValue, run.error, date.timeIntervalSince1970, runID])
        try db.execute(
            sql: """
                UPDATE run_steps SET status = CASE status WHEN 'running' THEN 'failed' ELSE 'skipped' END,
                    reason = ?, finished_at = CASE status WHEN 'running' THEN ? ELSE finished_at END
                WHERE run_id = ? AND status IN ('pending', 'running', 'waiting')
                """,
            arguments: ["run cancelled by \(actor)\(because)", date.timeIntervalSince1970, runID])
        try db.execute(
            sql: "UPDATE step_attempts SET status = 'failed', finished_at = ? WHERE run_id = ? AND status = 'running'",
            arguments: [date.timeIntervalSince1970, runID])
        if let incidentID = run.incidentID {
            var details = ["run": displayID, "runbook": run.runbookID]
            if let reason { details["reason"] = reason }
            try append(
                TimelineEntry(kind: .runCancelled, actor: actor, at: date, details: details), to: incidentID, db)
        }
        return run
    }

    /// Cancels the runs of an incident that wait for a human or have not started, when the incident resolves or
    /// closes (the documented rule: a waiting run must not outlive its incident). Running runs are left to finish.
    static func cancelIdleRuns(incidentID: String, because status: String, at date: Date, _ db: Database) throws {
        let ids = try Int64.fetchAll(
            db, sql: "SELECT id FROM runs WHERE incident_id = ? AND status IN ('waiting', 'pending') ORDER BY id",
            arguments: [incidentID])
        for id in ids {
            _ = try cancel(runID: id, by: "firebreak", reason: "incident \(incidentID) \(status)", at: date, db)
        }
    }

    /// Prepares a failed run for another attempt from its failed step: that step and every later one that did not
    /// succeed go back to `pending`, the run to `waiting` at that step. Steps that succeeded stay done.
    /// - Returns: The name of the step the run will start from.
    /// - Throws: ``StoreError`` `.notFound`; `.conflict` for a run that did not fail, or that ran its recovery steps.
    public func prepareRetry(runID: Int64, by actor: String, at date: Date) async throws -> String {
        try await write { db in
            let displayID = RunRecord.displayID(runID)
            guard var run = try RunRecord.fetchOne(db, key: runID) else {
                throw StoreError(.notFound, "no run \(displayID)", entity: .run)
            }
            guard run.status == .failed else {
                let hint =
                    run.status.isFinal
                    ? "only a failed run can be retried" : "resume it instead"
                throw StoreError(.conflict, "run \(displayID) is \(run.status.rawValue); \(hint)")
            }
            guard !run.recovering else {
                throw StoreError(.conflict, "run \(displayID) already ran its recovery steps; start a new run instead")
            }
            var steps = try StepRecord.filter(Column("run_id") == runID).order(Column("idx")).fetchAll(db)
            guard let failed = steps.lastIndex(where: { $0.status == .failed || $0.status == .timedOut }) else {
                throw StoreError(.conflict, "run \(displayID) has no failed step to retry from")
            }
            for index in failed..<steps.count where steps[index].status != .succeeded {
                steps[index].status = .pending
                steps[index].reason = index == failed ? "retried by \(actor)" : nil
                steps[index].exitCode = nil
                steps[index].finishedAt = nil
                // A confirmation was for the attempt that failed; the retry asks again.
                steps[index].approvedBy = nil
                steps[index].approvedAt = nil
                try Self.update(steps[index], db)
            }
            run.status = .waiting
            run.cursor = failed
            run.error = nil
            run.finishedAt = nil
            try Self.update(run, db)
            if let incidentID = run.incidentID {
                try Self.append(
                    TimelineEntry(
                        kind: .runRetried, actor: actor, at: date,
                        details: ["run": displayID, "runbook": run.runbookID, "step": steps[failed].name]),
                    to: incidentID, db)
            }
            return steps[failed].name
        }
    }

    /// Automatic runs that have not ended and wait for no human: `pending` (created, never started) or `running`
    /// (their process died). `firebreak serve` continues them when it starts.
    public func unfinishedAutomaticRuns() async throws -> [RunRecord] {
        try await read { db in
            try RunRecord.filter(["pending", "running"].contains(Column("status")) && Column("mode") == "automatic")
                .order(Column("id")).fetchAll(db)
        }
    }

    /// Writes the records of steps that ended before their run was cancelled (the executor had them waiting for
    /// its next commit, which the cancel refused): a step that succeeded stays succeeded, never "failed by the
    /// cancel". Only final step records are written; the run itself is not touched.
    public func commitFinished(steps: [StepRecord], attempts: [AttemptRecord]) async throws {
        try await write { db in
            for step in steps where step.status.isFinal { try Self.update(step, db) }
            for attempt in attempts where attempt.status.isFinal { try Self.save(attempt, db) }
        }
    }

    /// Refuses a write for a cancelled run: the fence that stops an executor whose run was cancelled under it.
    static func ensureNotCancelled(runID: Int64?, _ db: Database) throws {
        guard let runID else { return }
        let status = try String.fetchOne(db, sql: "SELECT status FROM runs WHERE id = ?", arguments: [runID])
        if status == RunStatus.cancelled.rawValue {
            throw StoreError(.cancelled, "run \(RunRecord.displayID(runID)) was cancelled")
        }
    }
}
