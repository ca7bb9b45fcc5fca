import Foundation
import Store
import Workflows

/// The JSON shape of a run (`runs show --json`, `run --json`); documented in docs/cli.md.
struct RunJSON: Encodable {
    struct StepJSON: Encodable {
        var name: String
        var kind: String
        var status: String
        var attempts: Int
        var exitCode: Int?
        var startedAt: Date?
        var finishedAt: Date?
        var durationMs: Int64?
        var reason: String?
        var approvedBy: String?
        var approvedAt: Date?
        var output: String
        var outputs: [String: String]
        var attemptHistory: [AttemptJSON]?

        enum CodingKeys: String, CodingKey {
            case name, kind, status, attempts, reason, output, outputs
            case exitCode = "exit_code"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case durationMs = "duration_ms"
            case approvedBy = "approved_by"
            case approvedAt = "approved_at"
            case attemptHistory = "attempt_history"
        }
    }

    struct AttemptJSON: Encodable {
        var number: Int
        var status: String
        var exitCode: Int?
        var startedAt: Date
        var finishedAt: Date?
        var durationMs: Int64?
        var output: String

        enum CodingKeys: String, CodingKey {
            case number, status, output
            case exitCode = "exit_code"
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case durationMs = "duration_ms"
        }
    }

    var id: String
    var runbook: String
    var runbookPath: String
    var title: String
    var status: String
    var mode: String
    var incidentID: String?
    var error: String?
    var startedAt: Date
    var finishedAt: Date?
    var durationMs: Int64?
    var params: [String: String]
    /// `true` for a `running` run whose process died (resume continues it).
    var interrupted: Bool?
    var steps: [StepJSON]?

    enum CodingKeys: String, CodingKey {
        case id, runbook, title, status, mode, error, params, steps, interrupted
        case runbookPath = "runbook_path"
        case incidentID = "incident_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case durationMs = "duration_ms"
    }

    init(_ run: RunRecord, detail: RunDetail? = nil, runsDirectory: URL? = nil) {
        id = run.displayID
        runbook = run.runbookID
        runbookPath = run.runbookPath
        title = run.title
        status = run.status.rawValue
        mode = run.mode
        incidentID = run.incidentID
        error = run.error
        startedAt = run.startedAt
        finishedAt = run.finishedAt
        durationMs = run.finishedAt.map { Int64($0.timeIntervalSince(run.startedAt) * 1000) }
        params = (try? JSONDecoder().decode([String: String].self, from: Data(run.params.utf8))) ?? [:]
        if run.status == .running, let runsDirectory, let id = run.id {
            interrupted = !Executor.isExecuting(runID: id, runsDirectory: runsDirectory)
        }
        steps = detail?.steps.map { step in
            let attempts = detail?.attempts[step.index] ?? []
            return StepJSON(
                name: step.name, kind: step.kind, status: step.status.rawValue, attempts: step.attempts,
                exitCode: step.exitCode, startedAt: step.startedAt, finishedAt: step.finishedAt,
                durationMs: step.durationMs, reason: step.reason, approvedBy: step.approvedBy,
                approvedAt: step.approvedAt, output: attempts.last?.output ?? "",
                outputs: (try? JSONDecoder().decode([String: String].self, from: Data(step.outputs.utf8))) ?? [:],
                attemptHistory: attempts.map {
                    AttemptJSON(number: $0.number, status: $0.status.rawValue, exitCode: $0.exitCode,
                                startedAt: $0.startedAt, finishedAt: $0.finishedAt, durationMs: $0.durationMs,
                                output: $0.output)
                })
        }
    }
}

extension RunJSON {
    /// The status for people: `interrupted (resume RUN-n)` for a run whose process died.
    var displayStatus: String {
        interrupted == true ? "interrupted (firebreak resume \(id))" : status
    }
}
