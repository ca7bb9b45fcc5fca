import FirebreakTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite("HTTP API")
struct APITests {
    @Test("no token is 401, a wrong or revoked token is 403, with JSON bodies")
    func authentication() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            try await client.execute(uri: "/api/v1/incidents", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.body.json["error"] as? String == "unauthorized")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            try await client.execute(
                uri: "/api/v1/incidents", method: .get,
                headers: [.authorization: "Bearer fbk_notarealtokenatall000000000000000000000000"]
            ) { response in
                #expect(response.status == .forbidden)
                #expect(response.body.json["error"] as? String == "forbidden")
            }
            try await client.execute(uri: "/api/v1/incidents", method: .get, headers: test.auth) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["incidents"] as? [Any] != nil)
            }
            try await test.store.revokeToken(name: "tests", at: Date())
            try await client.execute(uri: "/api/v1/incidents", method: .get, headers: test.auth) { response in
                #expect(response.status == .forbidden)
                #expect((response.body.json["detail"] as? String)?.contains("revoked") == true)
            }
        }
        let stored = try await test.store.tokens()
        #expect(stored.count == 1)
        #expect(stored[0].hash.count == 32, "a SHA-256, not the token")
        #expect(!stored[0].hash.elementsEqual(Data(test.token.utf8)))
    }

    @Test("incidents: open, act, refuse with the allowed actions, and timeline with the request id")
    func incidents() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            var headers = test.auth
            headers[HTTPField.Name("X-Request-ID")!] = "req-42"
            try await client.execute(
                uri: "/api/v1/incidents", method: .post, headers: headers,
                body: #"{"title":"Checkout down","severity":"P1","summary":"5xx"}"#.buffer
            ) { response in
                #expect(response.status == .created)
                #expect(response.headers[.location] == "/api/v1/incidents/INC-1")
                #expect(response.headers[HTTPField.Name("X-Request-ID")!] == "req-42")
                #expect(response.body.json["status"] as? String == "triggered")
            }
            try await client.execute(
                uri: "/api/v1/incidents/INC-1/ack", method: .post, headers: test.auth,
                body: #"{"by":"alice","note":"looking"}"#.buffer
            ) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["commander"] as? String == "alice")
            }
            try await client.execute(uri: "/api/v1/incidents/INC-1/reopen", method: .post, headers: test.auth) {
                response in
                #expect(response.status == .conflict)
                #expect(response.body.json["error"] as? String == "invalid_transition")
                #expect((response.body.json["detail"] as? String)?.contains("allowed: mitigate, resolve") == true)
            }
            try await client.execute(
                uri: "/api/v1/incidents/INC-1/severity", method: .post, headers: test.auth,
                body: #"{"severity":"P0"}"#.buffer
            ) { response in
                #expect(response.body.json["severity"] as? String == "P0")
            }
            try await client.execute(
                uri: "/api/v1/incidents/INC-1/notes", method: .post, headers: test.auth,
                body: #"{"text":"rolled back"}"#.buffer
            ) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/api/v1/incidents/INC-1/timeline", method: .get, headers: test.auth) {
                response in
                let events = response.body.json["events"] as? [[String: Any]] ?? []
                #expect(
                    events.map { $0["kind"] as? String } == [
                        "opened", "acknowledged", "note", "severity_changed", "note",
                    ])
                #expect(events.first?["request_id"] as? String == "req-42")
                #expect(events.first?["actor"] as? String == "alice")
            }
            try await client.execute(
                uri: "/api/v1/incidents?status=acknowledged&severity=P0", method: .get, headers: test.auth
            ) { response in
                #expect((response.body.json["incidents"] as? [[String: Any]])?.map { $0["id"] as? String } == ["INC-1"])
            }
            try await client.execute(uri: "/api/v1/incidents?status=triggered", method: .get, headers: test.auth) {
                response in
                #expect((response.body.json["incidents"] as? [Any])?.isEmpty == true)
            }
        }
    }

    @Test(
        "bad input is a 4xx JSON body, never a 500",
        arguments: [
            ("/api/v1/incidents", "{not json", 400, "invalid_json"),
            ("/api/v1/incidents", "[1,2]", 400, "invalid_json"),
            ("/api/v1/incidents", #"{"title":"t","severity":"P1","colour":"red"}"#, 400, "unknown_field"),
            ("/api/v1/incidents", #"{"title":"t"}"#, 400, "missing_field"),
            ("/api/v1/incidents", #"{"title":5,"severity":"P1"}"#, 400, "invalid_field"),
            ("/api/v1/incidents", #"{"title":"t","severity":"P7"}"#, 400, "invalid_field"),
            ("/api/v1/incidents/INC-99/ack", "", 404, "not_found"),
            ("/api/v1/incidents/INC-99/explode", "", 404, "not_found"),
            ("/api/v1/runs", #"{"runbook":"missing"}"#, 404, "runbook_not_found"),
            ("/api/v1/runs", #"{"runbook":"/etc/passwd"}"#, 400, "invalid_runbook_reference"),
            ("/api/v1/runs/RUN-9/cancel", "{}", 404, "not_found"),
            ("/api/v1/runs/RUN-9/retry", "{}", 404, "not_found"),
            ("/api/v1/runs/nope/approve", #"{"step":"x"}"#, 400, "invalid_id"),
            ("/api/v1/nowhere", "{}", 404, "not_found"),
        ])
    func badInput(_ uri: String, _ body: String, _ status: Int, _ error: String) async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            try await client.execute(uri: uri, method: .post, headers: test.auth, body: body.buffer) { response in
                #expect(Int(response.status.code) == status)
                #expect(response.body.json["error"] as? String == error)
                #expect(response.body.json["detail"] as? String != nil)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }

    @Test("a missing record names the API's way to find one, never a CLI command")
    func notFoundWords() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            for (uri, route) in [
                ("/api/v1/incidents/INC-99", "GET /api/v1/incidents"), ("/api/v1/runs/RUN-9", "GET /api/v1/runs"),
            ] {
                try await client.execute(uri: uri, method: .get, headers: test.auth) { response in
                    let detail = response.body.json["detail"] as? String ?? ""
                    #expect(response.status == .notFound)
                    #expect(detail.contains(route), "\(detail)")
                    #expect(!detail.contains("firebreak "), "\(detail)")
                }
            }
        }
    }

    @Test("a body over the limit is 413")
    func bodyLimit() async throws {
        let test = try await TestServer("server: {max_body: 1KiB}")
        try await test.application().test(.live) { client in
            let big = #"{"title":""# + String(repeating: "x", count: 2048) + #"","severity":"P1"}"#
            try await client.execute(uri: "/api/v1/incidents", method: .post, headers: test.auth, body: big.buffer) {
                response in
                #expect(response.status == .contentTooLarge)
                #expect(response.body.json["error"] as? String == "body_too_large")
            }
            try await client.execute(
                uri: "/api/v1/incidents", method: .post, headers: test.auth,
                body: #"{"title":"small","severity":"P3"}"#.buffer
            ) { response in
                #expect(response.status == .created)
            }
        }
    }

    @Test("over the rate limit is 429 with Retry-After; every answer has the X-RateLimit headers")
    func rateLimit() async throws {
        let test = try await TestServer("server: {rate_limit: {rate: 0.01, burst: 3}}")
        try await test.application().test(.live) { client in
            for expected in [2, 1, 0] {
                try await client.execute(uri: "/api/v1/incidents", method: .get, headers: test.auth) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[HTTPField.Name("X-RateLimit-Limit")!] == "3")
                    #expect(response.headers[HTTPField.Name("X-RateLimit-Remaining")!] == String(expected))
                    #expect(response.headers[HTTPField.Name("X-RateLimit-Reset")!] != nil)
                }
            }
            try await client.execute(uri: "/api/v1/incidents", method: .get, headers: test.auth) { response in
                #expect(response.status == .tooManyRequests)
                let retryAfter = response.headers[.retryAfter].flatMap { Int($0) } ?? 0
                #expect((90...100).contains(retryAfter), "one request refills in 100s at 0.01/s")
                #expect(response.headers[HTTPField.Name("X-RateLimit-Remaining")!] == "0")
                #expect(response.body.json["error"] as? String == "rate_limited")
            }
        }
    }

    @Test("health is 200 when all is well and 503 while another process holds the database's write lock")
    func health() async throws {
        let test = try await TestServer()
        try await test.application().test(.live) { client in
            // The loops run in `serve`; here they tick by hand, just before each look.
            await test.server.health.refresh()
            await test.server.scheduler.tick()
            await test.server.dispatcher.tick()
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok, "\(response.body.json)")
                let checks = response.body.json["checks"] as? [String: [String: String]] ?? [:]
                #expect(checks.keys.sorted() == ["database", "disk", "dispatcher", "freshness", "ingest", "scheduler"])
                #expect(checks.values.allSatisfy { $0["status"] == "ok" })
            }
            // Another process takes the database's write lock and keeps it for a while.
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            holder.arguments = [
                "-c",
                """
                import sqlite3, sys, time
                c = sqlite3.connect(sys.argv[1], isolation_level=None)
                c.execute("BEGIN IMMEDIATE")
                print("locked", flush=True)
                time.sleep(2.5)
                c.execute("ROLLBACK")
                """, test.directory.url.appendingPathComponent("data/firebreak.db").path,
            ]
            let pipe = Pipe()
            holder.standardOutput = pipe
            try holder.run()
            #expect(pipe.fileHandleForReading.availableLine() == "locked")
            // The database check runs in the background (every 5 s in `serve`); run one round now.
            await test.server.health.refresh()
            await test.server.scheduler.tick()
            await test.server.dispatcher.tick()
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let checks = response.body.json["checks"] as? [String: [String: String]] ?? [:]
                #expect(checks["database"]?["status"] == "fail")
                #expect(checks["scheduler"]?["status"] == "ok")
            }
            holder.waitUntilExit()
            await test.server.health.refresh()
            await test.server.scheduler.tick()
            await test.server.dispatcher.tick()
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok, "\(response.body.json)")
            }
        }
    }

    @Test("metrics cover requests, incidents, escalations, notifications and runs")
    func metrics() async throws {
        let test = try await TestServer("severities: {P0: {acknowledge_within: 0s}}")
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/incidents", method: .post, headers: test.auth,
                body: #"{"title":"t","severity":"P0"}"#.buffer
            ) { _ in }
            try await Task.sleep(for: .milliseconds(20))
            await test.server.scheduler.tick()
            await test.server.dispatcher.tick()
            try await Task.sleep(for: .milliseconds(100))
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                #expect(
                    text.contains(
                        #"firebreak_http_requests_total{route="/api/v1/incidents",method="POST",status="201"}"#))
                #expect(text.contains("firebreak_http_request_duration_seconds_bucket"))
                #expect(text.contains(#"firebreak_incidents{status="triggered",severity="P0"} 1"#))
                #expect(text.contains(#"firebreak_escalations_fired_total{severity="P0"}"#))
                #expect(text.contains(#"firebreak_notifications_total{channel="log",result="sent"}"#))
                #expect(text.contains(#"firebreak_runs{status="succeeded"}"#))
            }
        }
    }
}
