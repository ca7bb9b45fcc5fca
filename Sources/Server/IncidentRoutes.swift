import Foundation
import HTTPTypes
import Hummingbird
import Incidents
import Metrics
import NIOCore
import Postmortems
import Store
import Views

/// `/api/v1/incidents`: list, open, show, act on, and read the timeline.
struct IncidentRoutes {
    let store: any Storage
    let engine: IncidentEngine
    /// The configured users' handles: when there are any, a role goes to one of them.
    var users: Set<String> = []

    func register(on group: GuardedRoutes) {
        group.get("incidents", .viewer, use: list)
        group.post("incidents", .responder, use: open)
        group.get("incidents/:id", .viewer, use: show)
        group.get("incidents/:id/timeline", .viewer, use: timeline)
        group.get("incidents/:id/postmortem", .viewer, use: postmortem)
        group.post("incidents/:id/severity", .responder, use: changeSeverity)
        group.post("incidents/:id/notes", .responder, use: note)
        group.post("incidents/:id/assign", .responder, use: assign)
        group.post("incidents/:id/roles", .responder, use: assignRole)
        group.post("incidents/:id/close", .responder, use: close)
        group.post("incidents/:id/:action", .responder, use: act)
    }

    struct Page: Encodable {
        var incidents: [IncidentJSON]
        var limit: Int
        var offset: Int
    }

    @Sendable func list(_ request: Request, context: FirebreakContext) async throws -> Response {
        let query = request.uri.queryParameters
        var status: IncidentStatus?
        if let text = query["status"].map(String.init) {
            guard let parsed = IncidentStatus(rawValue: text) else {
                throw APIError(
                    .badRequest, "invalid_query",
                    "status must be one of \(IncidentStatus.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'"
                )
            }
            status = parsed
        }
        var severity: Severity?
        if let text = query["severity"].map(String.init) {
            guard let parsed = Severity(parsing: text) else {
                throw APIError(.badRequest, "invalid_query", "severity must be P0, P1, P2 or P3, not '\(text)'")
            }
            severity = parsed
        }
        let limit = try Self.integer(query["limit"].map(String.init), name: "limit", default: 50, range: 1...500)
        let offset = try Self.integer(
            query["offset"].map(String.init), name: "offset", default: 0, range: 0...Int(Int32.max))
        let incidents = try await store.incidents(status: status, severity: severity, limit: limit, offset: offset)
        return try jsonResponse(Page(incidents: incidents.map { IncidentJSON($0) }, limit: limit, offset: offset))
    }

    @Sendable func open(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await JSONBody.read(request, allowed: ["title", "severity", "summary", "by"])
        let title = try body.requiredString("title")
        let severityText = try body.requiredString("severity")
        guard let severity = Severity(parsing: severityText) else {
            throw APIError(.badRequest, "invalid_field", "'severity' must be P0, P1, P2 or P3, not '\(severityText)'")
        }
        let summary = try body.string("summary")
        let actor = try context.actor(try body.string("by"))
        let now = Date()
        let engine = self.engine
        let transition = try await store.openIncident(at: now, requestID: context.requestID) { id in
            engine.open(id: id, title: title, severity: severity, summary: summary, by: actor, at: now)
        }
        context.logger.info("incident opened", metadata: ["incident.id": .string(transition.incident.id)])
        return try jsonResponse(
            IncidentJSON(transition.incident), status: .created,
            headers: [.location: "/api/v1/incidents/\(transition.incident.id)"])
    }

    @Sendable func show(_ request: Request, context: FirebreakContext) async throws -> Response {
        let incident = try await store.incident(id: try context.parameters.require("id"))
        var view = IncidentJSON(incident)
        view.timeline = try await store.timeline(incidentID: incident.id).map(IncidentJSON.Event.init)
        view.notifications = try await store.notifications(incidentID: incident.id).map(IncidentJSON.Notification.init)
        return try jsonResponse(view)
    }

    struct Timeline: Encodable {
        var incident: String
        var events: [IncidentJSON.Event]
    }

    @Sendable func timeline(_ request: Request, context: FirebreakContext) async throws -> Response {
        let incident = try await store.incident(id: try context.parameters.require("id"))
        return try jsonResponse(
            Timeline(
                incident: incident.id,
                events: try await store.timeline(incidentID: incident.id).map(IncidentJSON.Event.init)))
    }

    static let actions: [String: IncidentAction] = [
        "ack": .acknowledge, "acknowledge": .acknowledge, "mitigate": .mitigate, "resolve": .resolve,
        "reopen": .reopen, "close": .close,
    ]

    @Sendable func act(_ request: Request, context: FirebreakContext) async throws -> Response {
        let name = try context.parameters.require("action")
        guard let action = Self.actions[name] else {
            throw APIError(
                .notFound, "not_found",
                "no action '\(name)'; use one of ack, mitigate, resolve, reopen, close, severity, notes, assign, roles")
        }
        let body = try await JSONBody.read(request, allowed: ["by", "note"], allowEmpty: true)
        return try await apply(action, note: try body.string("note"), by: try body.string("by"), request, context)
    }

