import Foundation
import Hummingbird
import Store
import Views
import Workflows

/// `/api/v1/runs`: start a run, list and show runs, approve a waiting step.
struct RunRoutes {
    let store: any Storage
    let launcher: RunLauncher
    let runsDirectory: URL

    func register(on group: GuardedRoutes) {
        group.get("runs", .viewer, use: list)
        group.post("runs", .responder, use: start)
        group.get("runs/:id", .viewer, use: show)
        group.post("runs/:id/approve", .responder, use: approve)
        group.post("runs/:id/cancel", .responder, use: cancel)
        group.post("runs/:id/retry", .responder, use: retry)
    }

    struct RunList: Encodable {
        var runs: [RunJSON]
    }

    @Sendable func list(_ request: Request, context: FirebreakContext) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try IncidentRoutes.integer(
            query["limit"].map(String.init), name: "limit", default: 50, range: 1...500)
        var incident: String?
        if let id = query["incident"] { incident = try await store.incident(id: String(id)).id }
        let runs = try await store.runs(incidentID: incident, limit: limit)
        return try jsonResponse(RunList(runs: runs.map { RunJSON($0, runsDirectory: runsDirectory) }))
    }

    @Sendable func start(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await JSONBody.read(request, allowed: ["runbook", "params", "incident"])
        let run = try await launcher.start(
            runbook: try body.requiredString("runbook"), params: try body.stringMap("params"),
            incidentID: try body.string("incident"), requestID: context.requestID)
        context.logger.info("run started", metadata: ["run.id": .string(run.displayID)])
        return try jsonResponse(RunJSON(run), status: .accepted, headers: [.location: "/api/v1/runs/\(run.displayID)"])
    }

    @Sendable func show(_ request: Request, context: FirebreakContext) async throws -> Response {
        let runID = try Self.runID(context)
        let detail = try await store.runDetail(id: runID)
        return try jsonResponse(RunJSON(detail.run, detail: detail, runsDirectory: runsDirectory))
    }

    struct Approval: Encodable {
        var run: String
        var step: String
        var approvedBy: String
        var resumed: Bool
        var resumeError: String?

    }

    @Sendable func approve(_ request: Request, context: FirebreakContext) async throws -> Response {
        let runID = try Self.runID(context)
        let body = try await JSONBody.read(request, allowed: ["step", "by", "params"])
        let approver = try context.actor(try body.string("by"))
        let supplied = try body.stringMap("params")
        let step = try await store.approve(
            runID: runID, stepName: try body.requiredString("step"), by: approver, at: Date())
        var approval = Approval(run: RunRecord.displayID(runID), step: step.name, approvedBy: approver, resumed: true)
        do {
            try await launcher.resume(runID: runID, supplied: supplied)
        } catch {
            approval.resumed = false
            approval.resumeError = "\(error)"
        }
        return try jsonResponse(approval)
    }

    /// `POST /runs/{id}/cancel`: stops the step in flight (its process group), skips the rest, records it.
    @Sendable func cancel(_ request: Request, context: FirebreakContext) async throws -> Response {
        let runID = try Self.runID(context)
        let body = try await JSONBody.read(request, allowed: ["by", "reason"], allowEmpty: true)
        let (run, _) = try await RunControl.cancel(
            store: store, runID: runID, by: try context.actor(try body.string("by")),
            reason: try body.string("reason"), runsDirectory: runsDirectory)
        await launcher.forget(runID: runID)
        context.logger.info("run cancelled", metadata: ["run.id": .string(run.displayID)])
        return try jsonResponse(RunJSON(run, runsDirectory: runsDirectory))
    }

    /// `POST /runs/{id}/retry`: a failed run again from its failed step; secrets as for an approval.
    @Sendable func retry(_ request: Request, context: FirebreakContext) async throws -> Response {
        let runID = try Self.runID(context)
        let body = try await JSONBody.read(request, allowed: ["by", "params"], allowEmpty: true)
        let record = try await store.runDetail(id: runID).run
        // Secrets are checked before the run changes, so a missing one leaves it failed as it was.
        _ = try await launcher.params(for: record, supplied: try body.stringMap("params"))
        _ = try await store.prepareRetry(runID: runID, by: try context.actor(try body.string("by")), at: Date())
        try await launcher.resume(runID: runID, supplied: try body.stringMap("params"))
        let detail = try await store.runDetail(id: runID)
        return try jsonResponse(RunJSON(detail.run, detail: detail, runsDirectory: runsDirectory), status: .accepted)
    }

    static func runID(_ context: FirebreakContext) throws -> Int64 {
        let text = try context.parameters.require("id")
        guard let id = RunRecord.parseID(text) else {
            throw APIError(.badRequest, "invalid_id", "'\(text)' is not a run id; write it like RUN-12")
        }
        return id
    }
}
