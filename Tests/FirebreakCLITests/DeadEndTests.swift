import FirebreakTesting
import Foundation
import Subprocess
import SystemPackage
import Testing

/// The dead ends a new responder hit at a terminal, each reproduced through the real binary.
@Suite("responder dead ends at the terminal")
struct DeadEndTests {
    let directory = TemporaryDirectory(prefix: "firebreak-dead-ends")

    func firebreak(_ arguments: String..., environment: [String: String] = [:], in subdirectory: String? = nil)
        async throws -> CommandLineTool.Result
    {
        try await CommandLineTool.run(
            arguments, in: subdirectory.map { directory.path($0) } ?? directory.path,
            environment: environment)
    }

    @Test("the data dir is found from a subdirectory, and the per-user default is used when there is none")
    func dataDirFollowsTheUser() async throws {
        // No FIREBREAK_DATA: the search decides (an empty value counts as unset).
        let unset = ["FIREBREAK_DATA": "", "XDG_DATA_HOME": directory.path("xdg")]
        #expect(
            try await firebreak("incident", "open", "--title", "Disk full", environment: unset).status == 0,
            "no .firebreak here yet: the per-user default")
        #expect(FileManager.default.fileExists(atPath: directory.path("xdg/firebreak/firebreak.db")))

        try FileManager.default.createDirectory(
            atPath: directory.path("project/.firebreak"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            atPath: directory.path("project/deep/er"), withIntermediateDirectories: true)
        #expect(
            try await firebreak("incident", "open", "--title", "Orders down", environment: unset, in: "project").status
                == 0)
        let listed = try await firebreak("incident", "list", "--json", environment: unset, in: "project/deep/er")
        #expect(listed.stdout.contains("Orders down"), "found ../../.firebreak from a subdirectory")
        #expect(!listed.stdout.contains("Disk full"))

