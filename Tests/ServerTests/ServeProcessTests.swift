import FirebreakTesting
import Foundation
import Testing

/// `firebreak serve` as a real process, a real webhook receiver, real HTTP between them.
@Suite("firebreak serve end to end", .serialized)
struct ServeProcessTests {
    /// Sends one HTTP request with curl-like simplicity over URLSession-free sockets: uses the CLI-neutral `curl`.
    static func request(_ method: String, _ url: String, token: String? = nil, body: String? = nil) async throws -> (
        Int, [String: Any]
    ) {
        var arguments = ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, url]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.last ?? "") ?? 0
        let json =
            (try? JSONSerialization.jsonObject(with: Data(lines.dropLast().joined(separator: "\n").utf8)))
            as? [String: Any] ?? [:]
        return (status, json)
    }

    static func escalationLevels(_ deliveries: [WebhookReceiver.Delivery]) -> [String] {
        deliveries.filter { $0.json["event"] as? String == "escalated" }
            .compactMap { ($0.json["details"] as? [String: Any])?["level"] as? String }
    }

    @Test("escalation: level 1, a restart, level 2 once, and acknowledging stops level 3")
    func escalationAcrossRestart() async throws {
        let directory = TemporaryDirectory()
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        try """
        channels:
          hook: {type: webhook, url: "\(receiver.url())"}
        severities:
          P0: {acknowledge_within: 0s, escalation: fast}
        escalation_policies:
          fast:
            levels:
              - {after: 1s, notify: [hook]}
              - {after: 2s, notify: [hook]}
              - {after: 2s, notify: [hook]}
        """.write(to: directory.url.appendingPathComponent("firebreak.yml"), atomically: true, encoding: .utf8)
        let token = try await CommandLineTool.run(["token", "create", "e2e"], in: directory.path).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        var server = try await ServerProcess.start(in: directory.url)
        let (status, opened) = try await Self.request(
            "POST", "\(server.baseURL)/api/v1/incidents", token: token,
            body: #"{"title":"Payments down","severity":"P0"}"#)
        #expect(status == 201)
        #expect(opened["id"] as? String == "INC-1")

        let first = await receiver.wait { Self.escalationLevels($0) == ["1"] }
        #expect(Self.escalationLevels(first) == ["1"])
        server.signal(SIGTERM)
        #expect(await server.waitForExit() == 0)
        // Down for longer than level 2's wait: the restarted server fires it promptly, once.
        try await Task.sleep(for: .milliseconds(2500))
        #expect(Self.escalationLevels(receiver.deliveries) == ["1"], "nothing fires while the server is down")
        server = try await ServerProcess.start(in: directory.url, logName: "serve2.log")
        let second = await receiver.wait(timeout: .seconds(5)) { Self.escalationLevels($0) == ["1", "2"] }
        #expect(Self.escalationLevels(second) == ["1", "2"])

        let (ackStatus, acked) = try await Self.request(
            "POST", "\(server.baseURL)/api/v1/incidents/INC-1/ack", token: token,
            body: "{}")
        #expect(ackStatus == 200)
        #expect(acked["status"] as? String == "acknowledged")
        try await Task.sleep(for: .seconds(3))
        #expect(Self.escalationLevels(receiver.deliveries) == ["1", "2"], "acknowledged: level 3 never fires")
        server.signal(SIGTERM)
        #expect(await server.waitForExit() == 0)
        #expect(server.log.contains(#""incident.id":"INC-1""#))
    }

    @Test("dead letters: a receiver answering 500 fills the DLQ; dlq replay delivers once it is fixed")
    func deadLetters() async throws {
        let directory = TemporaryDirectory()
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        receiver.answer(500)
        try """
        channels:
          hook: {type: webhook, url: "\(receiver.url())"}
        announce: [hook]
        delivery: {attempts: 2, initial_backoff: 50ms, max_backoff: 100ms, poll_interval: 50ms}
        """.write(to: directory.url.appendingPathComponent("firebreak.yml"), atomically: true, encoding: .utf8)
        let server = try await ServerProcess.start(in: directory.url)
        let opened = try await CommandLineTool.run(
            ["incident", "open", "--title", "Disk full", "--severity", "P2"], in: directory.path)
        #expect(opened.status == 0)
        var letters: [[String: Any]] = []
        for _ in 0..<100 where letters.isEmpty {
            try await Task.sleep(for: .milliseconds(50))
            let listed = try await CommandLineTool.run(["dlq", "list", "--json"], in: directory.path)
            letters = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8))) as? [[String: Any]] ?? []
        }
        #expect(letters.count == 1)
        #expect(letters.first?["attempts"] as? Int == 2)
        #expect((letters.first?["last_error"] as? String)?.contains("500") == true)
        #expect(receiver.deliveries.count == 2)

        receiver.answer(200)
        let replay = try await CommandLineTool.run(["dlq", "replay", "--all"], in: directory.path)
        #expect(replay.status == 0)
        #expect(replay.stdout.contains("re-queued 1 notification"))
        await receiver.wait { $0.count == 3 }
        try await Task.sleep(for: .milliseconds(300))
        #expect(receiver.deliveries.count == 3, "delivered once after the replay")
        let empty = try await CommandLineTool.run(["dlq", "list"], in: directory.path)
        #expect(empty.stdout.contains("No dead letters"))
        let second = try await CommandLineTool.run(["serve", "--port", "0"], in: directory.path)
        #expect(second.status == 2, "one server per data directory")
        #expect(second.stderr.contains("another 'firebreak serve' is using"))
        server.signal(SIGTERM)
        #expect(await server.waitForExit() == 0)
    }

    @Test("SIGTERM during a request finishes the request, then the server exits 0")
    func gracefulShutdown() async throws {
        let directory = TemporaryDirectory()
        let token = try await CommandLineTool.run(["token", "create", "slow"], in: directory.path).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess.start(in: directory.url)
        // A client that sends the headers and half the body, waits, then sends the rest.
        let script = CommandLineTool.packageRoot.appendingPathComponent("Tests/ServerTests/Support/slow_request.py")
            .path
        let client = Process()
        client.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        client.arguments = [script, String(server.port), token]
        let output = Pipe()
        client.standardOutput = output
        try client.run()
        let reader = output.fileHandleForReading
        let ready = reader.availableLine()
        #expect(ready == "half-sent")
        server.signal(SIGTERM)
        let response = String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        client.waitUntilExit()
        #expect(response.hasPrefix("HTTP/1.1 201"), "the in-flight request completes: \(response)")
        #expect(await server.waitForExit() == 0)
        let after = try await CommandLineTool.run(["incident", "list", "--json"], in: directory.path)
        #expect(after.stdout.contains("Slow upload"))
    }
}
