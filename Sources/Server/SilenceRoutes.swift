import Basics
import Foundation
import Hummingbird
import Incidents
import Store
import Views

/// `/api/v1/silences`: create, list and expire silences; the list shows the alerts they hold back.
struct SilenceRoutes {
    let store: any Storage

    func register(on group: GuardedRoutes) {
        group.get("silences", .viewer, use: list)
        group.post("silences", .responder, use: add)
        group.post("silences/:id/expire", .responder, use: expire)
    }

    @Sendable func list(_ request: Request, context: FirebreakContext) async throws -> Response {
        let now = Date()
        let all = request.uri.queryParameters["all"].map { $0 == "true" || $0 == "1" } ?? false
        let silences = try await store.silences(endingAfter: all ? nil : now)
        return try jsonResponse(SilencesJSON(silences: silences, held: try await store.silencedAlerts(), now: now))
    }

    /// `{"matchers": {"alertname": "DiskFull", "host": "~db.*"}, "duration": "2h", "comment": "…"}`, or with
    /// `starts_at` and `ends_at`.
    @Sendable func add(_ request: Request, context: FirebreakContext) async throws -> Response {
        let body = try await JSONBody.read(
            request, allowed: ["matchers", "starts_at", "ends_at", "duration", "comment", "by"])
        let actor = try context.actor(try body.string("by"))
        if let raw = body.fields["matchers"] as? [String: Any], raw.values.contains(where: { !($0 is String) }) {
            throw APIError(
                .badRequest, "invalid_field",
                "'matchers' must be an object of string values, such as {\"alertname\": \"DiskFull\"}")
        }
        let fields = try body.stringMap("matchers")
        guard !fields.isEmpty else {
            throw APIError(
                .badRequest, "missing_field",
                "'matchers' must name at least one of alertname, source, severity or a label, such as {\"alertname\": \"DiskFull\"}"
            )
        }
        guard let matchers = Trigger(flattened: fields) else {
            throw APIError(.badRequest, "invalid_field", "'matchers.severity' must be P0, P1, P2 or P3")
        }
        if let problem = matchers.silenceProblem() {
            throw APIError(.badRequest, "invalid_field", "'matchers': \(problem)")
        }
        let comment = try body.requiredString("comment")
        let now = Date()
        let starts =
            try body.string("starts_at").map { try ScheduleRoutes.parseDate($0, field: "starts_at", inBody: true) }
            ?? now
        let ends: Date
        if let text = try body.string("ends_at") {
            ends = try ScheduleRoutes.parseDate(text, field: "ends_at", inBody: true)
        } else if let text = try body.string("duration") {
            guard let duration = DurationParser.parse(text), duration > .zero else {
                throw APIError(
                    .badRequest, "invalid_field", "'duration' must be a duration such as 2h or 30m, not '\(text)'")
            }
            ends = starts.addingTimeInterval(duration.seconds)
        } else {
            throw APIError(.badRequest, "missing_field", "give 'ends_at' or 'duration' (such as \"2h\")")
        }
        guard ends > starts, ends > now else {
            throw APIError(.badRequest, "invalid_field", "the silence must end after it starts, and in the future")
        }
        let stored = try await store.addSilence(
            Silence(
                matchers: matchers, startsAt: starts, endsAt: ends, createdBy: actor, comment: comment, createdAt: now))
        return try jsonResponse(
            SilenceJSON(stored, now: now), status: .created, headers: [.location: "/api/v1/silences/\(stored.id)"])
    }

    @Sendable func expire(_ request: Request, context: FirebreakContext) async throws -> Response {
        guard let id = Int64(try context.parameters.require("id")) else {
            throw APIError(.notFound, "not_found", "silence ids are numbers")
        }
        let now = Date()
        return try jsonResponse(SilenceJSON(try await store.expireSilence(id: id, at: now), now: now))
    }
}
