import FirebreakTesting
import Foundation
import Subprocess
import SystemPackage
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("kill -9 and resume")
struct CrashResumeTests {
    let directory = TemporaryDirectory(prefix: "firebreak-crash")

    /// Starts `firebreak run --yes`, waits for `marker`, then kills it with SIGKILL.
    func runAndKill(_ runbook: String, waitingFor marker: String) async throws {
        let result = try await Subprocess.run(
            .path(FilePath(CommandLineTool.binary)), arguments: ["run", runbook, "--yes"],
            environment: .inherit.updating(["FIREBREAK_DATA": directory.path(".firebreak")]),
            workingDirectory: FilePath(directory.path), input: .none, output: .discarded, error: .discarded
        ) { execution in
            let deadline = ContinuousClock.now + .seconds(30)
            while !FileManager.default.fileExists(atPath: directory.path(marker)), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            kill(execution.processIdentifier.value, SIGKILL)
        }
        #expect(result.terminationStatus == TerminationStatus.signaled(SIGKILL))
    }

    @Test("a finished step never runs again and the interrupted idempotent step runs again")
    func idempotentResume() async throws {
        let log = directory.path("log")
        directory.write(
            "runbooks/crash.md",
            """
            # Crash

            ```sh {name=one}
            echo one >> '\(log)'
            ```

            ```sh {name=two idempotent=true}
            echo two >> '\(log)'
            if [ ! -e '\(directory.path("started"))' ]; then
              sleep 30 &
              echo $! > '\(directory.path("sleep.pid"))'
              touch '\(directory.path("started"))'
              wait
            fi
            ```

            ```sh {name=three}
            echo three >> '\(log)'
            ```
            """)
        try await runAndKill("crash", waitingFor: "started")
        #expect(directory.read("log") == "one\ntwo\n")
        let orphan = try #require(
            Int32(directory.read("sleep.pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""))
        #expect(ProcessProbe.isAlive(orphan), "the step's child outlives the killed firebreak")

        let killed = try await CommandLineTool.run(["runs", "show", "RUN-1", "--json"], in: directory.path)
        let killedRun = try JSONSerialization.jsonObject(with: Data(killed.stdout.utf8)) as? [String: Any]
        #expect(killedRun?["status"] as? String == "running")
        #expect(killedRun?["interrupted"] as? Bool == true, "no live process holds the run")
        let listed = try await CommandLineTool.run(["runs", "list"], in: directory.path)
        #expect(listed.stdout.contains("interrupted (firebreak resume RUN-1)"))

        let resumed = try await CommandLineTool.run(["resume", "RUN-1", "--yes"], in: directory.path)
        #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(directory.read("log") == "one\ntwo\ntwo\nthree\n")
        #expect(!ProcessProbe.isAlive(orphan), "resume kills what the dead run left behind")

        let shown = try await CommandLineTool.run(["runs", "show", "RUN-1", "--json"], in: directory.path)
        let object = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        let steps = object?["steps"] as? [[String: Any]] ?? []
        #expect(steps.map { $0["attempts"] as? Int } == [1, 2, 1])
        #expect(steps.map { $0["status"] as? String } == ["succeeded", "succeeded", "succeeded"])
    }

    @Test("an interrupted non-idempotent step waits for approval before it runs again")
    func nonIdempotentResume() async throws {
        let log = directory.path("log")
        directory.write(
            "runbooks/crash.md",
            """
            # Crash

            ```sh {name=migrate}
            echo migrate >> '\(log)'
            if [ ! -e '\(directory.path("started"))' ]; then touch '\(directory.path("started"))'; sleep 30; fi
            ```
            """)
        try await runAndKill("crash", waitingFor: "started")
        let waiting = try await CommandLineTool.run(["resume", "RUN-1", "--yes"], in: directory.path)
        #expect(waiting.status == 3)
        #expect(waiting.stderr.contains("interrupted; not idempotent"))
        #expect(directory.read("log") == "migrate\n")
        #expect(try await CommandLineTool.run(["approve", "RUN-1", "migrate"], in: directory.path).status == 0)
        let done = try await CommandLineTool.run(["resume", "RUN-1", "--yes"], in: directory.path)
        #expect(done.status == 0)
        #expect(directory.read("log") == "migrate\nmigrate\n")
    }
}