        let status = try await firebreak("status", "--json", environment: unset, in: "project/deep/er")
        #expect(status.status == 0)
        let report = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any] ?? [:]
        #expect((report["data_dir"] as? String)?.hasSuffix("project/.firebreak") == true)
        #expect(report["data_dir_source"] as? String == "found")
        #expect((report["open_incidents"] as? [String: Int]) == ["P3": 1])

        let empty = try await firebreak("runs", "list", environment: unset, in: "project")
        #expect(empty.stdout.contains("No runs yet in \(directory.path("project/.firebreak"))"))
        let text = try await firebreak("status", environment: unset, in: "project")
        #expect(text.stdout.contains("(found from the working directory)"))
    }

    @Test("incident open without a severity is P3; show prints the escalation and the outbox")
    func incidentDefaults() async throws {
        let opened = try await firebreak("incident", "open", "--title", "Slow search", "--json")
        #expect(opened.status == 0, "\(opened.stderr)")
        #expect(opened.stdout.contains("\"severity\" : \"P3\""))
        try "severities: {P2: {acknowledge_within: 5m}}\n".write(
            to: directory.url.appendingPathComponent("firebreak.yml"), atomically: true, encoding: .utf8)
        #expect(try await firebreak("incident", "open", "--title", "Checkout errors", "--severity", "P2").status == 0)
        let shown = try await firebreak("incident", "show", "INC-2")
        #expect(shown.stdout.contains("Escalation: level 1 of policy"), "\(shown.stdout)")
        #expect(shown.stdout.contains("Notifications (outbox):"))
        #expect(shown.stdout.contains("opened → log  pending"), "\(shown.stdout)")
    }

    @Test("argument errors and Firebreak's errors share one style and exit 2")
    func oneErrorStyle() async throws {
        let usage = try await firebreak("incident", "open")
        #expect(usage.status == 2)
        #expect(usage.stderr.hasPrefix("error: "), "\(usage.stderr)")
        let domain = try await firebreak("runs", "show", "RUN-9")
        #expect(domain.status == 2)
        #expect(domain.stderr.hasPrefix("error: "))
    }

    @Test("runs cancel from another process kills the step of a running 'run --yes' and records it")
    func cancelFromAnotherProcess() async throws {
        let marker = directory.path("started")
        directory.write(
            "runbooks/slow.md",
            "# Slow\n\n```sh {name=wait}\ntouch '\(marker)'\nsleep 30\n```\n\n```sh {name=after}\ntrue\n```\n")
        #expect(try await firebreak("incident", "open", "--title", "Queue stuck").status == 0)
        let binary = CommandLineTool.binary
        let dataDir = directory.path(".firebreak")
        let workingDirectory = directory.path
        let runner = Task {
            try await Subprocess.run(
                .path(FilePath(binary)), arguments: ["run", "slow", "--yes", "--incident", "INC-1"],
                environment: .inherit.updating(["FIREBREAK_DATA": dataDir]),
                workingDirectory: FilePath(workingDirectory), output: .string(limit: 1 << 20),
                error: .string(limit: 1 << 20))
        }
        let deadline = ContinuousClock.now + .seconds(20)
        while !FileManager.default.fileExists(atPath: marker), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        let started = ContinuousClock.now
        let cancelled = try await firebreak("runs", "cancel", "RUN-1", "--by", "dave", "--reason", "wrong queue")
        #expect(cancelled.status == 0, "\(cancelled.stderr)")
        #expect(cancelled.stdout.contains("stopped the step in flight"))
        let result = try await runner.value
        #expect(ContinuousClock.now - started < .seconds(15), "the 30 s step was killed")
        #expect(result.terminationStatus == .exited(1))
        #expect(
            result.standardOutput.contains("RUN-1 cancelled: cancelled by dave: wrong queue"),
            "\(result.standardOutput)")
        let shown = try await firebreak("runs", "show", "RUN-1", "--json")
        #expect(shown.stdout.contains("\"status\" : \"cancelled\""))
        let timeline = try await firebreak("incident", "show", "INC-1")
        #expect(timeline.stdout.contains("run_cancelled  by dave"))
        let again = try await firebreak("runs", "cancel", "RUN-1")
        #expect(again.status == 2)
        #expect(again.stderr.contains("already ended cancelled"))
        // approve refuses a step that is not waiting
        #expect(try await firebreak("approve", "RUN-1", "after").status == 2)
    }

    @Test("runs retry continues a failed run from its failed step; the summary counts skipped and failed steps")
    func retryAndSummary() async throws {
        let fixed = directory.path("fixed")
        directory.write(
            "runbooks/flaky.md",
            """
            # Flaky

            ```sh {name=optional onFailure=continue}
            exit 1
            ```

            ```sh {name=skipped when="false"}
            true
            ```

            ```sh {name=needs-fix}
            test -f '\(fixed)'
            ```
            """)
        let failed = try await firebreak("run", "flaky", "--yes")
        #expect(failed.status == 1)
        #expect(failed.stdout.contains("steps: 2 failed, 1 skipped"), "\(failed.stdout)")
        _ = FileManager.default.createFile(atPath: fixed, contents: nil)
        let retried = try await firebreak("runs", "retry", "RUN-1", "--yes")
        #expect(retried.status == 0, "\(retried.stdout)\(retried.stderr)")
        #expect(retried.stdout.contains("retrying RUN-1 from step 'needs-fix'"))
        #expect(retried.stdout.contains("(automatic)"))
        #expect(retried.stdout.contains("steps: 1 succeeded, 1 failed, 1 skipped"), "\(retried.stdout)")
    }

    @Test("piped output has no colour; NO_COLOR and --no-color are honoured")
    func noColourWhenPiped() async throws {
        directory.write("runbooks/ok.md", "# OK\n\n```sh\ntrue\n```\n")
        let piped = try await firebreak("run", "ok", "--yes")
        #expect(piped.status == 0)
        #expect(!piped.stdout.contains("\u{1B}["))
    }

    @Test(
        "a post-mortem draft beside the runbooks is not a runbook; the shipped incident-response writes into the data dir"
    )
    func discoveryAndDrafts() async throws {
        directory.write("runbooks/restart.md", "# Restart\n\n```sh\ntrue\n```\n")
        directory.write(
            "runbooks/postmortems/INC-1.md", "# Post-mortem: Orders down\n\n| a | b |\n|---|---|\n\n```text\nout\n```\n"
        )
        directory.write("runbooks/README.md", "# Our runbooks\n\nSee restart.md.\n")
        let listed = try await firebreak("runbooks", "--json")
        #expect(listed.stdout.contains("\"restart\""))
        #expect(!listed.stdout.contains("INC-1"))
        let lint = try await firebreak("lint", "runbooks")
        #expect(lint.stderr.contains("1 runbook checked"), "\(lint.stderr)")
        // A file whose only fence is unclosed has no steps, yet it must reach lint, not vanish.
        directory.write("runbooks/broken.md", "# Broken\n\n```sh\ntrue\n")
        let broken = try await firebreak("lint", "runbooks")
        #expect(broken.status == 2)
        #expect(broken.stdout.contains("runbooks/broken.md"), "\(broken.stdout)")
        let shipped = try String(
            contentsOf: CommandLineTool.packageRoot.appendingPathComponent("runbooks/incident-response.md"),
            encoding: .utf8)
        #expect(shipped.contains("--out \"$FIREBREAK_DATA/postmortems/$INCIDENT_ID.md\""))
        #expect(!shipped.contains("mkdir -p postmortems\n"))
    }

    @Test("a working directory that was deleted under the shell still resolves a data dir, at once")
    func deletedWorkingDirectory() async throws {
        let script = """
            import os, subprocess, sys
            os.makedirs("gone"); os.chdir("gone"); os.rmdir("../gone")
            env = dict(os.environ, FIREBREAK_DATA="", XDG_DATA_HOME=sys.argv[2])
            r = subprocess.run([sys.argv[1], "status", "--json"], env=env, capture_output=True, timeout=20)
            print(r.returncode); print(r.stdout.decode())
            """
        let result = try await Subprocess.run(
            .name("python3"), arguments: ["-c", script, CommandLineTool.binary, directory.path("xdg")],
            workingDirectory: FilePath(directory.path), output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
        let lines = result.standardOutput.split(separator: "\n", maxSplits: 1)
        #expect(lines.first == "0", "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains(directory.path("xdg/firebreak")))
    }
}
