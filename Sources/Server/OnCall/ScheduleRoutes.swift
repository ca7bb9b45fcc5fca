import Basics
import Config
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OnCall
import Store
import Views

/// `/api/v1/schedules`, `/api/v1/users` and `/api/v1/audit`: who is on call, their shifts as JSON and as a calendar,
/// overrides, the people, and the audit log.
struct ScheduleRoutes {
    let directory: OnCallDirectory
    let store: any Storage

    func register(on group: GuardedRoutes) {
        group.get("schedules", .viewer, use: list)
        group.get("schedules/:name/oncall", .viewer, use: onCall)
        group.get("schedules/:name/shifts", .viewer, use: shifts)
        group.get("schedules/{name}.ics", .calendar, use: calendar)
        group.get("schedules/:name/overrides", .viewer, use: overrides)
        group.post("schedules/:name/overrides", .responder, use: addOverride)
        group.delete("schedules/:name/overrides/:id", .responder, use: deleteOverride)
        group.get("users", .viewer, use: users)
        group.get("audit", .admin, use: audit)
    }

    struct ScheduleList: Encodable {
        var schedules: [ScheduleJSON]
    }

    @Sendable func list(_ request: Request, context: FirebreakContext) async throws -> Response {
        var schedules: [ScheduleJSON] = []
        let now = Date()
        for schedule in directory.schedules.values.sorted(by: { $0.name < $1.name }) {
            schedules.append(ScheduleJSON(schedule, now: try await directory.onCall(schedule, at: now)))
        }
        return try jsonResponse(ScheduleList(schedules: schedules))
    }

    @Sendable func onCall(_ request: Request, context: FirebreakContext) async throws -> Response {
        let schedule = try directory.schedule(try context.parameters.require("name"))
        let at = try Self.date(request, "at") ?? Date()
        let (now, next) = try await directory.onCallAndNext(schedule, at: at)
        return try jsonResponse(OnCallJSON(schedule: schedule.name, at: at, shift: now, next: next))
    }

    @Sendable func shifts(_ request: Request, context: FirebreakContext) async throws -> Response {
        let schedule = try directory.schedule(try context.parameters.require("name"))
        let (from, until) = try Self.window(request)
        let shifts = try await directory.shifts(schedule, from: from, until: until)
        return try jsonResponse(ShiftsJSON(schedule: schedule.name, from: from, until: until, shifts: shifts))
    }

