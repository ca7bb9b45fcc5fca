import FirebreakTesting
import Foundation
import Testing

@Suite("firebreak incident")
struct IncidentCLITests {
    let directory = TemporaryDirectory(prefix: "firebreak-incident")

    func firebreak(_ arguments: String...) async throws -> CommandLineTool.Result {
        try await CommandLineTool.run(arguments, in: directory.path, environment: ["FIREBREAK_USER": "pat"])
    }

    func json(_ result: CommandLineTool.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test("open, acknowledge with a note, and show the timeline")
    func lifecycle() async throws {
        let opened = try json(
            try await firebreak("incident", "open", "--title", "Orders down", "--severity", "P1", "--json"))
        #expect(opened["id"] as? String == "INC-1")
        #expect(opened["status"] as? String == "triggered")
        #expect((opened["escalation"] as? [String: Any])?["next_level"] as? Int == 1)
        let acked = try await firebreak("incident", "ack", "INC-1", "--by", "riley", "--note", "on it")
        #expect(acked.status == 0)
        #expect(acked.stdout.hasPrefix("INC-1 acknowledged"))
        let shown = try json(try await firebreak("incident", "show", "INC-1", "--json"))
        #expect(shown["commander"] as? String == "riley")
        #expect(shown["escalation"] == nil, "acknowledging stops the escalation")
        let timeline = shown["timeline"] as? [[String: Any]] ?? []
        #expect(timeline.map { $0["kind"] as? String } == ["opened", "acknowledged", "note"])
        #expect(timeline.map { $0["actor"] as? String } == ["pat", "riley", "riley"])
    }

    @Test("an invalid transition exits 2 with the core's message")
    func invalidTransition() async throws {
        _ = try await firebreak("incident", "open", "--title", "T", "--severity", "P2")
        let result = try await firebreak("incident", "reopen", "INC-1")
        #expect(result.status == 2)
        #expect(
            result.stderr
                == "error: cannot reopen INC-1: it is triggered; allowed: acknowledge, mitigate, resolve, severity, note, assign, role\n"
        )
        #expect(try await firebreak("incident", "ack", "INC-404").status == 2)
        #expect(try await firebreak("incident", "open", "--title", "T", "--severity", "P9").status == 2)
    }

    @Test("severity, resolve, close and list filters")
    func severityAndList() async throws {
        _ = try await firebreak("incident", "open", "--title", "A", "--severity", "P3")
        _ = try await firebreak("incident", "open", "--title", "B", "--severity", "P2")
        let raised = try json(try await firebreak("incident", "severity", "INC-1", "P0", "--json"))
        #expect(raised["severity"] as? String == "P0")
        #expect(raised["escalation"] != nil, "raising a P3 to P0 plans an escalation")
        #expect(try await firebreak("incident", "resolve", "INC-2").status == 0)
        #expect(try await firebreak("incident", "close", "INC-2").status == 0)
        let list = try await firebreak("incident", "list", "--status", "closed", "--json")
        let ids = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])?.map {
            $0["id"] as? String
        }
        #expect(ids == ["INC-2"])
        let text = try await firebreak("incident", "list")
        #expect(text.stdout.contains("INC-1  P0   triggered"))
    }
}

@Suite("Runs join incidents")
struct RunIncidentTests {
    let directory = TemporaryDirectory(prefix: "firebreak-run-incident")

    @Test("a run linked to an incident sees it in its environment and writes to its timeline")
    func linkedRun() async throws {
        directory.write(
            "runbooks/fix.md",
            """
            # Fix

            ```sh {name=look}
            echo "$INCIDENT_ID $INCIDENT_SEVERITY"
            ```

            ```sh {name=flaky onFailure=continue}
            exit 3
            ```
            """)
        _ = try await CommandLineTool.run(
            ["incident", "open", "--title", "Down", "--severity", "P1"], in: directory.path)
        let run = try await CommandLineTool.run(["run", "fix", "--incident", "INC-1", "--json"], in: directory.path)
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any]
        #expect(object?["incident_id"] as? String == "INC-1")
        #expect((object?["steps"] as? [[String: Any]])?.first?["output"] as? String == "INC-1 P1\n")
        let shown = try await CommandLineTool.run(["incident", "show", "INC-1", "--json"], in: directory.path)
        let timeline =
            (try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["timeline"]
            as? [[String: Any]] ?? []
        #expect(
            timeline.map { $0["kind"] as? String } == [
                "opened", "run_started", "step_finished", "step_finished", "run_succeeded",
            ])
        let steps = timeline.filter { $0["kind"] as? String == "step_finished" }.map {
            $0["details"] as? [String: String]
        }
        #expect(steps.map { $0?["step"] } == ["look", "flaky"])
        #expect(steps.map { $0?["status"] } == ["succeeded", "failed"])
        #expect(steps.map { $0?["run"] } == ["RUN-1", "RUN-1"])
        let runs = try await CommandLineTool.run(["runs", "list", "--incident", "INC-1", "--json"], in: directory.path)
        #expect(runs.stdout.contains("\"RUN-1\""))
    }

    @Test("an unknown incident is refused before anything runs")
    func unknownIncident() async throws {
        directory.write("runbooks/fix.md", "# Fix\n\n```sh\ntouch ran\n```\n")
        let run = try await CommandLineTool.run(["run", "fix", "--incident", "INC-9"], in: directory.path)
        #expect(run.status == 2)
        #expect(run.stderr.contains("no incident INC-9; list incidents with 'firebreak incident list'"))
        #expect(directory.read("ran") == nil)
    }
}