    /// The stored post-mortem, or a fresh draft generated from the store when none was saved; Markdown, or a
    /// complete HTML page when `Accept` prefers `text/html`.
    @Sendable func postmortem(_ request: Request, context: FirebreakContext) async throws -> Response {
        let incident = try await store.incident(id: try context.parameters.require("id"))
        let markdown: String
        let status: String
        if let stored = try await store.postmortem(incidentID: incident.id) {
            markdown = stored.markdown
            status = stored.status.rawValue
        } else {
            do {
                markdown = try await PostmortemGenerator(templatePath: nil).markdown(for: incident.id, store: store)
            } catch let error as TemplateError {
                throw APIError(.internalServerError, "template_error", error.message)
            }
            status = "generated"
        }
        let accept = request.headers[.accept] ?? ""
        let html = accept.contains("text/html") && !accept.hasPrefix("text/markdown")
        let body =
            html
            ? PostmortemGenerator.html(markdown: markdown, title: "Post-mortem: \(incident.id) \(incident.title)")
            : markdown
        return Response(
            status: .ok,
            headers: [
                .contentType: html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8",
                HTTPField.Name("X-Postmortem-Status")!: status,
            ],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    @Sendable func changeSeverity(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await JSONBody.read(request, allowed: ["severity", "by", "note"])
        let text = try body.requiredString("severity")
        guard let severity = Severity(parsing: text) else {
            throw APIError(.badRequest, "invalid_field", "'severity' must be P0, P1, P2 or P3, not '\(text)'")
        }
        return try await apply(
            .changeSeverity(severity), note: try body.string("note"), by: try body.string("by"), request, context)
    }

    @Sendable func note(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await JSONBody.read(request, allowed: ["text", "by"])
        return try await apply(
            .addNote(try body.requiredString("text")), note: nil, by: try body.string("by"), request, context)
    }

    @Sendable func assign(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await JSONBody.read(request, allowed: ["assignee", "by", "note"])
        return try await apply(
            .assign(try body.requiredString("assignee")), note: try body.string("note"),
            by: try body.string("by"), request, context)
    }

    /// `{}` closes through the post-mortem gate; `{"force": true, "reason": "…"}` past it, for an admin.
    @Sendable func close(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await JSONBody.read(request, allowed: ["by", "note", "force", "reason"], allowEmpty: true)
        guard let force = body.fields["force"] as? Bool ?? (body.fields["force"] == nil ? false : nil) else {
            throw APIError(.badRequest, "invalid_field", "'force' must be true or false")
        }
        guard force else {
            return try await apply(.close, note: try body.string("note"), by: try body.string("by"), request, context)
        }
        guard let caller = context.caller, caller.role >= .admin else {
            throw APIError.roleRequired(
                .admin, caller: context.caller, action: "closing past the post-mortem gate (force)")
        }
        return try await apply(
            .forceClose(reason: try body.requiredString("reason")), note: try body.string("note"),
            by: try body.string("by"), request, context)
    }

    /// `{"role": "communications", "user": "bob"}`; `"user": null` clears the role.
    @Sendable func assignRole(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await JSONBody.read(request, allowed: ["role", "user", "by", "note"])
        let name = try body.requiredString("role")
        guard let role = IncidentRole(rawValue: name) else {
            throw APIError(
                .badRequest, "invalid_field", "'role' must be commander, communications or scribe, not '\(name)'")
        }
        guard body.fields.keys.contains("user") else {
            throw APIError(
                .badRequest, "missing_field", "'user' is required: the handle who takes the role, or null to clear it")
        }
        let user = try body.string("user")
        if let user, !users.isEmpty, !users.contains(user) {
            throw APIError(
                .badRequest, "invalid_field",
                "'user' names '\(user)', who is not under users: in firebreak.yml; GET /api/v1/users lists them")
        }
        return try await apply(
            .assignRole(role, user), note: try body.string("note"), by: try body.string("by"), request, context)
    }

    private func apply(
        _ action: IncidentAction, note: String?, by: String?, _ request: Request,
        _ context: FirebreakContext
    ) async throws -> Response {
        let id = try context.parameters.require("id")
        let actor = try context.actor(by)
        let now = Date()
        let engine = self.engine
        let transition = try await store.updateIncident(id: id, at: now, requestID: context.requestID) { incident in
            try engine.apply(action, note: note, to: incident, by: actor, at: now)
        }
        context.logger.info("incident \(action.name)", metadata: ["incident.id": .string(transition.incident.id)])
        return try jsonResponse(IncidentJSON(transition.incident))
    }

    static func integer(_ text: String?, name: String, default value: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw APIError(
                .badRequest, "invalid_query",
                "\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return number
    }
}
