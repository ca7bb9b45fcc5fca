import Foundation
import Store
import Workflows

/// The JSON shape of a run (`runs show --json`, `run --json`); documented in docs/cli.md.
public struct RunJSON: Encodable, Sendable {
    public struct StepJSON: Encodable, Sendable {
        public var name: String
        public var kind: String
        public var status: String
        public var attempts: Int
        public var exitCode: Int?
        public var startedAt: Date?
        public var finishedAt: Date?
        public var durationMs: Int64?
        public var reason: String?
        public var approvedBy: String?
        public var approvedAt: Date?
        public var output: String
        public var outputs: [String: String]
        public var attemptHistory: [AttemptJSON]?

    }

    public struct AttemptJSON: Encodable, Sendable {
        public var number: Int
        public var status: String
        public var exitCode: Int?
        public var startedAt: Date
        public var finishedAt: Date?
        public var durationMs: Int64?
        public var output: String

    }

    public var id: String
    public var runbook: String
    public var runbookPath: String
    public var title: String
    public var status: String
    public var mode: String
    public var incidentID: String?
    public var error: String?
    public var startedAt: Date
    public var finishedAt: Date?
    public var durationMs: Int64?
    public var params: [String: String]
    /// `true` for a `running` run whose process died (resume continues it).
    public var interrupted: Bool?
    public var steps: [StepJSON]?

    public init(_ run: RunRecord, detail: RunDetail? = nil, runsDirectory: URL? = nil) {
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
                    AttemptJSON(
                        number: $0.number, status: $0.status.rawValue, exitCode: $0.exitCode,
                        startedAt: $0.startedAt, finishedAt: $0.finishedAt, durationMs: $0.durationMs,
                        output: $0.output)
                })
        }
    }
}

extension RunJSON {
    /// The status for people: `interrupted (resume RUN-n)` for a run whose process died.
    public var displayStatus: String {
        interrupted == true ? "interrupted (firebreak resume \(id))" : status
    }
}
