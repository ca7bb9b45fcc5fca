import Foundation
import Hummingbird
import Incidents
import Store
import WebConsole

/// The incidents list, an incident's page, and the forms that act on it.
struct IncidentPageRoutes {
    let console: ConsoleRoutes

    static let pageSize = 50
    static let timelinePage = 100

    func register(on group: ConsoleGroup) {
        group.get("incidents", use: list)
        group.get("incidents/:id", use: show)
        group.post("incidents/:id/severity", use: changeSeverity)
        group.post("incidents/:id/notes", use: note)
        group.post("incidents/:id/roles", use: assignRole)
        group.post("incidents/:id/:action", use: act)
    }

    @Sendable func list(_ request: Request, context: FirebreakContext) async throws -> Response {
        let query = request.uri.queryParameters
        let statusText = query["status"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? "open"
        guard statusText == "open" || statusText == "all" || IncidentStatus(rawValue: statusText) != nil else {
            throw APIError(
                .badRequest, "invalid_query", "Status must be open, all or an incident status, not '\(statusText)'.")
        }
        var severity: Severity?
        if let text = query["severity"].map(String.init), !text.isEmpty {
            guard let parsed = Severity(parsing: text) else {
                throw APIError(.badRequest, "invalid_query", "Severity must be P0, P1, P2 or P3, not '\(text)'.")
            }
            severity = parsed
        }
        let offset = try IncidentRoutes.integer(
            query["offset"].map(String.init), name: "offset", default: 0, range: 0...Int(Int32.max))
        let store = console.store
        let statuses: [IncidentStatus] =
            switch statusText {
            case "open": [.triggered, .acknowledged, .mitigated]
            case "all": IncidentStatus.allCases
            default: IncidentStatus(rawValue: statusText).map { [$0] } ?? []
            }
        // One more than a page says whether there is another.
        let found = try await store.incidents(
            in: statuses, severity: severity, limit: Self.pageSize + 1, offset: offset)
        let page = Array(found.prefix(Self.pageSize))
        let counts = try await store.alertCounts(incidentIDs: page.map(\.id))
        var more: String?
        if found.count > Self.pageSize {
            more =
                "/incidents?status=\(statusText)&severity=\(severity?.rawValue ?? "")&offset=\(offset + Self.pageSize)"
        }
        var chrome = console.chrome("Incidents", context, topics: [.incidents, .alerts, .oncall])
        chrome.nav.incidents = true
        let model = IncidentsPage(
            chrome: chrome, incidents: page, alertCounts: counts, status: statusText, severity: severity,
            oncall: try await onCallNow(), more: more, now: Date())
        return console.page("incidents", model)
    }

    func onCallNow() async throws -> [IncidentsPage.OnCallNow] {
        var result: [IncidentsPage.OnCallNow] = []
        for schedule in console.directory.schedules.values.sorted(by: { $0.name < $1.name }) {
            let shift = try await console.directory.onCall(schedule, at: Date())
            result.append(.init(schedule: schedule.name, who: shift?.user, until: shift?.until))
        }
        return result
    }

    @Sendable func show(_ request: Request, context: FirebreakContext) async throws -> Response {
        try await render(request, context, problem: nil, status: .ok)
    }

    /// The incident page; after a refused action, with the refusal on top and the refusal's status.
    func render(_ request: Request, _ context: FirebreakContext, problem: String?, status: HTTPResponse.Status)
        async throws -> Response
    {
        let store = console.store
        let incident = try await store.incident(id: try context.parameters.require("id"))
        let query = request.uri.queryParameters
        let kind = query["kind"].flatMap { $0.isEmpty ? nil : TimelineKind(rawValue: String($0)) }
        let before = query["before"].flatMap { Int64(String($0)) }
        var input = IncidentPage.Input(incident: incident)
        input.alerts = try await store.alerts(incidentID: incident.id)
        input.runs = try await store.runs(incidentID: incident.id, limit: 50)
        input.notifications = try await store.notifications(incidentID: incident.id)
        input.events = try await store.timeline(
            incidentID: incident.id, kind: kind, beforeID: before, limit: Self.timelinePage)
        input.kinds = try await store.timelineKinds(incidentID: incident.id)
        input.kind = kind
        if input.events.count == Self.timelinePage, let last = input.events.last {
            input.older = "/incidents/\(incident.id)?kind=\(kind?.rawValue ?? "")&before=\(last.id)"
        }
        input.escalation = try await nextEscalation(incident)
        input.postmortemState = try await store.postmortem(incidentID: incident.id)?.status.rawValue ?? "not started"
        input.people = console.config.users.keys.sorted()
        input.canAct = context.canAct
        var chrome = console.chrome(
            "\(incident.id) \(incident.title)", context,
            topics: [.incidents, .timeline, .alerts, .runs, .notifications, .postmortems])
        chrome.nav.incidents = true
        chrome.problem = problem
        if status != .ok { chrome.page = "/incidents/\(incident.id)" }
        chrome.flash = query["done"].flatMap { Self.confirmations[String($0)] }
        return console.page("incident", IncidentPage(chrome: chrome, input, now: Date()), status: status)
    }

    /// When the next level fires and whom it pages (schedules resolved to who is on call then).
    func nextEscalation(_ incident: Incident) async throws -> IncidentPage.Escalation? {
        guard let escalation = incident.escalation,
            let policy = console.config.policy.escalationPolicies[escalation.policy],
            policy.levels.indices.contains(escalation.nextLevel)
        else { return nil }
        let notify = policy.levels[escalation.nextLevel].notify
        let roster = try await console.directory.roster(for: notify, at: escalation.dueAt)
        let targets = notify.map { target in
            guard let people = roster[target], target.hasPrefix("schedule:") else { return target }
            return "\(target) (\(people.isEmpty ? "nobody" : people.map(\.user).joined(separator: ", ")))"
        }
        return .init(
            policy: policy.name, level: escalation.nextLevel, dueAt: escalation.dueAt, targets: targets, now: Date())
    }

    static let confirmations = [
        "ack": "Acknowledged.", "mitigate": "Marked mitigated.", "resolve": "Resolved.", "close": "Closed.",
        "reopen": "Reopened.", "severity": "Severity changed.", "notes": "Note added.", "roles": "Role assigned.",
    ]

    static let actions: [String: IncidentAction] = [
        "ack": .acknowledge, "mitigate": .mitigate, "resolve": .resolve, "reopen": .reopen, "close": .close,
    ]

    @Sendable func act(_ request: Request, context: FirebreakContext) async throws -> Response {
        let name = try context.parameters.require("action")
        guard let action = Self.actions[name] else {
            throw APIError(.notFound, "not_found", "There is no incident action '\(name)'.")
        }
        return try await apply(action, name: name, request, context)
    }

    @Sendable func changeSeverity(_ request: Request, context: FirebreakContext) async throws -> Response {
        let text = context.form["severity"] ?? ""
        guard let severity = Severity(parsing: text) else {
            throw APIError(.badRequest, "invalid_field", "Severity must be P0, P1, P2 or P3, not '\(text)'.")
        }
        return try await apply(.changeSeverity(severity), name: "severity", request, context)
    }

    @Sendable func note(_ request: Request, context: FirebreakContext) async throws -> Response {
        let text = (context.form["text"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw APIError(.badRequest, "missing_field", "Write the note first.") }
        return try await apply(.addNote(text), name: "notes", request, context)
    }

    @Sendable func assignRole(_ request: Request, context: FirebreakContext) async throws -> Response {
        let name = context.form["role"] ?? ""
        guard let role = IncidentRole(rawValue: name) else {
            throw APIError(.badRequest, "invalid_field", "The role must be commander, communications or scribe.")
        }
        let person = (context.form["person"] ?? "").trimmingCharacters(in: .whitespaces)
        let users = console.config.users
        if person.isEmpty || (!users.isEmpty && users[person] == nil) {
            let known = users.keys.sorted().joined(separator: ", ")
            throw APIError(
                .badRequest, "invalid_field",
                person.isEmpty
                    ? "Name the person who takes the role." : "'\(person)' is not a user; the users are \(known)."
            )
        }
        return try await apply(.assignRole(role, person), name: "roles", request, context)
    }

    /// Applies an action as the signed-in person. A refusal by the engine (the post-mortem gate, a status that
    /// does not allow it) shows the incident page again with the refusal, as the CLI prints it.
    func apply(_ action: IncidentAction, name: String, _ request: Request, _ context: FirebreakContext) async throws
        -> Response
    {
        let id = try context.parameters.require("id")
        let actor = context.consoleActor
        let now = Date()
        let engine = console.engine
        let label = "POST /incidents/\(id)/\(name)"
        do {
            let transition = try await console.store.updateIncident(id: id, at: now, requestID: context.requestID) {
                try engine.apply(action, to: $0, by: actor, at: now)
            }
            await console.record(label, target: transition.incident.id, result: "ok", context: context)
            return ConsolePage.redirect("/incidents/\(transition.incident.id)?done=\(name)")
        } catch {
            let answer = APIError.from(error)
            guard answer.status.code == 409 || answer.status.code == 400 else { throw error }
            await console.record(label, target: id, result: "\(answer.status.code) \(answer.error)", context: context)
            return try await render(request, context, problem: answer.detail, status: answer.status)
        }
    }
}
