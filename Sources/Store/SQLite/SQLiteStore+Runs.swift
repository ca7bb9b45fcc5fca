import Foundation
import GRDB
import Incidents

/// A run with its steps and their attempts.
public struct RunDetail: Sendable, Equatable {
    /// The run.
    public var run: RunRecord
    /// Steps in runbook order.
    public var steps: [StepRecord]
    /// Attempts by step index, in order.
    public var attempts: [Int: [AttemptRecord]]
}

extension SQLiteStore {
    /// Inserts a new run and all of its pending steps in one transaction.
    ///
    /// - Returns: The run with its id.
    public func createRun(_ run: RunRecord, steps: [StepRecord]) async throws -> RunRecord {
        try await write { db in try Self.insertRun(run, steps: steps, db) }
    }

    static func insertRun(_ run: RunRecord, steps: [StepRecord], _ db: Database) throws -> RunRecord {
        var run = run
        try run.insert(db)
        let statement = try db.cachedStatement(
            sql: "INSERT INTO run_steps (run_id, idx, name, kind, status) VALUES (?, ?, ?, ?, ?)")
        for step in steps {
            try statement.execute(arguments: [run.id, step.index, step.name, step.kind, step.status.rawValue])
        }
        return run
    }

    /// Only the run's mutable columns are written: its source text and params never change. The cancel fence
    /// and the claim fence are checked first, in the same transaction.
    public func commit(
        run: RunRecord?, steps: [StepRecord], attempts: [AttemptRecord], incidentID: String?,
        incidentEvents: [TimelineEntry], claim: Claim?
    ) async throws {
        try await write { db in
            let fenced = claim.flatMap { $0.work.kind == .run ? Int64($0.work.key) : nil }
            try Self.ensureNotCancelled(
                runID: fenced ?? run?.id ?? steps.first?.runID ?? attempts.first?.runID, db)
            if let claim { try Self.ensureHeld(claim, db) }
            if let run { try Self.update(run, db) }
            for step in steps { try Self.update(step, db) }
            for attempt in attempts { try Self.save(attempt, db) }
            if let incidentID {
                for entry in incidentEvents { try Self.append(entry, to: incidentID, db) }
            }
        }
    }

    // The transition statements are written by hand and cached: they run twice per step, and
    // Codable record encoding cost more than the SQLite work itself.

    static func update(_ run: RunRecord, _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                UPDATE runs SET status = ?, cursor = ?, recovering = ?, error = ?, finished_at = ? WHERE id = ?
                """)
        try statement.execute(arguments: [
            run.status.rawValue, run.cursor, run.recovering, run.error, run.finishedAt?.timeIntervalSince1970, run.id,
        ])
    }

    static func update(_ step: StepRecord, _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                UPDATE run_steps SET status = ?, attempts = ?, exit_code = ?, started_at = ?, finished_at = ?,
                    duration_ms = ?, outputs = ?, reason = ?, approved_by = ?, approved_at = ?
                WHERE run_id = ? AND idx = ?
                """)
        try statement.execute(arguments: [
            step.status.rawValue, step.attempts, step.exitCode, step.startedAt?.timeIntervalSince1970,
            step.finishedAt?.timeIntervalSince1970, step.durationMs, step.outputs, step.reason, step.approvedBy,
            step.approvedAt?.timeIntervalSince1970, step.runID, step.index,
        ])
    }

    static func save(_ attempt: AttemptRecord, _ db: Database) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO step_attempts (run_id, step_idx, number, status, exit_code, started_at, finished_at,
                    duration_ms, output)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (run_id, step_idx, number) DO UPDATE SET status = excluded.status,
                    exit_code = excluded.exit_code, finished_at = excluded.finished_at,
                    duration_ms = excluded.duration_ms, output = excluded.output
                """)
        try statement.execute(arguments: [
            attempt.runID, attempt.stepIndex, attempt.number, attempt.status.rawValue, attempt.exitCode,
            attempt.startedAt.timeIntervalSince1970, attempt.finishedAt?.timeIntervalSince1970, attempt.durationMs,
            attempt.output,
        ])
    }

    /// The run with its steps and attempts.
    /// - Throws: ``StoreError`` `.notFound` when there is no such run.
    public func runDetail(id: Int64) async throws -> RunDetail {
        try await read { db in
            guard let run = try RunRecord.fetchOne(db, key: id) else {
                throw StoreError(.notFound, "no run \(RunRecord.displayID(id))", entity: .run)
            }
            let steps = try StepRecord.filter(Column("run_id") == id).order(Column("idx")).fetchAll(db)
            let attempts = try AttemptRecord.filter(Column("run_id") == id)
                .order(Column("step_idx"), Column("number")).fetchAll(db)
            return RunDetail(run: run, steps: steps, attempts: Dictionary(grouping: attempts, by: \.stepIndex))
        }
    }

    /// Runs, newest first.
    public func runs(incidentID: String?, limit: Int) async throws -> [RunRecord] {
        try await read { db in
            var request = RunRecord.order(Column("id").desc).limit(limit)
            if let incidentID { request = request.filter(Column("incident_id") == incidentID) }
            return try request.fetchAll(db)
        }
    }

    /// Records who approved a waiting step.
    /// - Throws: ``StoreError`` `.notFound` for an unknown run or step, `.conflict` when the step is finished.
    public func approve(runID: Int64, stepName: String, by approver: String, at date: Date) async throws -> StepRecord {
        try await write { db in
            guard try RunRecord.fetchOne(db, key: runID) != nil else {
                throw StoreError(
                    .notFound, "no run \(RunRecord.displayID(runID))", entity: .run)
            }
            let steps = try StepRecord.filter(Column("run_id") == runID).order(Column("idx")).fetchAll(db)
            guard var step = steps.first(where: { $0.name == stepName }) else {
                throw StoreError(
                    .notFound,
                    "run \(RunRecord.displayID(runID)) has no step '\(stepName)'; its steps are: \(steps.map(\.name).joined(separator: ", "))"
                )
            }
            guard !step.status.isFinal else {
                throw StoreError(
                    .conflict, "step '\(stepName)' already ended \(step.status.rawValue); nothing to approve")
            }
            guard step.status == .waiting else {
                let now =
                    step.status == .running ? "is running now (another process holds it)" : "has not been reached yet"
                throw StoreError(
                    .conflict,
                    "step '\(stepName)' of \(RunRecord.displayID(runID)) \(now); only a waiting step can be approved "
                        + "(its steps say which one waits)", entity: .run)
            }
            step.approvedBy = approver
            step.approvedAt = date
            try step.update(db)
            return step
        }
    }
}

extension SQLiteStore {
    /// Marks a running run `waiting` (after Ctrl-C at a prompt, when no step process runs); a step left `running`
    /// between its attempts goes back to `pending`, so the listing never shows a step running in a waiting run.
    public func pauseRun(id: Int64) async throws {
        try await write { db in
            guard var run = try RunRecord.fetchOne(db, key: id), run.status == .running else { return }
            run.status = .waiting
            try run.update(db)
            try db.execute(
                sql: "UPDATE run_steps SET status = 'pending', reason = ? WHERE run_id = ? AND status = 'running'",
                arguments: ["paused at the prompt (Ctrl-C); resume to continue", id])
        }
    }
}
