import Foundation
import GRDB

/// A row of `run_steps`: the state of one step of a run.
public struct StepRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "run_steps"
    /// Dates are stored as seconds since 1970, as the hand-written statements write them, so that SQL compares them.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .timeIntervalSince1970
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .timeIntervalSince1970
    }

    /// The run.
    public var runID: Int64
    /// Position in the runbook, from 0.
    public var index: Int
    /// Step name.
    public var name: String
    /// `sh`, `bash`, `python3`, `module:NAME` or `manual`.
    public var kind: String
    /// Current state.
    public var status: StepStatus
    /// Attempts started so far.
    public var attempts: Int
    /// Exit code of the last attempt.
    public var exitCode: Int?
    /// When the first attempt started.
    public var startedAt: Date?
    /// When the step ended.
    public var finishedAt: Date?
    /// Wall time from first start to end, in milliseconds.
    public var durationMs: Int64?
    /// Published outputs as a JSON object of strings.
    public var outputs: String
    /// Why the step was skipped, failed or is waiting.
    public var reason: String?
    /// Who approved the step, for gates.
    public var approvedBy: String?
    /// When the step was approved.
    public var approvedAt: Date?

    enum CodingKeys: String, CodingKey {
        case name, kind, status, attempts, outputs, reason
        case runID = "run_id"
        case index = "idx"
        case exitCode = "exit_code"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMs = "duration_ms"
        case approvedBy = "approved_by"
        case approvedAt = "approved_at"
    }

    /// Creates a pending step record.
    public init(
        runID: Int64, index: Int, name: String, kind: String, status: StepStatus = .pending, attempts: Int = 0,
        exitCode: Int? = nil, startedAt: Date? = nil, finishedAt: Date? = nil, durationMs: Int64? = nil,
        outputs: String = "{}", reason: String? = nil, approvedBy: String? = nil, approvedAt: Date? = nil
    ) {
        self.runID = runID
        self.index = index
        self.name = name
        self.kind = kind
        self.status = status
        self.attempts = attempts
        self.exitCode = exitCode
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.outputs = outputs
        self.reason = reason
        self.approvedBy = approvedBy
        self.approvedAt = approvedAt
    }
}

/// A row of `step_attempts`: one try of a step.
public struct AttemptRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "step_attempts"
    /// Dates are stored as seconds since 1970, as the hand-written statements write them, so that SQL compares them.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .timeIntervalSince1970
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .timeIntervalSince1970
    }

    /// The run.
    public var runID: Int64
    /// The step's position.
    public var stepIndex: Int
    /// Attempt number, from 1.
    public var number: Int
    /// `running`, `succeeded`, `failed` or `timed_out`.
    public var status: StepStatus
    /// Exit code, when the process exited.
    public var exitCode: Int?
    /// When the attempt started.
    public var startedAt: Date
    /// When it ended.
    public var finishedAt: Date?
    /// Wall time in milliseconds.
    public var durationMs: Int64?
    /// Tail of the combined stdout and stderr, secrets redacted.
    public var output: String

    enum CodingKeys: String, CodingKey {
        case number, status, output
        case runID = "run_id"
        case stepIndex = "step_idx"
        case exitCode = "exit_code"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMs = "duration_ms"
    }

    /// Creates an attempt record.
    public init(
        runID: Int64, stepIndex: Int, number: Int, status: StepStatus, exitCode: Int? = nil, startedAt: Date,
        finishedAt: Date? = nil, durationMs: Int64? = nil, output: String = ""
    ) {
        self.runID = runID
        self.stepIndex = stepIndex
        self.number = number
        self.status = status
        self.exitCode = exitCode
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.durationMs = durationMs
        self.output = output
    }
}
