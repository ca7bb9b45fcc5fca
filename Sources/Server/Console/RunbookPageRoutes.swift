import Foundation
import Hummingbird
import Incidents
import Runbooks
import Store
import WebConsole
import Workflows

/// The runbooks list, a runbook's page with its start form, and starting a run from it.
struct RunbookPageRoutes {
    let console: ConsoleRoutes

    func register(on group: ConsoleGroup) {
        group.get("runbooks", use: list)
        group.get("runbooks/:id", use: show)
        group.post("runbooks/:id/runs", use: start)
    }

    var library: RunbookLibrary { RunbookLibrary(linter: RunbookLinter(modules: BuiltinModules.catalog)) }

    @Sendable func list(_ request: Request, context: FirebreakContext) async throws -> Response {
        let directory = console.config.runbooksDirectory
        let runs = try await console.store.runs(incidentID: nil, limit: 500)
        var rows: [RunbooksPage.Row] = []
        var problems: [String] = []
        for path in library.containedFiles(in: directory).sorted() {
            do {
                let loaded = try library.load(path: path)
                let last = runs.first { $0.runbookID == loaded.runbook.id }
                rows.append(.init(runbook: loaded.runbook, lastRun: last?.displayID, lastStatus: last?.status.rawValue))
            } catch {
                let name = URL(fileURLWithPath: path).lastPathComponent
                problems.append("\(name): \((error as? RunbookError)?.message ?? "cannot be read")")
            }
        }
        var chrome = console.chrome("Runbooks", context)
        chrome.nav.runbooks = true
        return console.page(
            "runbooks", RunbooksPage(chrome: chrome, directory: directory, runbooks: rows, problems: problems))
    }

    @Sendable func show(_ request: Request, context: FirebreakContext) async throws -> Response {
        let incident = request.uri.queryParameters["incident"].map(String.init)
        return try await render(context, submitted: [:], errors: [:], incident: incident, guided: false, problem: nil)
    }

    func render(
        _ context: FirebreakContext, submitted: [String: String], errors: [String: String], incident: String?,
        guided: Bool, problem: String?, status: HTTPResponse.Status = .ok
    ) async throws -> Response {
        let loaded = try library.findContained(
            try context.parameters.require("id"), in: console.config.runbooksDirectory)
        let runbook = loaded.runbook
        let open = try await console.store.incidents(status: nil, severity: nil, limit: 100, offset: 0).filter(\.isOpen)
        let incidents =
            [Option(value: "", label: "(none)", selected: incident == nil)]
            + open.map { Option(value: $0.id, label: "\($0.id) \($0.title)", selected: $0.id == incident) }
        var chrome = console.chrome(runbook.title, context)
        chrome.nav.runbooks = true
        chrome.problem = problem
        if status != .ok { chrome.page = "/runbooks/\(runbook.id)" }
        let page = RunbookPage(
            chrome: chrome, runbook: runbook, path: loaded.path,
            canAct: context.canAct,
            fields: runbook.params.map {
                RunbookPage.Field(param: $0, submitted: submitted[$0.name], error: errors[$0.name])
            },
            incidents: incidents, guided: guided, documentHTML: HTMLRenderer.safeFragment(runbook.body))
        return console.page("runbook", page, status: status)
    }

    /// `POST /runbooks/{id}/runs`: checks each param as the linter would and shows each problem beside its field;
    /// a good form starts the run and opens its page.
    @Sendable func start(_ request: Request, context: FirebreakContext) async throws -> Response {
        let reference = try context.parameters.require("id")
        let loaded = try library.findContained(reference, in: console.config.runbooksDirectory)
        var values: [String: String] = [:]
        for (key, value) in context.form where key.hasPrefix("param.") {
            let name = String(key.dropFirst("param.".count))
            if !value.isEmpty { values[name] = value }
        }
        let incident = context.form["incident"].flatMap { $0.isEmpty ? nil : $0 }
        let guided = context.form["guided"] == "true"
        var errors: [String: String] = [:]
        for param in loaded.runbook.params {
            if let value = values[param.name] {
                if let problem = ParamValidator.problem(with: value, for: param) {
                    // A secret's value is never echoed, not even in its error.
                    errors[param.name] =
                        param.isSecret ? "The secret does not match its type, allowed values or pattern." : problem
                }
            } else if param.isRequired && param.defaultValue == nil {
                errors[param.name] = "Required."
            }
        }
        let actor = context.consoleActor
        guard errors.isEmpty else {
            await console.record(
                "POST /runbooks/\(reference)/runs", target: reference, result: "400 invalid params", context: context)
            let submitted = values.filter { name, _ in
                !loaded.runbook.params.contains { $0.name == name && $0.isSecret }
            }
            return try await render(
                context, submitted: submitted, errors: errors, incident: incident, guided: guided,
                problem: "Some params need another look; each problem is beside its field.", status: .badRequest)
        }
        do {
            let run = try await console.launcher.start(
                runbook: reference, params: values, incidentID: incident, requestID: context.requestID,
                guidedBy: guided ? actor : nil)
            await console.record(
                "POST /runbooks/\(reference)/runs", target: run.displayID, result: "ok", context: context)
            return ConsolePage.redirect("/runs/\(run.displayID)")
        } catch {
            let answer = APIError.from(error)
            guard (400..<500).contains(answer.status.code) else { throw error }
            return try await render(
                context, submitted: values, errors: [:], incident: incident, guided: guided, problem: answer.detail,
                status: answer.status)
        }
    }
}
