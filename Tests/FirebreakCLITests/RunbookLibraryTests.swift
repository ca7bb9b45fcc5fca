import FirebreakTesting
import Foundation
import Testing

/// The shipped runbooks in runbooks/, run through the real binary.
@Suite("the runbook library", .serialized)
struct RunbookLibraryTests {
    let directory = TemporaryDirectory(prefix: "firebreak-library")
    static let runbooks = CommandLineTool.packageRoot.appendingPathComponent("runbooks").path

    /// `firebreak` with the data dir in the temp directory and the built binary first on PATH, so steps that call
    /// `firebreak` reach the same store.
    func firebreak(_ arguments: [String]) async throws -> CommandLineTool.Result {
        let bin = URL(fileURLWithPath: CommandLineTool.binary).deletingLastPathComponent().path
        return try await CommandLineTool.run(
            arguments, in: directory.path,
            environment: [
                "FIREBREAK_DATA": directory.path("data"),
                "PATH": "\(bin):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")",
            ])
    }

    @Test(
        "every shipped runbook has a dry-run plan",
        arguments: [
            ("incident-response", [String]()), ("service-degraded", []), ("dead-letter-drain", []),
            ("disaster-recovery", ["--param", "database=/srv/app.db"]),
            ("database-restore", ["--param", "database=/srv/app.db"]),
            ("restore-drill", ["--param", "source=sqlite:/srv/app.db"]), ("getting-started", []),
        ])
    func dryRun(name: String, params: [String]) async throws {
        let result = try await firebreak(["run", "\(Self.runbooks)/\(name).md", "--dry-run"] + params)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("(dry run: nothing was executed)"))
    }

    @Test("incident-response attached to an incident acknowledges it, then waits for the IC's checklist")
    func incidentResponse() async throws {
        #expect(
            try await firebreak(["incident", "open", "--title", "Checkout down", "--severity", "P1", "--by", "carol"])
                .status == 0)
        let run = try await firebreak([
            "run", "\(Self.runbooks)/incident-response.md", "--incident", "INC-1", "--yes",
            "--param", "service=checkout",
        ])
        #expect(run.status == 3, "\(run.stdout)\(run.stderr)")
        let incident = try await firebreak(["incident", "show", "INC-1", "--json"])
        #expect(incident.stdout.contains("\"status\" : \"acknowledged\""), "\(incident.stdout)")
        let runs = try await firebreak(["runs", "show", "RUN-1", "--json"])
        #expect(runs.stdout.contains("responding to INC-1 (P1) on checkout"))

        // The commander ticks every checklist item; the run reaches its post-mortem step, whose draft lands in the
        // data dir (never beside the runbooks), at the absolute path it prints.
        for _ in 0..<20 {
            let shown = try await firebreak(["runs", "show", "RUN-1", "--json"])
            let detail = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any] ?? [:]
            guard detail["status"] as? String == "waiting",
                let step = (detail["steps"] as? [[String: Any]])?.first(where: { $0["status"] as? String == "waiting" }
                )?["name"] as? String
            else { break }
            #expect(try await firebreak(["approve", "RUN-1", step, "--by", "carol"]).status == 0)
            _ = try await firebreak(["resume", "RUN-1", "--yes", "--param", "service=checkout"])
        }
        let draft = directory.path("data/postmortems/INC-1.md")
        #expect(FileManager.default.fileExists(atPath: draft))
        let detail = try await firebreak(["runs", "show", "RUN-1", "--json"])
        #expect(detail.stdout.contains("draft: \(draft)"), "\(detail.stdout)")
        #expect(!FileManager.default.fileExists(atPath: "\(Self.runbooks)/postmortems"))
    }

    @Test("dead-letter-drain with an empty queue inspects it and skips the replay")
    func deadLetterDrain() async throws {
        let run = try await firebreak(["run", "\(Self.runbooks)/dead-letter-drain.md", "--yes", "--json"])
        #expect(run.status == 3, "the fix-the-cause checklist item waits: \(run.stdout)\(run.stderr)")
        let detail = try await firebreak(["runs", "show", "RUN-1", "--json"])
        #expect(detail.stdout.contains("No dead letters"))
        #expect(detail.stdout.contains("\"dead_letters\" : \"0\""))
    }

    @Test("service-degraded against a healthy loopback service: no restart, verified")
    func serviceDegraded() async throws {
        let service = try await WebhookReceiver.start()
        defer { service.stop() }
        service.answer(200)
        let run = try await firebreak([
            "run", "\(Self.runbooks)/service-degraded.md", "--yes", "--param", "url=\(service.url("/health"))",
            "--param", "unit=firebreak-test-nonexistent.service",
        ])
        #expect(run.status == 3, "\(run.stdout)\(run.stderr)")
        let detail = try await firebreak(["runs", "show", "RUN-1", "--json"])
        let steps = try #require(
            ((try JSONSerialization.jsonObject(with: Data(detail.stdout.utf8))) as? [String: Any])?["steps"]
                as? [[String: Any]])
        let statuses = Dictionary(
            uniqueKeysWithValues: steps.map { ($0["name"] as? String ?? "", $0["status"] as? String ?? "") })
        #expect(statuses["check"] == "succeeded")
        #expect(statuses["diagnose"] == "succeeded")
        #expect(statuses["restart"] == "skipped")
        #expect(statuses["verify"] == "succeeded")
    }
}
