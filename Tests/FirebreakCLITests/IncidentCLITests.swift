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
        let opened = try json(try await firebreak("incident", "open", "--title", "Orders down", "--severity", "P1", "--json"))
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
        #expect(result.stderr == "error: cannot reopen INC-1: it is triggered; allowed: acknowledge, mitigate, resolve, severity, note, assign\n")
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
        let ids = (try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])?.map { $0["id"] as? String }
        #expect(ids == ["INC-2"])
        let text = try await firebreak("incident", "list")
        #expect(text.stdout.contains("INC-1  P0   triggered"))
    }
}
