import FirebreakTesting
import Foundation
import Testing

/// A silence against a real sender: Prometheus Alertmanager posting to `firebreak serve`.
@Suite("silences end to end", .serialized)
struct SilenceEndToEndTests {
    @Test("Alertmanager's alert is held back by a silence, and opens its incident when the silence is expired")
    func heldThenReleased() async throws {
        let directory = TemporaryDirectory()
        let token = try await CommandLineTool.run(["token", "create", "alertmanager"], in: directory.path).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let silenced = try await CommandLineTool.run(
            ["silence", "add", "alertname=DiskFull", "service=~db-.*", "--for", "1h", "--comment", "resizing volumes"],
            in: directory.path)
        #expect(silenced.status == 0, "\(silenced.stderr)")
        let server = try await ServerProcess.start(in: directory.url)
        defer { server.signal(SIGKILL) }
        let (alertmanager, base) = try await AlertEndToEndTests.startAlertmanager(
            in: directory, posting: server.baseURL, token: token)
        defer { alertmanager.terminate() }

        let start = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-5))
        let (status, _) = try await AlertEndToEndTests.post(
            "\(base)/api/v2/alerts",
            #"[{"labels":{"alertname":"DiskFull","service":"db-orders","severity":"critical"},"annotations":{"summary":"Disk 95% full"},"startsAt":"\#(start)"}]"#
        )
        #expect(status == 200)
        let held = try await AlertEndToEndTests.eventually {
            let silences = try await AlertEndToEndTests.get("\(server.baseURL)/api/v1/silences", token: token)
            return (silences["held_alerts"] as? [[String: Any]])?.first
        }
        #expect(held?["silenced_by"] as? String == "silence 1", "log: \(server.log)")
        #expect(held?["source"] as? String == "alertmanager")
        let none = try await AlertEndToEndTests.get("\(server.baseURL)/api/v1/incidents", token: token)
        #expect((none["incidents"] as? [[String: Any]])?.isEmpty == true, "silenced: no incident, no page")

        let expired = try await CommandLineTool.run(["silence", "expire", "1"], in: directory.path)
        #expect(expired.status == 0, "\(expired.stderr)")
        let incident = try await AlertEndToEndTests.eventually(15) {
            let shown = try await AlertEndToEndTests.get("\(server.baseURL)/api/v1/incidents/INC-1", token: token)
            return shown["id"] == nil ? nil : shown
        }
        #expect(incident?["severity"] as? String == "P1")
        let kinds = (incident?["timeline"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds.contains("silence_ended"), "\(kinds)")
        #expect(kinds.first == "opened")
    }
}
