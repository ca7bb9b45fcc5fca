import Foundation
import GRDB

/// A row of `runs`: one execution of a runbook.
public struct RunRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "runs"
    /// Dates are stored as seconds since 1970, as the hand-written statements write them, so that SQL compares them.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .timeIntervalSince1970
    }
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .timeIntervalSince1970
    }

    /// Row id; `nil` until inserted. Shown as `RUN-<id>`.
    public var id: Int64?
    /// The runbook's id.
    public var runbookID: String
    /// Path of the runbook file when the run started.
    public var runbookPath: String
    /// The runbook's title.
    public var title: String
    /// The exact runbook text the run executes, so a resume runs the same steps.
    public var source: String
    /// Current state.
    public var status: RunStatus
    /// `interactive` or `automatic`.
    public var mode: String
    /// Param values as JSON, with secret values redacted.
    public var params: String
    /// Index of the next step to consider.
    public var cursor: Int
    /// Whether a failure jumped (`goto`) into recovery steps.
    public var recovering: Bool
    /// Incident the run belongs to, if any.
    public var incidentID: String?
    /// Why the run failed or was aborted.
    public var error: String?
    /// When the run started.
    public var startedAt: Date
    /// When the run ended.
    public var finishedAt: Date?
    /// The alert that started the run, as JSON of its context (`name`, `labels.K`, …); `nil` for manual runs.
    public var alert: String?

    enum CodingKeys: String, CodingKey {
        case id, title, source, status, mode, params, cursor, recovering, error, alert
        case runbookID = "runbook_id"
        case runbookPath = "runbook_path"
        case incidentID = "incident_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    /// Creates a run record.
    public init(
        id: Int64? = nil, runbookID: String, runbookPath: String, title: String, source: String,
        status: RunStatus = .pending, mode: String, params: String, cursor: Int = 0, recovering: Bool = false,
        incidentID: String? = nil, error: String? = nil, startedAt: Date, finishedAt: Date? = nil,
        alert: String? = nil
    ) {
        self.id = id
        self.runbookID = runbookID
        self.runbookPath = runbookPath
        self.title = title
        self.source = source
        self.status = status
        self.mode = mode
        self.params = params
        self.cursor = cursor
        self.recovering = recovering
        self.incidentID = incidentID
        self.error = error
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.alert = alert
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// The display id, `RUN-<n>`.
    public var displayID: String { RunRecord.displayID(id ?? 0) }

    /// `RUN-<n>` for a row id.
    public static func displayID(_ id: Int64) -> String { "RUN-\(id)" }

    /// Parses `RUN-12`, `run-12` or `12`.
    public static func parseID(_ text: String) -> Int64? {
        let upper = text.uppercased()
        return Int64(upper.hasPrefix("RUN-") ? String(upper.dropFirst(4)) : upper)
    }
}
