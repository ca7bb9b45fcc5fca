import Foundation
import Hummingbird
import Runbooks
import Store
import WebConsole
import Workflows

/// The runs list, a run's page, and the forms that approve, decide, resume, cancel and retry.
struct RunPageRoutes {
    let console: ConsoleRoutes

    func register(on group: ConsoleGroup) {
        group.get("runs", use: list)
        group.get("runs/:id", use: show)
        group.post("runs/:id/approve", use: approve)
        group.post("runs/:id/decide", use: decide)
        group.post("runs/:id/resume", use: resume)
        group.post("runs/:id/cancel", use: cancel)
        group.post("runs/:id/retry", use: retry)
    }

    @Sendable func list(_ request: Request, context: FirebreakContext) async throws -> Response {
        var chrome = console.chrome("Runs", context, topics: [.runs])
        chrome.nav.runs = true
        let runs = try await console.store.runs(incidentID: nil, limit: 100)
        return console.page("runs", RunsPage(chrome: chrome, runs: runs, now: Date()))
    }

    @Sendable func show(_ request: Request, context: FirebreakContext) async throws -> Response {
        try await render(
            context, problem: nil, status: .ok, flash: request.uri.queryParameters["done"].map(String.init))
    }

    func render(_ context: FirebreakContext, problem: String?, status: HTTPResponse.Status, flash: String? = nil)
        async throws -> Response
    {
        let runID = try RunRoutes.runID(context)
        let detail = try await console.store.runDetail(id: runID)
        let running = Executor.isExecuting(runID: runID, runsDirectory: console.runsDirectory)
        let interrupted = detail.run.status == .running && !running
        var chrome = console.chrome(
            "\(detail.run.displayID) \(detail.run.title)", context, topics: [.runs])
        chrome.nav.runs = true
        chrome.problem = problem
        if status != .ok { chrome.page = "/runs/\(detail.run.displayID)" }
        chrome.flash = flash.flatMap { Self.confirmations[$0] }
        if detail.run.status == .running || detail.run.status == .pending {
            chrome.stream = "/runs/\(detail.run.displayID)/output"
        }
        let page = RunPage(
            chrome: chrome, detail: detail, canAct: context.canAct,
            interrupted: interrupted, now: Date())
        return console.page("run", page, status: status)
    }

    static let confirmations = [
        "approve": "Approved; the run continues.", "run": "Running the step.", "skip": "Skipped the step.",
        "resume": "Resumed.", "cancel": "Cancelled.", "retry": "Retrying from the failed step.",
    ]

    @Sendable func approve(_ request: Request, context: FirebreakContext) async throws -> Response {
        try await perform("approve", context) { runID, actor in
            let step = context.form["step"] ?? ""
            _ = try await console.store.approve(runID: runID, stepName: step, by: actor, at: Date())
            try await console.launcher.resume(runID: runID, supplied: Self.supplied(context))
        }
    }

    /// A guided run's choice at its waiting step: `run` or `skip`.
    @Sendable func decide(_ request: Request, context: FirebreakContext) async throws -> Response {
        let choice = context.form["decision"] ?? ""
        guard let decision = GateDecision(rawValue: choice), decision == .run || decision == .skip else {
            throw APIError(.badRequest, "invalid_field", "The choice must be run or skip, not '\(choice)'.")
        }
        return try await perform(choice, route: "decide", context) { runID, actor in
            let detail = try await console.store.runDetail(id: runID)
            guard detail.run.mode == "interactive" else {
                throw APIError(
                    .conflict, "not_guided",
                    "\(detail.run.displayID) is not stepped through by a person; approve its waiting step instead.")
            }
            let step = context.form["step"] ?? ""
            guard !step.isEmpty else { throw APIError(.badRequest, "missing_field", "Name the step to run or skip.") }
            guard detail.steps.contains(where: { $0.name == step && $0.status == .waiting }) else {
                throw APIError(
                    .conflict, "not_waiting",
                    "The run is not waiting at '\(step)' any more; the page shows where it is now.")
            }
            try await console.launcher.decide(
                runID: runID, step: step, decision: decision, by: actor, supplied: Self.supplied(context))
        }
    }

    @Sendable func resume(_ request: Request, context: FirebreakContext) async throws -> Response {
        try await perform("resume", context) { runID, actor in
            let detail = try await console.store.runDetail(id: runID)
            guard !detail.run.status.isFinal else {
                throw APIError(
                    .conflict, "run_ended",
                    "\(detail.run.displayID) \(detail.run.status.rawValue); there is nothing to resume. Start a new run."
                )
            }
            if detail.run.mode == "interactive", let step = detail.steps.first(where: { !$0.status.isFinal }) {
                // A guided run continues guided: it stops before its next step again.
                try await console.launcher.decide(
                    runID: runID, step: step.name, decision: .pause, by: actor, supplied: Self.supplied(context))
            } else {
                try await console.launcher.resume(runID: runID, supplied: Self.supplied(context))
            }
        }
    }

    @Sendable func cancel(_ request: Request, context: FirebreakContext) async throws -> Response {
        try await perform("cancel", context) { runID, actor in
            _ = try await RunControl.cancel(
                store: console.store, runID: runID, by: actor, reason: "cancelled in the console",
                runsDirectory: console.runsDirectory)
            await console.launcher.forget(runID: runID)
        }
    }

    @Sendable func retry(_ request: Request, context: FirebreakContext) async throws -> Response {
        try await perform("retry", context) { runID, actor in
            let record = try await console.store.runDetail(id: runID).run
            guard record.status == .failed else {
                throw APIError(
                    .conflict, "not_failed",
                    "\(record.displayID) \(record.status.rawValue); only a failed run can be retried.")
            }
            let supplied = Self.supplied(context)
            _ = try await console.launcher.params(for: record, supplied: supplied)
            _ = try await console.store.prepareRetry(runID: runID, by: actor, at: Date())
            try await console.launcher.resume(runID: runID, supplied: supplied)
        }
    }

    /// Secret params typed into a form that continues a run (empty fields are left out).
    static func supplied(_ context: FirebreakContext) -> [String: String] {
        var values: [String: String] = [:]
        for (key, value) in context.form where key.hasPrefix("param.") && !value.isEmpty {
            values[String(key.dropFirst("param.".count))] = value
        }
        return values
    }

    /// Does `body` as the signed-in person and answers with the run page: after success by redirect, after a
    /// refusal (a secret nobody has, a run that moved on) with the reason on top. `route` is the form's last
    /// path segment when it differs from `name` (the choice).
    func perform(
        _ name: String, route: String? = nil, _ context: FirebreakContext,
        _ body: (Int64, String) async throws -> Void
    ) async throws -> Response {
        let runID = try RunRoutes.runID(context)
        let label = "POST /runs/\(RunRecord.displayID(runID))/\(route ?? name)" + (route == nil ? "" : " (\(name))")
        do {
            try await body(runID, context.consoleActor)
            await console.record(label, target: RunRecord.displayID(runID), result: "ok", context: context)
            return ConsolePage.redirect("/runs/\(RunRecord.displayID(runID))?done=\(name)")
        } catch {
            let answer = APIError.from(error)
            guard (400..<500).contains(answer.status.code), answer.status != .notFound else { throw error }
            await console.record(
                label, target: RunRecord.displayID(runID), result: "\(answer.status.code) \(answer.error)",
                context: context)
            return try await render(context, problem: answer.detail, status: answer.status)
        }
    }
}
