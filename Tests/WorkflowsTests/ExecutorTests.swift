import FirebreakTesting
import Foundation
import Runbooks
import Store
import Testing
import Workflows

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Executor semantics with real processes and SQLite")
struct ExecutorTests {
    @Test("a timeout ends the step long before the child would, and kills its whole process group")
    func timeout() async throws {
        let harness = try await Harness()
        let pidFile = harness.directory.path("child.pid")
        let text = """
            # T

            ```sh {name=slow timeout=1s}
            sleep 30 &
            echo $! > '\(pidFile)'
            wait
            ```
            """
        let start = ContinuousClock.now
        let detail = try await harness.run(text, executor: harness.executor(grace: .seconds(1)))
        let elapsed = ContinuousClock.now - start
        #expect(detail.step("slow")?.status == .timedOut)
        #expect(detail.run.status == .failed)
        // Far below the child's 30 s, with room for a loaded CI machine: a leaked wait would take 30 s.
        #expect(elapsed < .seconds(15), "took \(elapsed)")
        #expect(elapsed >= .milliseconds(900))
        let pid = try #require(
            harness.directory.read("child.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        try await Task.sleep(for: .milliseconds(100))
        #expect(!ProcessProbe.isAlive(pid), "the background child \(pid) must be gone")
        #expect(detail.step("slow")?.reason == "timed out after 1s")
    }

    @Test("attempts are counted and retries wait within the backoff bounds")
    func retries() async throws {
        let harness = try await Harness()
        let text = """
            # T

            ```sh {name=flaky attempts=4 backoff=exp delay=100ms maxDelay=250ms}
            echo "try $FIREBREAK_ATTEMPT"
            exit 7
            ```
            """
        let detail = try await harness.run(text)
        let step = try #require(detail.step("flaky"))
        #expect(step.status == .failed)
        #expect(step.attempts == 4)
        #expect(step.exitCode == 7)
        #expect(detail.attempts[0]?.map(\.number) == [1, 2, 3, 4])
        #expect(detail.attempts[0]?.map(\.output) == ["try 1\n", "try 2\n", "try 3\n", "try 4\n"])
        let sleeps = harness.sleeps.values.withLock { $0 }
        #expect(sleeps.count == 3)
        for (delay, ceiling) in zip(sleeps, [100, 200, 250]) {
            #expect(delay >= .zero && delay <= .milliseconds(ceiling), "\(delay) exceeds \(ceiling)ms")
        }
    }

    @Test("a step that succeeds on a later attempt succeeds")
    func eventualSuccess() async throws {
        let harness = try await Harness()
        let marker = harness.directory.path("marker")
        let text =
            "# T\n\n```sh {name=s attempts=3 delay=10ms}\nif [ -e '\(marker)' ]; then echo ok; else touch '\(marker)'; exit 1; fi\n```\n"
        let detail = try await harness.run(text)
        #expect(detail.run.status == .succeeded)
        #expect(detail.step("s")?.attempts == 2)
        #expect(detail.attempts[0]?.map(\.status) == [.failed, .succeeded])
    }

    @Test("abort is the default: later steps are skipped and the run fails")
    func abortByDefault() async throws {
        let harness = try await Harness()
        let text = "# T\n\n```sh {name=a}\nexit 3\n```\n\n```sh {name=b}\necho never\n```\n"
        let detail = try await harness.run(text)
        #expect(detail.statuses == ["a=failed", "b=skipped"])
        #expect(detail.run.status == .failed)
        #expect(detail.run.error == "step 'a' failed with exit code 3")
        #expect(detail.step("b")?.attempts == 0)
    }

    @Test("onFailure=continue moves on and the run can still succeed")
    func continueOnFailure() async throws {
        let harness = try await Harness()
        let text = "# T\n\n```sh {name=a onFailure=continue}\nexit 1\n```\n\n```sh {name=b}\necho b\n```\n"
        let detail = try await harness.run(text)
        #expect(detail.statuses == ["a=failed", "b=succeeded"])
        #expect(detail.run.status == .succeeded)
    }

    @Test("goto jumps to a rollback step, skipping what lies between; the run ends failed")
    func gotoRollback() async throws {
        let harness = try await Harness()
        let text = """
            # T

            ```sh {name=apply onFailure=goto:undo}
            exit 1
            ```

            ```sh {name=verify}
            echo verify
            ```

            ```sh {name=undo rollback=true}
            echo undoing
            ```
            """
        let detail = try await harness.run(text)
        #expect(detail.statuses == ["apply=failed", "verify=skipped", "undo=succeeded"])
        #expect(detail.output("undo") == "undoing\n")
        #expect(detail.step("verify")?.reason == "jumped to 'undo' after 'apply' failed")
        #expect(detail.run.status == .failed)
    }

    @Test("rollback steps are skipped when nothing fails")
    func rollbackSkipped() async throws {
        let harness = try await Harness()
        let text =
            "# T\n\n```sh {name=apply onFailure=goto:undo}\ntrue\n```\n\n```sh {name=undo rollback=true}\necho undo\n```\n"
        let detail = try await harness.run(text)
        #expect(detail.statuses == ["apply=succeeded", "undo=skipped"])
        #expect(detail.run.status == .succeeded)
    }

    @Test("when decides, and the reason of a skip is stored")
    func when() async throws {
        let harness = try await Harness()
        let text = """
            ---
            params:
              target: { default: staging }
            ---
            # T

            ```sh {name=check}
            exit 0
            ```

            ```sh {name=prod-only when="params.target == \\"production\\""}
            echo prod
            ```

            ```sh {name=after-check}
            #| when: steps.check.exit == 0 && steps.check.status == "succeeded"
            echo ran
            ```
            """
        let detail = try await harness.run(text)
        #expect(detail.statuses == ["check=succeeded", "prod-only=skipped", "after-check=succeeded"])
        #expect(detail.step("prod-only")?.reason == #"when is false: params.target == "production""#)
    }

    @Test("capture and FIREBREAK_OUTPUT publish outputs that later steps see as variables")
    func outputs() async throws {
        let harness = try await Harness()
        let text = """
            # T

            ```sh {name=produce capture=STAMP}
            echo "backup_id=b-42" >> "$FIREBREAK_OUTPUT"
            echo noise
            echo 2026-01-01T00:00:00Z
            ```

            ```sh {name=consume}
            #| when: steps.produce.outputs.backup_id == "b-42"
            echo "$STAMP $BACKUP_ID $FIREBREAK_STEP"
            ```
            """
        let detail = try await harness.run(text)
        #expect(detail.run.status == .succeeded)
        let outputs = try JSONDecoder().decode([String: String].self, from: Data(detail.step("produce")!.outputs.utf8))
        #expect(outputs == ["STAMP": "2026-01-01T00:00:00Z", "backup_id": "b-42"])
        #expect(detail.output("consume") == "2026-01-01T00:00:00Z b-42 consume\n")
    }

    @Test("params and front-matter env reach steps as variables")
    func paramEnvironment() async throws {
        let harness = try await Harness()
        let text = """
            ---
            params:
              target: { type: string, allowed: [staging, production], default: staging }
              max-count: { type: int, default: 3 }
            env:
              REGION: eu-west-1
            ---
            # T

            ```bash {name=show}
            echo "$TARGET $MAX_COUNT $REGION $FIREBREAK_RUN_ID"
            ```
            """
        let detail = try await harness.run(text, params: ["target": "production"])
        #expect(detail.output("show") == "production 3 eu-west-1 \(detail.run.displayID)\n")
    }

    @Test("a hostile param value is data, never code")
    func injection() async throws {
        let harness = try await Harness()
        let x = harness.directory.path("x")
        let y = harness.directory.path("y")
        let value = "$(touch \(x)); `touch \(y)`"
        let text =
            "---\nparams:\n  value: {}\n---\n# T\n\n```sh {name=echo}\nprintf '%s' \"$VALUE\"\n```\n\n```python3 {name=py}\nimport os; print(os.environ['VALUE'])\n```\n"
        let detail = try await harness.run(text, params: ["value": value])
        #expect(detail.run.status == .succeeded)
        #expect(detail.output("echo") == value)
        #expect(detail.output("py") == value + "\n")
        #expect(!FileManager.default.fileExists(atPath: x))
        #expect(!FileManager.default.fileExists(atPath: y))
    }

    @Test("secret params and *TOKEN* variables are redacted from stored output and params")
    func redaction() async throws {
        let harness = try await Harness()
        let text = """
            ---
            params:
              password: { secret: true, required: true }
            ---
            # T

            ```sh {name=leak capture=LAST}
            echo "password=$PASSWORD token=$API_TOKEN"
            echo "$PASSWORD"
            ```
            """
        let executor = harness.executor(environment: ["API_TOKEN": "tok-123456"])
        let detail = try await harness.run(text, params: ["password": "s3cr3t-pw"], executor: executor)
        #expect(detail.output("leak") == "password=*** token=***\n***\n")
        #expect(detail.run.params == #"{"password":"***"}"#)
        #expect(!detail.step("leak")!.outputs.contains("s3cr3t-pw"))
        let file = try String(contentsOfFile: harness.directory.path("data/firebreak.db"), encoding: .isoLatin1)
        #expect(!file.contains("s3cr3t-pw"))
    }

    @Test("output over the limit keeps the tail")
    func outputTail() async throws {
        let harness = try await Harness()
        let configuration = ExecutorConfiguration(
            runsDirectory: harness.directory.url.appendingPathComponent("data/runs"),
            runner: ShellRunner(outputLimit: 1000))
        let executor = Executor(store: harness.store, configuration: configuration, logger: .init(label: "t"))
        let text = "# T\n\n```sh {name=big}\nseq 1 5000\n```\n"
        let detail = try await harness.run(text, executor: executor)
        let output = detail.output("big")
        #expect(output.hasSuffix("4999\n5000\n"))
        #expect(output.hasPrefix("[… "))
        #expect(output.utf8.count < 1100)
    }
}