    /// The next 8 weeks of shifts as an RFC 5545 calendar.
    @Sendable func calendar(_ request: Request, context: FirebreakContext) async throws -> Response {
        let schedule = try directory.schedule(try context.parameters.require("name"))
        let now = Date()
        // From the start of the shift in progress, so that its event (and UID) stays the same between fetches.
        let from = try await directory.onCall(schedule, at: now)?.from ?? now
        let shifts = try await directory.shifts(schedule, from: min(from, now), until: now + 56 * 86400)
        let text = ICalendar.render(schedule: schedule.name, shifts: shifts, generatedAt: now)
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/calendar; charset=utf-8",
                .contentDisposition: "inline; filename=\"\(schedule.name).ics\"",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    struct OverrideList: Encodable {
        var overrides: [OverrideJSON]
    }

    @Sendable func overrides(_ request: Request, context: FirebreakContext) async throws -> Response {
        let schedule = try directory.schedule(try context.parameters.require("name"))
        let records = try await store.overrides(
            schedule: schedule.name, from: try Self.date(request, "from"), until: nil)
        return try jsonResponse(OverrideList(overrides: records.map(OverrideJSON.init)))
    }

    /// A responder may cover a shift themselves; covering for someone else needs an admin.
    @Sendable func addOverride(_ request: Request, context: FirebreakContext) async throws -> Response {
        let schedule = try directory.schedule(try context.parameters.require("name"))
        let body = try await JSONBody.read(request, allowed: ["user", "from", "until", "reason"])
        let user = try body.requiredString("user")
        guard directory.users[user] != nil else {
            throw APIError(
                .badRequest, "invalid_field",
                "'user' names '\(user)', who is not under users: in firebreak.yml; GET /api/v1/users lists them")
        }
        try Self.requireSelfOrAdmin(user, context, doing: "cover a shift for")
        let from = try Self.parseDate(try body.requiredString("from"), field: "from", inBody: true)
        let until = try Self.parseDate(try body.requiredString("until"), field: "until", inBody: true)
        guard from < until else {
            throw APIError(.badRequest, "invalid_field", "'until' must be after 'from'")
        }
        guard until > Date() else {
            throw APIError(.badRequest, "invalid_field", "the override ends in the past; it would change nothing")
        }
        guard until.timeIntervalSince(from) <= 366 * 86400 else {
            throw APIError(
                .badRequest, "invalid_field",
                "an override covers at most 366 days; for a lasting change, edit the schedule's layers in firebreak.yml"
            )
        }
        let stored = try await store.addOverride(
            OverrideRecord(
                schedule: schedule.name, user: user, from: from, until: until, createdBy: context.actor,
                reason: try body.string("reason"), createdAt: Date()))
        return try jsonResponse(
            OverrideJSON(stored), status: .created,
            headers: [.location: "/api/v1/schedules/\(schedule.name)/overrides/\(stored.id)"])
    }

    @Sendable func deleteOverride(_ request: Request, context: FirebreakContext) async throws -> Response {
        let schedule = try directory.schedule(try context.parameters.require("name"))
        guard let id = Int64(try context.parameters.require("id")) else {
            throw APIError(.notFound, "not_found", "override ids are numbers")
        }
        guard let record = try await store.overrides(schedule: schedule.name).first(where: { $0.id == id }) else {
            throw APIError(
                .notFound, "not_found",
                "no override \(id) in schedule '\(schedule.name)'; GET /api/v1/schedules/\(schedule.name)/overrides lists them"
            )
        }
        try Self.requireSelfOrAdmin(record.user, context, doing: "delete the override of")
        return try jsonResponse(OverrideJSON(try await store.deleteOverride(id: id)))
    }

    struct UserList: Encodable {
        struct UserJSON: Encodable {
            struct Contact: Encodable {
                var id: String
                var type: String
                var target: String
            }
            var handle: String
            var name: String
            var timeZone: String
            var contact: [Contact]
        }
        var users: [UserJSON]
    }

    @Sendable func users(_ request: Request, context: FirebreakContext) async throws -> Response {
        try jsonResponse(
            UserList(
                users: directory.users.values.sorted { $0.handle < $1.handle }.map { user in
                    UserList.UserJSON(
                        handle: user.handle, name: user.name,
                        timeZone: user.timeZone.identifier == "GMT" ? "UTC" : user.timeZone.identifier,
                        contact: user.contacts.map { .init(id: $0.id, type: $0.type, target: $0.target) })
                }))
    }

    struct AuditList: Encodable {
        var entries: [AuditJSON]
    }

    @Sendable func audit(_ request: Request, context: FirebreakContext) async throws -> Response {
        let limit = try IncidentRoutes.integer(
            request.uri.queryParameters["limit"].map(String.init), name: "limit", default: 100, range: 1...1000)
        let entries = try await store.audit(since: try Self.date(request, "since"), limit: limit)
        return try jsonResponse(AuditList(entries: entries.map(AuditJSON.init)))
    }

    static func requireSelfOrAdmin(_ user: String, _ context: FirebreakContext, doing what: String) throws {
        guard let caller = context.caller else { throw APIError.roleRequired(.responder, caller: nil, action: what) }
        if caller.role >= .admin || caller.user == user { return }
        var error = APIError.roleRequired(.admin, caller: caller, action: "to \(what) \(user)")
        error.detail = "only \(user) or an admin may \(what) \(user); this token acts as \(caller.actor)"
        throw error
    }

    static func date(_ request: Request, _ name: String) throws -> Date? {
        try request.uri.queryParameters[Substring(name)].map { try parseDate(String($0), field: name) }
    }

    static func window(_ request: Request) throws -> (Date, Date) {
        let from = try date(request, "from") ?? Date()
        let until = try date(request, "until") ?? from + 7 * 86400
        guard from < until else { throw APIError(.badRequest, "invalid_query", "'until' must be after 'from'") }
        guard until.timeIntervalSince(from) <= 366 * 86400 else {
            throw APIError(.badRequest, "invalid_query", "the window from 'from' to 'until' may span at most 366 days")
        }
        return (from, until)
    }

    static func parseDate(_ text: String, field: String, inBody: Bool = false) throws -> Date {
        if let date = RFC3339.parse(text) { return date }
        throw APIError(
            .badRequest, inBody ? "invalid_field" : "invalid_query",
            "'\(field)' must be an RFC 3339 time such as 2026-03-30T09:00:00+02:00, not '\(text)'")
    }
}
