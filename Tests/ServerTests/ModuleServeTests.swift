import FirebreakTesting
import Foundation
import Testing

/// Canaries, dependency checks and scheduled backups in a real `firebreak serve` process.
@Suite("modules in the server", .serialized)
struct ModuleServeTests {
    static func incidents(_ directory: TemporaryDirectory) async throws -> [[String: Any]] {
        let listed = try await CommandLineTool.run(["incident", "list", "--json"], in: directory.path)
        return (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8))) as? [[String: Any]] ?? []
    }

    static func until(_ seconds: Int = 15, _ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<(seconds * 10) {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    @Test("a canary failing twice opens an incident that routes to a runbook; recovery resolves it")
    func canary() async throws {
        let directory = TemporaryDirectory()
        let dependency = try await WebhookReceiver.start()
        defer { dependency.stop() }
        dependency.answer(200)
        directory.write(
            "runbooks/canary.md",
            """
            ---
            triggers:
              - alertname: CanaryFailed
                labels: { check: api }
            ---
            # Canary failed

            ```sh {name=look}
            echo "canary $ALERT_LABEL_CHECK failed: $ALERT_SUMMARY"
            ```
            """)
        try """
        health:
          breaker: {failures: 100}
          checks:
            - name: api
              http: "\(dependency.url("/health"))"
              timeout: 500ms
        canaries:
          - check: api
            every: 1s
            failures: 2
            severity: P2
        """.write(to: directory.url.appendingPathComponent("firebreak.yml"), atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(in: directory.url)
        defer { server.signal(SIGKILL) }
        // The first background round can be slow on a loaded machine (its check times out at 500 ms); a later
        // round must be healthy.
        var health: [String: Any] = [:]
        let healthy = try await Self.until(15) {
            let (status, report) = try await ServeProcessTests.request("GET", "\(server.baseURL)/health")
            health = report
            return status == 200
        }
        #expect(healthy, "\(health)")
        let dependencies = health["dependencies"] as? [String: Any]
        #expect(dependencies?["status"] as? String == "healthy")
        #expect((dependencies?["checks"] as? [[String: Any]])?.first?["name"] as? String == "api")

        dependency.answer(500)
        // One failure opens nothing.
        #expect(try await Self.until(5) { dependency.deliveries.filter { $0.path == "/health" }.count >= 3 })
        let opened = try await Self.until {
            try await Self.incidents(directory).contains { $0["status"] as? String == "triggered" }
        }
        #expect(opened, "no incident after the canary failed twice:\n\(server.log)")
        let incident = try #require(try await Self.incidents(directory).first)
        #expect(incident["severity"] as? String == "P2")
        #expect((incident["title"] as? String)?.hasPrefix("Canary api failed 2 times in a row") == true, "\(incident)")
        // /health answers from the background round (every 5 s): it turns 503 within one round.
        let failing = try await Self.until(15) {
            let (status, report) = try await ServeProcessTests.request("GET", "\(server.baseURL)/health")
            return status == 503 && (report["dependencies"] as? [String: Any])?["status"] as? String == "unhealthy"
        }
        #expect(failing, "/health did not report the failing dependency")
        let ran = try await Self.until {
            let runs = try await CommandLineTool.run(["runs", "list", "--json"], in: directory.path).stdout
            return runs.contains("succeeded")
        }
        #expect(ran, "the canary's incident did not route to the runbook")

        dependency.answer(200)
        let resolved = try await Self.until {
            try await Self.incidents(directory).first?["status"] as? String == "resolved"
        }
        #expect(resolved, "recovery did not resolve the incident:\n\(server.log)")
        #expect(try await Self.incidents(directory).count == 1)
    }

    @Test("a scheduled backup runs on its cron minute; a failing one raises an alert")
    func scheduledBackups() async throws {
        let directory = TemporaryDirectory()
        let good = directory.write("notes.txt", "keep me")
        try """
        backups:
          keep_days: 7
          schedules:
            - source: "file:\(good)"
              cron: "* * * * *"
            - source: "command:broken"
              command: "echo 'no route to database' >&2; exit 1"
              cron: "* * * * *"
        """.write(to: directory.url.appendingPathComponent("firebreak.yml"), atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(in: directory.url)
        defer { server.signal(SIGKILL) }
        // Every minute: the first run is at the next minute boundary, at most 60 s away.
        let backedUp = try await Self.until(75) {
            let listed = try await CommandLineTool.run(["backup", "list", "--json"], in: directory.path).stdout
            return listed.contains("\"reason\" : \"scheduled\"")
        }
        #expect(backedUp, "no scheduled backup:\n\(server.log)")
        let alerted = try await Self.until(10) {
            try await Self.incidents(directory).contains {
                ($0["title"] as? String)?.contains("Scheduled backup of command:broken failed") == true
            }
        }
        #expect(alerted, "a failing scheduled backup raised no alert:\n\(server.log)")
        let listed = try await CommandLineTool.run(["backup", "list", "--json"], in: directory.path).stdout
        let backups = (try? JSONSerialization.jsonObject(with: Data(listed.utf8))) as? [[String: Any]] ?? []
        #expect(backups.allSatisfy { $0["source"] as? String == "file:\(good)" })
    }
}
