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
        let test = try TestServer()
        let runbooks = test.directory.url.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: runbooks, withIntermediateDirectories: true)
        try Self.runbook.write(to: runbooks.appendingPathComponent("restart.md"), atomically: true, encoding: .utf8)
        try await test.application().test(.router) { client in
            try await client.execute(uri: "/api/v1/incidents", method: .post, headers: test.auth,
                                     body: #"{"title":"Queue backlog","severity":"P2"}"#.buffer) { _ in }
            try await client.execute(uri: "/api/v1/runs", method: .post, headers: test.auth,
                                     body: #"{"runbook":"restart","params":{"service":"billing"},"incident":"INC-1"}"#.buffer) { response in
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
            try await client.execute(uri: "/api/v1/runs/RUN-1/approve", method: .post, headers: test.auth,
                                     body: #"{"step":"restart","by":"bob"}"#.buffer) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["resumed"] as? Bool == true)
                #expect(response.body.json["approved_by"] as? String == "bob")
            }
            await test.server.launcher.waitForIdle()
            try await client.execute(uri: "/api/v1/runs/RUN-1", method: .get, headers: test.auth) { response in
                #expect(response.body.json["status"] as? String == "succeeded")
            }
            try await client.execute(uri: "/api/v1/runs?incident=INC-1", method: .get, headers: test.auth) { response in
                #expect((response.body.json["runs"] as? [[String: Any]])?.map { $0["id"] as? String } == ["RUN-1"])
            }
            try await client.execute(uri: "/api/v1/runs", method: .post, headers: test.auth,
                                     body: #"{"runbook":"restart","params":{"nope":"1"}}"#.buffer) { response in
                #expect(response.status == .badRequest)
            }
        }
        let kinds = try test.store.timeline(incidentID: "INC-1").map(\.kind)
        #expect(kinds.contains("run_started"))
        #expect(kinds.contains("run_succeeded"))
    }
}
