import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

/// Every guarded route, walked from the router's own table: a route added without thinking about roles is tested
/// the day it is added.
@Suite("roles: every route refuses a token below its role, with 403 naming the role")
struct PermissionTests {
    static let config = """
        users:
          alice: {name: Alice, contact: [{command: [/bin/true]}]}
          bob: {name: Bob, contact: [{command: [/bin/true]}]}
        schedules:
          primary:
            time_zone: UTC
            layers: [{name: l, users: [alice, bob], rotation: 1d, start: 2026-01-05, handoff: "09:00"}]
        """

    /// A concrete path for a route pattern.
    static func concrete(_ path: String) -> String {
        path.replacingOccurrences(of: ":id", with: "1").replacingOccurrences(of: ":name", with: "primary")
            .replacingOccurrences(of: "{name}", with: "primary").replacingOccurrences(of: ":action", with: "ack")
    }

    @Test("a token of each role below the route's gets 403 with required_role; the route's role gets past the check")
    func everyRoute() async throws {
        let test = try await TestServer(Self.config)
        var made: [TokenRole: String] = [:]
        for role in TokenRole.allCases {
            made[role] = try await test.server.tokens.create(name: "as-\(role.rawValue)", user: "bob", role: role)
        }
        let tokens = made
        let application = test.application()
        var seen = Set<String>()
        let routes = test.server.permissions.routes.filter { seen.insert("\($0.method) \($0.path)").inserted }
        #expect(routes.count >= 20, "the table holds the API: \(routes.count) routes")
        #expect(routes.contains { $0.path == "/api/v1/audit" && $0.role == .admin })
        #expect(
            routes.contains {
                $0.path == "/api/v1/incidents/:id/:action" && $0.method == .post && $0.role == .responder
            })
        #expect(routes.filter { $0.method == .get }.allSatisfy { $0.role <= .viewer || $0.path == "/api/v1/audit" })
        #expect(
            routes.filter { $0.role == .calendar }.map(\.path) == ["/api/v1/schedules/{name}.ics"],
            "a calendar token reads calendars only")
        try await application.test(.router) { client in
            for route in routes {
                let uri = Self.concrete(route.path)
                for role in TokenRole.allCases {
                    let headers: HTTPFields = [
                        .authorization: "Bearer \(tokens[role]!)", .contentType: "application/json",
                    ]
                    try await client.execute(
                        uri: uri, method: route.method, headers: headers, body: ByteBuffer(string: "{}")
                    ) {
                        response in
                        let body = response.body.json
                        if !role.allows(route.role) {
                            #expect(response.status == .forbidden, "\(route.method) \(uri) as \(role)")
                            #expect(body["required_role"] as? String == route.role.rawValue, "\(route.method) \(uri)")
                            #expect((body["detail"] as? String)?.contains("--role \(route.role.rawValue)") == true)
                        } else {
                            #expect(body["required_role"] == nil, "\(route.method) \(uri) as \(role): \(body)")
                            #expect(response.status.code < 500, "\(route.method) \(uri) as \(role)")
                        }
                    }
                }
            }
        }
        let refusals = try await test.store.audit(since: nil, limit: 1000).filter { $0.result.hasPrefix("403") }
        #expect(refusals.count >= routes.count, "each refusal is in the audit log")
        #expect(refusals.allSatisfy { $0.actor == "bob" && $0.via == "api" })
    }

    @Test("a responder may cover a shift for themselves, not for someone else; an admin may")
    func overridesForOthers() async throws {
        let test = try await TestServer(Self.config)
        let responder = try await test.server.tokens.create(name: "bob", user: "bob", role: .responder)
        try await test.application().test(.router) { client in
            let from = Date().addingTimeInterval(30 * 86400)
            let at = from.addingTimeInterval(12 * 3600).formatted(.iso8601)
            let body = """
                {"user":"alice","from":"\(from.formatted(.iso8601))","until":"\(from.addingTimeInterval(86400).formatted(.iso8601))"}
                """
            try await client.execute(
                uri: "/api/v1/schedules/primary/overrides", method: .post,
                headers: [.authorization: "Bearer \(responder)"], body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.body.json["required_role"] as? String == "admin")
            }
            try await client.execute(
                uri: "/api/v1/schedules/primary/overrides", method: .post,
                headers: [.authorization: "Bearer \(responder)"],
                body: ByteBuffer(string: body.replacingOccurrences(of: "alice", with: "bob"))
            ) { response in
                #expect(response.status == .created)
                #expect(response.body.json["created_by"] as? String == "bob")
            }
            try await client.execute(
                uri: "/api/v1/schedules/primary/overrides", method: .post, headers: test.auth,
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .created, "the admin test token covers for alice")
            }
            try await client.execute(
                uri: "/api/v1/schedules/primary/oncall?at=\(at)", method: .get, headers: test.auth
            ) { response in
                let onCall = response.body.json["on_call"] as? [[String: Any]]
                #expect(onCall?.first?["user"] as? String == "alice", "the later override wins")
                #expect(onCall?.first?["source"] as? String == "override")
            }
        }
    }

    @Test("serve refuses to start without the SMTP password that password_env names")
    func missingPassword() async throws {
        let yaml = """
            smtp: {host: 127.0.0.1, username: fb, password_env: FIREBREAK_TEST_UNSET_PASSWORD, from: fb@example.com}
            """
        await #expect {
            _ = try await TestServer(yaml)
        } throws: { "\($0)".contains("FIREBREAK_TEST_UNSET_PASSWORD, which is not set") }
    }

    @Test("a role change names its user, or null to clear it; a missing user is refused")
    func roleNeedsUser() async throws {
        let test = try await TestServer(Self.config)
        try await test.application().test(.router) { client in
            func post(_ uri: String, _ body: String) async throws -> (Int, [String: Any]) {
                try await client.execute(uri: uri, method: .post, headers: test.auth, body: ByteBuffer(string: body)) {
                    (Int($0.status.code), $0.body.json)
                }
            }
            #expect(try await post("/api/v1/incidents", #"{"title":"t","severity":"P3"}"#).0 == 201)
            #expect(
                try await post("/api/v1/incidents/INC-1/roles", #"{"role":"scribe"}"#).1["error"] as? String
                    == "missing_field")
            #expect(try await post("/api/v1/incidents/INC-1/roles", #"{"role":"scribe","user":"zed"}"#).0 == 400)
            #expect(try await post("/api/v1/incidents/INC-1/roles", #"{"role":"chef","user":"bob"}"#).0 == 400)
            let given = try await post("/api/v1/incidents/INC-1/roles", #"{"role":"scribe","user":"bob"}"#)
            #expect(given.1["scribe"] as? String == "bob")
            let cleared = try await post("/api/v1/incidents/INC-1/roles", #"{"role":"scribe","user":null}"#)
            #expect(cleared.0 == 200)
            #expect(cleared.1["scribe"] == nil)
        }
    }

    @Test("a user's token acts as that user: a 'by' naming someone else is refused")
    func byIsTheToken() async throws {
        let test = try await TestServer(Self.config)
        let bob = try await test.server.tokens.create(name: "bob", user: "bob", role: .responder)
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/incidents", method: .post, headers: [.authorization: "Bearer \(bob)"],
                body: ByteBuffer(string: #"{"title":"t","severity":"P3","by":"alice"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.body.json["error"] as? String == "by_not_allowed")
            }
            try await client.execute(
                uri: "/api/v1/incidents", method: .post, headers: [.authorization: "Bearer \(bob)"],
                body: ByteBuffer(string: #"{"title":"t","severity":"P3"}"#)
            ) { response in
                #expect(response.status == .created)
            }
            try await client.execute(
                uri: "/api/v1/incidents/INC-1/timeline", method: .get, headers: [.authorization: "Bearer \(bob)"]
            ) { response in
                let events = response.body.json["events"] as? [[String: Any]]
                #expect(events?.first?["actor"] as? String == "bob")
            }
        }
        let audit = try await test.store.audit(since: nil, limit: 10)
        let created = try #require(audit.first { $0.action == "POST /api/v1/incidents" && $0.result == "ok 201" })
        #expect(created.target == "INC-1", "a creation names what it created")
        #expect(created.actor == "bob")
    }
}

@Suite("the close gate's --force is an admin's, with a reason on the timeline")
struct ForceCloseTests {
    @Test("a responder's force is refused with required_role admin; an admin's needs a reason, then closes a P1")
    func forceClose() async throws {
        let test = try await TestServer(PermissionTests.config)
        let responder = try await test.server.tokens.create(name: "bob", user: "bob", role: .responder)
        try await test.application().test(.router) { client in
            func post(_ uri: String, _ token: String, _ body: String = "{}") async throws -> (Int, [String: Any]) {
                try await client.execute(
                    uri: uri, method: .post, headers: [.authorization: "Bearer \(token)"],
                    body: ByteBuffer(string: body)
                ) { (Int($0.status.code), $0.body.json) }
            }
            #expect(try await post("/api/v1/incidents", test.token, #"{"title":"t","severity":"P1"}"#).0 == 201)
            #expect(try await post("/api/v1/incidents/INC-1/resolve", test.token).0 == 200)
            let gated = try await post("/api/v1/incidents/INC-1/close", responder)
            #expect(gated.0 == 409)
            #expect(gated.1["error"] as? String == "postmortem_required")
            let refused = try await post(
                "/api/v1/incidents/INC-1/close", responder, #"{"force":true,"reason":"drill"}"#)
            #expect(refused.0 == 403)
            #expect(refused.1["required_role"] as? String == "admin")
            #expect(
                try await post("/api/v1/incidents/INC-1/close", test.token, #"{"force":true}"#).1["error"] as? String
                    == "missing_field")
            #expect(try await post("/api/v1/incidents/INC-1/close", test.token, #"{"force":"yes"}"#).0 == 400)
            let closed = try await post(
                "/api/v1/incidents/INC-1/close", test.token, #"{"force":true,"reason":"a drill, nothing to learn"}"#)
            #expect(closed.0 == 200, "\(closed.1)")
            #expect(closed.1["status"] as? String == "closed")
        }
        let timeline = try await test.store.timeline(incidentID: "INC-1")
        let entry = try #require(timeline.first { $0.kind.rawValue == "closed" })
        #expect(entry.details == ["forced": "true", "reason": "a drill, nothing to learn"])
        #expect(entry.actor == "alice")
    }
}

@Suite("a calendar token reads the .ics feed and nothing else")
struct CalendarTokenTests {
    @Test("?token= with a calendar token: the feed; the API and the webhooks refuse it")
    func calendarOnly() async throws {
        let test = try await TestServer(PermissionTests.config)
        let calendar = try await test.server.tokens.create(name: "phone", user: "alice", role: .calendar)
        try await test.application().test(.router) { client in
            try await client.execute(uri: "/api/v1/schedules/primary.ics?token=\(calendar)", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).hasPrefix("BEGIN:VCALENDAR"))
            }
            try await client.execute(uri: "/api/v1/users?token=\(calendar)", method: .get) { response in
                #expect(response.status == .unauthorized, "the query token counts only for .ics")
            }
            try await client.execute(
                uri: "/api/v1/users", method: .get, headers: [.authorization: "Bearer \(calendar)"]
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.body.json["required_role"] as? String == "viewer")
            }
            try await client.execute(
                uri: "/webhooks/generic", method: .post, headers: [.authorization: "Bearer \(calendar)"],
                body: ByteBuffer(string: #"{"name":"X"}"#)
            ) { response in
                #expect(response.status == .forbidden)
            }
        }
    }
}
