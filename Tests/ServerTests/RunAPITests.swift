import FirebreakTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Server
import Store
import Testing

@Suite("runs through the API")
struct RunAPITests {
    static let runbook = """
        ---
        id: restart
        title: Restart the worker
        params:
          service: {type: string, default: worker}
        ---
        # Restart

        ```sh {name=check}
        echo "checking $SERVICE for $INCIDENT_ID"
        ```

        ```sh {name=restart confirm=true}
        echo restarted
        ```
        """

    @Test("start a run tied to an incident, wait at the confirm step, approve, and finish")
    func startApproveFinish() async throws {
        let test = try await TestServer()
        let runbooks = test.directory.url.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: runbooks, withIntermediateDirectories: true)
        try Self.runbook.write(to: runbooks.appendingPathComponent("restart.md"), atomically: true, encoding: .utf8)
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/incidents", method: .post, headers: test.auth,
                body: #"{"title":"Queue backlog","severity":"P2"}"#.buffer
            ) { _ in }
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: test.auth,
                body: #"{"runbook":"restart","params":{"service":"billing"},"incident":"INC-1"}"#.buffer
            ) { response in
                #expect(response.status == .accepted)
                #expect(response.headers[.location] == "/api/v1/runs/RUN-1")
                #expect(response.body.json["incident_id"] as? String == "INC-1")
            }
            await test.server.launcher.waitForIdle()
            try await client.execute(uri: "/api/v1/runs/RUN-1", method: .get, headers: test.auth) { response in
                let run = response.body.json
                #expect(run["status"] as? String == "waiting")
                let steps = run["steps"] as? [[String: Any]] ?? []
                #expect(steps.first?["output"] as? String == "checking billing for INC-1\n")
                #expect(steps.last?["status"] as? String == "waiting")
            }
            try await client.execute(
                uri: "/api/v1/runs/RUN-1/approve", method: .post, headers: test.auth,
                body: #"{"step":"restart","by":"alice"}"#.buffer
            ) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["resumed"] as? Bool == true)
                #expect(response.body.json["approved_by"] as? String == "alice")
            }
            await test.server.launcher.waitForIdle()
            try await client.execute(uri: "/api/v1/runs/RUN-1", method: .get, headers: test.auth) { response in
                #expect(response.body.json["status"] as? String == "succeeded")
            }
            try await client.execute(uri: "/api/v1/runs?incident=INC-1", method: .get, headers: test.auth) { response in
                #expect((response.body.json["runs"] as? [[String: Any]])?.map { $0["id"] as? String } == ["RUN-1"])
            }
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: test.auth,
                body: #"{"runbook":"restart","params":{"nope":"1"}}"#.buffer
            ) { response in
                #expect(response.status == .badRequest)
            }
        }
        let kinds = try await test.store.timeline(incidentID: "INC-1").map(\.kind.rawValue)
        #expect(kinds.contains("run_started"))
        #expect(kinds.contains("run_succeeded"))
    }
}

@Suite("the API starts only runbooks from the runbooks directory")
struct RunbookContainmentTests {
    static let evil = """
        # Evil

        ```sh
        touch pwned
        ```
        """

    /// A server whose runbooks directory holds `restart.md`, a symlink to a file outside it, and a symlinked
    /// directory outside it; outside the directory sits a runbook that must never run.
    static func server() async throws -> (TestServer, URL) {
        let test = try await TestServer()
        let manager = FileManager.default
        let runbooks = test.directory.url.appendingPathComponent("runbooks")
        let outside = test.directory.url.appendingPathComponent("outside")
        try manager.createDirectory(at: runbooks, withIntermediateDirectories: true)
        try manager.createDirectory(at: outside, withIntermediateDirectories: true)
        try RunAPITests.runbook.write(
            to: runbooks.appendingPathComponent("restart.md"), atomically: true, encoding: .utf8)
        try evil.write(to: outside.appendingPathComponent("evil.md"), atomically: true, encoding: .utf8)
        try evil.write(to: test.directory.url.appendingPathComponent("evil.txt"), atomically: true, encoding: .utf8)
        try manager.createSymbolicLink(
            at: runbooks.appendingPathComponent("linked.md"),
            withDestinationURL: outside.appendingPathComponent("evil.md"))
        try manager.createSymbolicLink(at: runbooks.appendingPathComponent("elsewhere"), withDestinationURL: outside)
        return (test, outside)
    }

    @Test(
        "every form of escape is refused and nothing runs",
        arguments: [
            ("ABS/outside/evil.md", 400, "invalid_runbook_reference"),
            ("ABS/evil.txt", 400, "invalid_runbook_reference"),
            ("../evil.txt", 400, "invalid_runbook_reference"),
            ("../../../../etc/passwd", 400, "invalid_runbook_reference"),
            ("runbooks/../evil.txt", 400, "invalid_runbook_reference"),
            ("elsewhere/evil.md", 400, "invalid_runbook_reference"),
            ("..", 400, "invalid_runbook_reference"),
            ("~/evil", 400, "invalid_runbook_reference"),
            ("evil\u{0}", 400, "invalid_runbook_reference"),
            ("linked", 404, "runbook_not_found"),
            ("evil", 404, "runbook_not_found"),
        ])
    func escapes(reference: String, status: Int, code: String) async throws {
        let (test, outside) = try await Self.server()
        let resolved = reference.replacingOccurrences(of: "ABS", with: test.directory.url.path)
        let body = try JSONSerialization.data(withJSONObject: ["runbook": resolved, "params": [:] as [String: String]])
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: test.auth,
                body: ByteBuffer(bytes: body)
            ) { response in
                #expect(Int(response.status.code) == status)
                #expect(response.body.json["error"] as? String == code)
            }
            await test.server.launcher.waitForIdle()
        }
        // Steps run in their runbook's directory: an escaped run would leave `pwned` beside the file it ran.
        #expect(!FileManager.default.fileExists(atPath: outside.appendingPathComponent("pwned").path))
        #expect(!FileManager.default.fileExists(atPath: test.directory.url.appendingPathComponent("pwned").path))
        #expect(try await test.store.runs(incidentID: nil, limit: 10).isEmpty)
    }

    @Test("a runbook inside the directory still starts by id")
    func byID() async throws {
        let (test, _) = try await Self.server()
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/runs", method: .post, headers: test.auth,
                body: #"{"runbook":"restart"}"#.buffer
            ) { response in
                #expect(response.status == .accepted)
                #expect((response.body.json["runbook_path"] as? String)?.hasSuffix("/runbooks/restart.md") == true)
            }
            await test.server.launcher.waitForIdle()
        }
    }
}
