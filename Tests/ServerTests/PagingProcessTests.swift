import FirebreakTesting
import Foundation
import Testing

/// Paging people end to end: `firebreak serve`, a real SMTP server (aiosmtpd), the acknowledge link followed with
/// curl, as the person would.
@Suite("paging people end to end", .serialized)
struct PagingProcessTests {
    /// `curl` returning the status and the body as text (the acknowledge pages are HTML).
    static func fetch(_ method: String, _ url: String) async throws -> (Int, String) {
        let result = try await ExternalProgram.run(
            "curl", ["-s", "-o", "-", "-w", "\n%{http_code}", "-X", method, url])
        var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let status = Int(lines.popLast() ?? "") ?? 0
        return (status, lines.joined(separator: "\n"))
    }

    /// The text/plain part of a MIME message (base64, as the client sends it).
    static func plainText(_ raw: String) -> String {
        let normalized = raw.replacingOccurrences(of: "\r\n", with: "\n")
        guard let start = normalized.range(of: "Content-Type: text/plain; charset=utf-8\n") else { return "" }
        let rest = normalized[start.upperBound...]
        guard let blank = rest.range(of: "\n\n") else { return "" }
        let body = rest[blank.upperBound...].prefix { $0 != "-" }
        let data = Data(base64Encoded: body.replacingOccurrences(of: "\n", with: "")) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A directory with users alice and bob (email only), a weekly schedule, and a P1 policy paging the schedule
    /// after 1 s, then a webhook channel (the second level) after 20 s.
    static func setUp(smtpPort: Int, hook: String, attempts: Int = 3) throws -> TemporaryDirectory {
        // Level 2 waits 20 s: long enough that a loaded machine acknowledges (or hurries) well before it.
        let directory = TemporaryDirectory()
        directory.write(
            "firebreak.yml",
            """
            server: {public_url: "https://firebreak.example.com"}
            smtp: {host: 127.0.0.1, port: \(smtpPort), security: none, from: firebreak@example.com, timeout: 5s}
            users:
              alice: {name: Alice, time_zone: Europe/Berlin, contact: [{email: alice@example.com}]}
              bob: {name: Bob, contact: [{email: bob@example.com}]}
            schedules:
              primary:
                time_zone: Europe/Berlin
                layers:
                  - {name: weekly, users: [alice], rotation: 1w, start: 2026-01-05, handoff: "09:00"}
            channels:
              hook: {type: webhook, url: "\(hook)"}
            severities:
              P1: {acknowledge_within: 0s, escalation: people}
            escalation_policies:
              people:
                levels:
                  - {after: 1s, notify: ["schedule:primary"]}
                  - {after: 20s, notify: [hook]}
            delivery: {attempts: \(attempts), initial_backoff: 100ms, max_backoff: 200ms}
            """)
        return directory
    }

    static func open(_ server: ServerProcess, token: String) async throws -> String {
        let (status, body) = try await ServeProcessTests.request(
            "POST", "\(server.baseURL)/api/v1/incidents", token: token,
            body: #"{"title":"Checkout errors","severity":"P1"}"#)
        #expect(status == 201, "\(body)")
        return body["id"] as? String ?? ""
    }

    static func escalations(_ receiver: WebhookReceiver) -> [String] {
        ServeProcessTests.escalationLevels(receiver.deliveries)
    }

    @Test("the on-call person gets an email with a link; GET confirms, POST acknowledges as them, level 2 never fires")
    func acknowledgeFromTheEmail() async throws {
        let sink = try await SMTPSink.start(.plain)
        defer { sink.stop() }
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        let directory = try Self.setUp(smtpPort: sink.port, hook: receiver.url())
        let token = try await CommandLineTool.run(
            ["token", "create", "ops", "--role", "responder"], in: directory.path
        )
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let server = try await ServerProcess.start(in: directory.url)
        defer { server.signal(SIGTERM) }
        let id = try await Self.open(server, token: token)

        let mail = try #require(await sink.wait(for: 1).first, "the page reached the SMTP server")
        #expect(mail.recipients == ["alice@example.com"])
        let text = Self.plainText(mail.raw)
        #expect(text.contains("[P1] \(id) escalated (level 1): Checkout errors"), "\(text)")
        #expect(text.contains("Paged: Alice (alice)"), "the name from users:, with the handle")
        let link = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("Acknowledge (single use): ") })
        let path = try #require(link.range(of: "/ack/").map { String(link[$0.lowerBound...]) })
        #expect(text.contains("Open the incident: "), "a person gets the console's page, not the JSON API")
        #expect(text.contains("Open the incident: https://firebreak.example.com/incidents/\(id)\n"), "\(text)")
        #expect(!text.contains("/api/v1/"))

        let (shown, page) = try await Self.fetch("GET", server.baseURL + path)
        #expect(shown == 200)
        #expect(page.contains("Acknowledge \(id)?"))
        #expect(page.contains("Acknowledge as alice"))
        #expect(
            try await ServeProcessTests.request("GET", "\(server.baseURL)/api/v1/incidents/\(id)", token: token).1[
                "status"] as? String == "triggered", "GET changes nothing")

