import FirebreakTesting
import Foundation
import Testing

/// The console in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium) against a
/// real `firebreak serve`: sign in, a webhook alert appearing live, acknowledging, a hostile label, a run from the
/// generated form, streamed output, an approval, a guided run, a post-mortem, sign out. The scenarios save the
/// screenshots in docs/screenshots/ that the README shows.
@Suite("console in a real browser")
struct ConsoleBrowserTests {
    static let config = """
        users:
          alice: {name: Alice Adams, contact: [{command: [/bin/true]}]}
          bob: {name: Bob Brown, contact: [{command: [/bin/true]}]}
        schedules:
          primary:
            time_zone: UTC
            layers: [{name: weekly, users: [alice, bob], rotation: 1w, start: 2026-01-05, handoff: "09:00"}]
        """

    static let demo = """
        ---
        id: console-demo
        title: Roll back the checkout service
        params:
          target:
            type: string
            allowed: [staging, production]
            default: staging
            description: Where to roll back
          batch:
            type: int
            default: 2
            description: Hosts per batch
          token:
            type: string
            secret: true
            required: true
            description: The deploy token
        ---

        # Roll back the checkout service

        ## Drain the hosts

        ```sh {name=drain}
        for i in 1 2 3 4 5; do echo "tick $i of $BATCH on $TARGET"; sleep 0.6; done
        ```

        ## Switch traffic back

        ```sh {name=switch confirm=true}
        echo "switched $TARGET"
        ```
        """

    static let steps = """
        ---
        id: console-steps
        title: Check the replicas by hand
        ---

        ## First check

        ```sh {name=first}
        echo first
        ```

        ## Second check

        ```sh {name=second}
        echo second
        ```
        """

    @Test(
        "sign in, a live alert, acknowledge, a hostile label, a run with validation, streamed output, approve, step through, publish, sign out"
    )
    func scenarios() async throws {
        let directory = TemporaryDirectory()
        directory.write("firebreak.yml", Self.config)
        directory.write("runbooks/console-demo.md", Self.demo)
        directory.write("runbooks/console-steps.md", Self.steps)
        let responder = try await CommandLineTool.run(
            ["token", "create", "alice", "--user", "alice", "--role", "responder"], in: directory.url.path)
        let webhook = try await CommandLineTool.run(
            ["token", "create", "hook", "--role", "webhook"], in: directory.url.path)
        let token = try #require(Self.token(in: responder.stdout), "token create printed \(responder.stdout)")
        let hook = try #require(Self.token(in: webhook.stdout))
        let server = try await ServerProcess.start(in: directory.url)
        defer { server.signal(SIGTERM) }
        let screenshots = CommandLineTool.packageRoot.appendingPathComponent("docs/screenshots").path
        let script = CommandLineTool.packageRoot.appendingPathComponent("Tests/ServerTests/Support/console_browser.py")
        let result = try await ExternalProgram.run(
            "python3", [script.path, server.baseURL, token, hook, screenshots], in: directory.url.path)
        let reports = result.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
        let passed = reports.filter { $0["ok"] as? Bool == true }.compactMap { $0["scenario"] as? String }
        for failure in reports where failure["ok"] as? Bool == false {
            Issue.record(
                "\(failure["scenario"] ?? "?"): \(failure["error"] ?? "") at \(failure["url"] ?? "")\n\(failure["trace"] ?? "")"
            )
        }
        #expect(passed.count == 11, "scenarios passed: \(passed); stderr: \(result.stderr.suffix(2_000))")
        #expect(result.status == 0)
        for name in ["sign-in", "incidents", "incident", "runbook", "run", "postmortem", "oncall", "overview"] {
            #expect(FileManager.default.fileExists(atPath: "\(screenshots)/\(name).png"), "screenshot \(name)")
        }
        #expect(!server.log.contains("\"level\":\"error\""), "the server logged no error: \(server.log.suffix(3_000))")
    }

    static func token(in output: String) -> String? {
        output.split(whereSeparator: \.isWhitespace).map(String.init).first { $0.hasPrefix("fbk_") }
    }
}
