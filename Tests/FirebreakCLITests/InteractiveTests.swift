import FirebreakTesting
import Foundation
import Subprocess
import SystemPackage
import Testing

@Suite("Interactive runs through a pseudo-terminal")
struct InteractiveTests {
    let directory = TemporaryDirectory(prefix: "firebreak-pty")

    struct Outcome: Decodable {
        var status: Int
        var missing: String?
    }

    func drive(_ script: [(String, String?)], arguments: [String], environment: [String: String] = [:]) async throws
        -> (Outcome, String)
    {
        let driver = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Support/drive_pty.py").path
        let steps = try String(
            decoding: JSONSerialization.data(withJSONObject: script.map { [$0.0, $0.1 as Any] }), as: UTF8.self)
        var settings: [Environment.Key: String?] = [
            "FIREBREAK_DATA": directory.path(".firebreak"), "NO_COLOR": nil, "TERM": "xterm",
        ]
        for (key, value) in environment { settings[Environment.Key(stringLiteral: key)] = value }
        let result = try await Subprocess.run(
            .name("python3"), arguments: Arguments([driver, steps, "--", CommandLineTool.binary] + arguments),
            environment: .inherit.updating(settings),
            workingDirectory: FilePath(directory.path), output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let outcome = try JSONDecoder().decode(Outcome.self, from: Data(result.standardOutput.utf8))
        return (outcome, result.standardError)
    }

    @Test("prompts run / skip / abort, retry after failure, done for manual steps, and stream output")
    func prompts() async throws {
        let marker = directory.path("second-try")
        directory.write(
            "runbooks/tour.md",
            """
            # Tour

            ## Say hello
            Greets the responder.

            ```sh {name=hello}
            echo "hello from step"
            ```

            ```sh {name=flaky}
            if [ -e '\(marker)' ]; then echo recovered; else touch '\(marker)'; echo broken; exit 5; fi
            ```

            ```sh {name=skipped}
            echo should-not-run
            ```

            - [ ] Tell the team {name=tell}

            ```sh {name=danger confirm=true}
            echo dangerous
            ```
            """)
        let (outcome, transcript) = try await drive(
            [
                ("[r]un / [s]kip / [a]bort", "r"),
                ("[r]un / [s]kip / [a]bort", "run"),
                ("[r]etry / [s]kip / [a]bort", "retry"),
                ("[r]un / [s]kip / [a]bort", "s"),
                ("Done? [d]one", "d"),
                ("Type 'yes' to run it", "yes"),
            ], arguments: ["run", "tour"])
        #expect(outcome.missing == nil, "\(transcript)")
        #expect(outcome.status == 0, "\(transcript)")
        #expect(transcript.contains("## Say hello"))
        #expect(transcript.contains("Greets the responder."))
        #expect(transcript.contains("$ echo \"hello from step\""))
        #expect(transcript.contains("s │ hello from step"), "live output carries elapsed time")
        #expect(transcript.contains("failed with exit code 5"))
        #expect(transcript.contains("$ echo should-not-run"), "the skipped step was shown")
        #expect(!transcript.contains("│ should-not-run"), "but never ran")
        let shown = try await CommandLineTool.run(["runs", "show", "RUN-1", "--json"], in: directory.path)
        let steps =
            (try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["steps"]
            as? [[String: Any]]
        #expect(
            steps?.map { $0["status"] as? String } == ["succeeded", "succeeded", "skipped", "succeeded", "succeeded"])
        #expect(steps?[1]["attempts"] as? Int == 2)
    }

    @Test("quit leaves the run waiting and resumable")
    func quit() async throws {
        directory.write("runbooks/q.md", "# Q\n\n```sh {name=a}\necho a\n```\n\n```sh {name=b}\necho b\n```\n")
        let (outcome, transcript) = try await drive(
            [
                ("[r]un / [s]kip", "r"),
                ("[r]un / [s]kip", "q"),
            ], arguments: ["run", "q"])
        #expect(outcome.status == 3, "\(transcript)")
        let resumed = try await CommandLineTool.run(["resume", "RUN-1", "--yes"], in: directory.path)
        #expect(resumed.status == 0)
        let shown = try await CommandLineTool.run(["runs", "show", "RUN-1", "--json"], in: directory.path)
        let steps =
            (try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])?["steps"]
            as? [[String: Any]]
        #expect(steps?.map { $0["attempts"] as? Int } == [1, 1])
    }

    @Test("Ctrl-C stops the running step and asks what to do")
    func interrupt() async throws {
        directory.write("runbooks/c.md", "# C\n\n```sh {name=long}\necho started; sleep 30\n```\n")
        let start = ContinuousClock.now
        let (outcome, transcript) = try await drive(
            [
                ("[r]un / [s]kip", "r"),
                ("started", nil),
                ("[r]etry / [s]kip / [a]bort", "a"),
            ], arguments: ["run", "c"])
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(transcript.contains("interrupted by Ctrl-C"), "\(transcript)")
        #expect(outcome.status == 1, "an aborted run exits 1")
        let shown = try await CommandLineTool.run(["runs", "show", "RUN-1", "--json"], in: directory.path)
        let run = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        #expect(run?["status"] as? String == "aborted")
        #expect(
            (run?["steps"] as? [[String: Any]])?.first?["status"] as? String == "failed",
            "the interrupted step's final status is stored")
    }

    @Test(
        "a step's ✓ shows before the next question, in colour on a terminal; Enter runs; Ctrl-C at a question leaves no step running"
    )
    func displayAndPause() async throws {
        directory.write(
            "runbooks/d.md", "# D\n\n```sh {name=first}\necho one\n```\n\n```sh {name=broken}\nexit 3\n```\n")
        let (outcome, transcript) = try await drive(
            [
                ("Enter or [r]un / [s]kip", ""),
                ("Enter or [r]un / [s]kip", ""),
                ("[r]etry / [s]kip / [a]bort", nil),
            ], arguments: ["run", "d"])
        #expect(outcome.missing == nil, "\(transcript)")
        #expect(outcome.status == 3, "Ctrl-C at a question leaves the run waiting: \(transcript)")
        let tick = try #require(transcript.range(of: "\u{1B}[32m✓\u{1B}[0m first"), "a green ✓: \(transcript)")
        let secondQuestion = try #require(transcript.range(of: "Step 2/2: broken"))
        #expect(tick.lowerBound < secondQuestion.lowerBound, "the ✓ of step 1 comes before step 2's question")
        #expect(transcript.contains("(interactive)"))
        let shown = try await CommandLineTool.run(["runs", "show", "RUN-1", "--json"], in: directory.path)
        let run = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        #expect(run?["status"] as? String == "waiting")
        let steps = run?["steps"] as? [[String: Any]] ?? []
        #expect(
            steps.map { $0["status"] as? String } == ["succeeded", "pending"], "no step shows running in a waiting run")
    }

    @Test("NO_COLOR turns colour off on a terminal")
    func noColor() async throws {
        directory.write("runbooks/n.md", "# N\n\n```sh {name=only}\necho one\n```\n")
        let (outcome, transcript) = try await drive(
            [("Enter or [r]un", "")], arguments: ["run", "n"],
            environment: ["NO_COLOR": "1"])
        #expect(outcome.status == 0, "\(transcript)")
        #expect(transcript.contains("✓ only"))
        #expect(!transcript.contains("\u{1B}[3"), "no colour codes")
    }
}
