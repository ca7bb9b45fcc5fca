import FirebreakTesting
import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite("run control and dead ends through the API")
struct RunControlAPITests {
    static let secretRunbook = """
        ---
        id: rotate
        params:
          api_token: {type: string, secret: true, required: true}
        ---
        # Rotate

        ```sh {name=check}
        test -n "$API_TOKEN"
        ```

        ```sh {name=rotate confirm=true}
        test "$API_TOKEN" = hunter22 && echo "rotated with $API_TOKEN"
        ```
        """

    @Test("approving a run with a secret param resumes it: the server holds the secret for the run's life")
    func approveWithSecret() async throws {
        let test = try await TestServer()
        try test.writeRunbook("rotate.md", Self.secretRunbook)
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: test.auth,
                body: #"{"runbook":"rotate","params":{"api_token":"hunter22"}}"#.buffer
            ) { response in
                #expect(response.status == .accepted)
            }
            await test.server.launcher.waitForIdle()
            // A run that stops to wait has not finished.
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"firebreak_runs_paused_total{status="waiting"}"#))
                #expect(!text.contains(#"firebreak_runs_finished_total{status="waiting"}"#))
            }
            try await client.execute(
                uri: "/api/v1/runs/RUN-1/approve", method: .post, headers: test.auth,
                body: #"{"step":"rotate","by":"alice"}"#.buffer
            ) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["resumed"] as? Bool == true, "\(response.body.json)")
            }
            await test.server.launcher.waitForIdle()
        }
        let detail = try await test.store.runDetail(id: 1)
        #expect(detail.run.status == .succeeded)
        #expect(detail.attempts[1]?.last?.output.contains("hunter22") == false, "the secret is redacted")
    }

    @Test("after a restart the approval's params supply the secret, and a missing one is named")
    func approveAfterRestart() async throws {
        let test = try await TestServer()
        try test.writeRunbook("rotate.md", Self.secretRunbook)
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: test.auth,
                body: #"{"runbook":"rotate","params":{"api_token":"hunter22"}}"#.buffer
            ) { _ in }
            await test.server.launcher.waitForIdle()
        }
        // A new server over the same store: the secret is gone from memory.
        let restarted = try FirebreakServer(store: test.store, config: test.server.config, logger: test.server.logger)
        try await restarted.makeApplication(host: "127.0.0.1", port: 0).test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs/RUN-1/approve", method: .post, headers: test.auth,
                body: #"{"step":"rotate"}"#.buffer
            ) { response in
                #expect(response.body.json["resumed"] as? Bool == false)
                #expect(
                    (response.body.json["resume_error"] as? String)?.contains("\"params\" in the API request") == true)
            }
            try await client.execute(
                uri: "/api/v1/runs/RUN-1/approve", method: .post, headers: test.auth,
                body: #"{"step":"rotate","params":{"api_token":"hunter22"}}"#.buffer
            ) { response in
                #expect(response.body.json["resumed"] as? Bool == true, "\(response.body.json)")
            }
            await restarted.launcher.waitForIdle()
        }
        #expect(try await test.store.runDetail(id: 1).run.status == .succeeded)
    }

    @Test("cancel through the API kills the step and answers the cancelled run; retry restarts a failed one")
    func cancelAndRetry() async throws {
        let test = try await TestServer()
        let marker = test.directory.path("started")
        let fixed = test.directory.path("fixed")
        try test.writeRunbook(
            "slow.md", "---\nid: slow\n---\n# Slow\n\n```sh {name=wait}\ntouch '\(marker)'\nsleep 30\n```\n")
        try test.writeRunbook(
            "flaky.md",
            "---\nid: flaky\n---\n# Flaky\n\n```sh {name=one}\ntrue\n```\n\n```sh {name=two}\ntest -f '\(fixed)'\n```\n"
        )
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: test.auth,
                body: #"{"runbook":"slow"}"#.buffer
            ) { _ in }
            let deadline = ContinuousClock.now + .seconds(20)
            while !FileManager.default.fileExists(atPath: marker), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let started = ContinuousClock.now
            try await client.execute(
                uri: "/api/v1/runs/RUN-1/cancel", method: .post, headers: test.auth,
                body: #"{"by":"alice","reason":"wrong host"}"#.buffer
            ) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["status"] as? String == "cancelled")
            }
            await test.server.launcher.waitForIdle()
            #expect(ContinuousClock.now - started < .seconds(15))
            try await client.execute(
                uri: "/api/v1/runs/RUN-1/cancel", method: .post, headers: test.auth,
                body: "{}".buffer
            ) { response in
                #expect(response.status == .conflict)
            }

            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: test.auth,
                body: #"{"runbook":"flaky"}"#.buffer
            ) { _ in }
            await test.server.launcher.waitForIdle()
            #expect(try await test.store.runDetail(id: 2).run.status == .failed)
            _ = FileManager.default.createFile(atPath: fixed, contents: nil)
            try await client.execute(
                uri: "/api/v1/runs/RUN-2/retry", method: .post, headers: test.auth,
                body: #"{"by":"alice"}"#.buffer
            ) { response in
                #expect(response.status == .accepted)
            }
            await test.server.launcher.waitForIdle()
        }
        let retried = try await test.store.runDetail(id: 2)
        #expect(retried.run.status == .succeeded)
        #expect(retried.steps.map(\.attempts) == [1, 2])
    }

    @Test(
        "a trigger's params come from the alert's labels: DatabaseCorrupted starts database-restore with its database")
    func triggerParams() async throws {
        let test = try await TestServer()
        try test.writeRunbook(
            "restore.md",
            """
            ---
            id: database-restore
            triggers:
              - alertname: DatabaseCorrupted
                params: {database: "{{ alert.labels.db }}"}
            params:
              database: {type: string, required: true}
            ---
            # Restore

            ```sh {name=restore}
            echo "restoring $DATABASE"
            ```
            """)
        let body = #"{"name":"DatabaseCorrupted","labels":{"db":"/srv/$(reboot).db"},"severity":"critical"}"#
        try await test.application().test(.router) { client in
            try await client.execute(uri: "/webhooks/generic", method: .post, headers: test.auth, body: body.buffer) {
                response in
                #expect(response.status == .ok)
                #expect(response.body.json["runs"] as? [String] == ["RUN-1"], "\(response.body.json)")
            }
        }
        await test.server.launcher.waitForIdle()
        let detail = try await test.store.runDetail(id: 1)
        #expect(detail.run.status == .succeeded)
        #expect(
            detail.attempts[0]?.first?.output == "restoring /srv/$(reboot).db\n", "the value reached the shell as data")
    }

    @Test("health answers from the background round without writing, and a stale round is a failure")
    func healthFromBackground() async throws {
        let test = try await TestServer()
        await test.server.scheduler.tick()
        await test.server.dispatcher.tick()
        let database = try DatabaseQueue(path: test.directory.url.appendingPathComponent("data/firebreak.db").path)
        @Sendable func probeTime() throws -> Double? {
            try database.read { db in try Double.fetchOne(db, sql: "SELECT at FROM health_probe") }
        }
        try await test.application().test(.router) { client in
            await test.server.scheduler.tick()
            await test.server.dispatcher.tick()
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .ok, "\(response.body.json)")
                #expect(response.body.json["age_seconds"] as? Double != nil)
            }
            let first = try probeTime()
            for _ in 0..<20 {
                try await client.execute(uri: "/health", method: .get) { response in
                    let checks = response.body.json["checks"] as? [String: [String: String]] ?? [:]
                    #expect(checks["freshness"]?["status"] == "ok", "\(response.body.json)")
                    #expect(checks["database"]?["status"] == "ok")
                }
            }
            #expect(try probeTime() == first, "twenty calls, no new write")
            let last = try #require(test.server.health.last)
            var old = last
            old.at = last.at.addingTimeInterval(-60)
            await test.server.health.record(old)
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let checks = response.body.json["checks"] as? [String: [String: String]] ?? [:]
                #expect(checks["freshness"]?["status"] == "fail")
                #expect(checks["freshness"]?["detail"]?.contains("have stopped") == true)
            }
            try await client.execute(uri: "/health", method: .head) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.body.readableBytes == 0)
            }
        }
        #expect(HealthRoutes.ingest(busyFor: 30).status == "fail")
        #expect(HealthRoutes.ingest(busyFor: nil).status == "ok")
    }

    @Test("HEAD works on GET routes, with the GET's headers and no body")
    func head() async throws {
        let test = try await TestServer()
        try await test.application().test(.live) { client in
            try await client.execute(uri: "/api/v1/incidents", method: .head, headers: test.auth) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                #expect(response.body.readableBytes == 0)
            }
            try await client.execute(uri: "/api/v1/incidents", method: .head) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }
}