        let tampered = path.dropLast(2) + (path.hasSuffix("AA") ? "BB" : "AA")
        #expect(try await Self.fetch("POST", server.baseURL + tampered).0 == 403)
        let (acked, done) = try await Self.fetch("POST", server.baseURL + path)
        #expect(acked == 200, "\(done)")
        #expect(done.contains("You (alice) acknowledged"))
        let (again, reused) = try await Self.fetch("POST", server.baseURL + path)
        #expect(again == 409)
        #expect(reused.contains("already used"))
        let (after, followed) = try await Self.fetch("GET", server.baseURL + path)
        #expect(after == 409, "no button once someone is on it")
        #expect(followed.contains("\(id) is acknowledged, commander alice"), "\(followed)")

        let (_, incident) = try await ServeProcessTests.request(
            "GET", "\(server.baseURL)/api/v1/incidents/\(id)", token: token)
        #expect(incident["status"] as? String == "acknowledged")
        #expect(incident["commander"] as? String == "alice")
        let timeline = incident["timeline"] as? [[String: Any]] ?? []
        let paged = timeline.first { $0["kind"] as? String == "paged" }
        let details = paged?["details"] as? [String: String] ?? [:]
        #expect(details["user"] == "alice")
        #expect(details["via"] == "schedule:primary")
        #expect(details["level"] == "1")
        #expect(details["methods"] == "email")
        #expect(details["on_call_source"] == "weekly", "the shift that made alice the one on call")
        #expect(details["on_call_from"] == "2026-01-05T08:00:00Z")
        #expect(details["on_call_until"] == nil, "a one-person layer: no handoff in sight, no made-up end")
        let ack = timeline.first { $0["kind"] as? String == "acknowledged" }
        #expect(ack?["actor"] as? String == "alice")

        #expect(
            incident["escalation"] == nil, "acknowledged from the link: the escalation stopped, level 2 never fires")
        try await Task.sleep(for: .seconds(2))
        #expect(Self.escalations(receiver).isEmpty)
        #expect(!server.log.contains(String(path.dropFirst(5))), "the link is a credential: never in the log")
        #expect(server.log.contains("/ack/<redacted>"))
        let audit = try await CommandLineTool.run(["audit", "--json"], in: directory.path)
        #expect(audit.stdout.contains(#""via" : "ack-link""#))
        #expect(audit.stdout.contains("403 This link is not valid"))
    }

    @Test("an override moves the page to bob; a page no contact method can deliver moves on to level 2 at once")
    func overrideAndUndeliverable() async throws {
        let sink = try await SMTPSink.start(.plain)
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        let directory = try Self.setUp(smtpPort: sink.port, hook: receiver.url(), attempts: 1)
        let token = try await CommandLineTool.run(
            ["token", "create", "ops", "--role", "responder"], in: directory.path
        )
        .stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let covered = try await CommandLineTool.run(
            ["oncall", "override", "primary", "--user", "bob", "--from=-1h", "--until", "+2h"], in: directory.path)
        #expect(covered.status == 0, "\(covered.stderr)")
        let server = try await ServerProcess.start(in: directory.url)
        defer { server.signal(SIGTERM) }

        let first = try await Self.open(server, token: token)
        let mail = try #require(await sink.wait(for: 1).first)
        #expect(mail.recipients == ["bob@example.com"], "the override's user is paged, not alice")

        // The SMTP server goes away: bob's only contact method dead-letters, and level 2 fires at once, well
        // before its 20 s.
        sink.stop()
        let second = try await Self.open(server, token: token)
        let opened = Date()
        let levels = await receiver.wait(timeout: .seconds(15)) { deliveries in
            deliveries.contains { ($0.json["incident"] as? [String: Any])?["id"] as? String == second }
        }
        let hurried = levels.first { ($0.json["incident"] as? [String: Any])?["id"] as? String == second }
        #expect(hurried != nil, "level 2 fired")
        #expect(Date().timeIntervalSince(opened) < 15, "at once, not after level 2's 20 s wait")
        let (_, incident) = try await ServeProcessTests.request(
            "GET", "\(server.baseURL)/api/v1/incidents/\(second)", token: token)
        let kinds = (incident["timeline"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(kinds.contains("page_failed"), "\(kinds)")
        #expect(first != second)
    }
}
