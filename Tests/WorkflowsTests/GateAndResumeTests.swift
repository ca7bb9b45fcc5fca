import FirebreakTesting
import Foundation
import Runbooks
import Store
import Synchronization
import Testing
import Workflows

@Suite("Human gates and resume")
struct GateAndResumeTests {
    @Test("a confirm step makes an automatic run wait; approve and resume run it")
    func confirm() async throws {
        let harness = try await Harness()
        let text = "# T\n\n```sh {name=a}\necho a\n```\n\n```sh {name=danger confirm=true}\necho danger\n```\n"
        var detail = try await harness.run(text)
        #expect(detail.run.status == .waiting)
        #expect(detail.step("danger")?.status == .waiting)
        #expect(detail.step("danger")?.reason == "confirmation required")
        _ = try await harness.store.approve(runID: detail.run.id!, stepName: "danger", by: "alice", at: Date())
        detail = try await harness.resume(detail.run.id!)
        #expect(detail.run.status == .succeeded)
        #expect(detail.step("danger")?.approvedBy == "alice")
        #expect(detail.output("danger") == "danger\n")
        #expect(detail.step("a")?.attempts == 1, "a succeeded step never runs again")
    }

    @Test("a manual step waits; approval marks it done")
    func manual() async throws {
        let harness = try await Harness()
        let text = "# T\n\n- [ ] Call the vendor {name=call}\n\n```sh {name=after}\necho after\n```\n"
        var detail = try await harness.run(text)
        #expect(detail.run.status == .waiting)
        _ = try await harness.store.approve(runID: detail.run.id!, stepName: "call", by: "bob", at: Date())
        detail = try await harness.resume(detail.run.id!)
        #expect(detail.statuses == ["call=succeeded", "after=succeeded"])
        #expect(detail.step("call")?.reason == "done; approved by bob")
    }

    /// Simulates a crash: step `index` was left `running` with an open attempt.
    func crash(_ harness: Harness, text: String) async throws -> Int64 {
        let runbook = try harness.parse(text)
        let executor = harness.executor()
        let run = try await executor.createRun(
            runbook: runbook, source: text, path: harness.directory.write("rb.md", text), params: [:])
        var detail = try await harness.store.runDetail(id: run.id!)
        var first = detail.steps[0]
        first.status = .succeeded
        first.attempts = 1
        var second = detail.steps[1]
        second.status = .running
        second.attempts = 1
        second.startedAt = Date()
        detail.run.status = .running
        detail.run.cursor = 1
        try await harness.store.commit(run: detail.run, steps: [first, second])
        try await harness.store.commit(
            attempt: AttemptRecord(runID: run.id!, stepIndex: 1, number: 1, status: .running, startedAt: Date()))
        return run.id!
    }

    @Test("an interrupted idempotent step re-runs on resume; succeeded steps do not")
    func resumeIdempotent() async throws {
        let harness = try await Harness()
        let log = harness.directory.path("log")
        let text =
            "# T\n\n```sh {name=one}\necho one >> '\(log)'\n```\n\n```sh {name=two idempotent=true}\necho two >> '\(log)'\n```\n"
        let runID = try await crash(harness, text: text)
        let detail = try await harness.resume(runID)
        #expect(detail.run.status == .succeeded)
        #expect(harness.directory.read("log") == "two\n")
        #expect(detail.step("two")?.attempts == 2)
        #expect(detail.attempts[1]?.first?.status == .failed)
    }

    @Test("an interrupted non-idempotent step waits with a reason, and runs after approval")
    func resumeNotIdempotent() async throws {
        let harness = try await Harness()
        let log = harness.directory.path("log")
        let text = "# T\n\n```sh {name=one}\necho one >> '\(log)'\n```\n\n```sh {name=two}\necho two >> '\(log)'\n```\n"
        let runID = try await crash(harness, text: text)
        var detail = try await harness.resume(runID)
        #expect(detail.run.status == .waiting)
        #expect(detail.step("two")?.status == .waiting)
        #expect(detail.step("two")?.reason == "interrupted; not idempotent")
        #expect(harness.directory.read("log") == nil)
        _ = try await harness.store.approve(runID: runID, stepName: "two", by: "carol", at: Date())
        detail = try await harness.resume(runID)
        #expect(detail.run.status == .succeeded)
        #expect(harness.directory.read("log") == "two\n")
    }

    @Test("a finished run cannot be resumed")
    func finishedRun() async throws {
        let harness = try await Harness()
        let detail = try await harness.run("# T\n\n```sh {name=a}\ntrue\n```\n")
        await #expect(throws: WorkflowError.self) {
            _ = try await harness.resume(detail.run.id!)
        }
    }

    @Test("secret params are not stored, so resume asks for them again")
    func secretsOnResume() async throws {
        let harness = try await Harness()
        let text =
            "---\nparams:\n  token: { secret: true }\n---\n# T\n\n```sh {name=gate confirm=true}\necho \"$TOKEN\" | wc -c\n```\n"
        let detail = try await harness.run(text, params: ["token": "abcdef"])
        let executor = harness.executor()
        let runbook = try harness.parse(text)
        #expect(throws: WorkflowError.self) {
            _ = try executor.params(for: detail.run, runbook: runbook, supplied: [:])
        }
        let values = try executor.params(for: detail.run, runbook: runbook, supplied: ["token": "abcdef"])
        #expect(values["token"] == "abcdef")
    }
}

@Suite("Backoff and params")
struct BackoffAndParamTests {
    @Test("exponential ceilings double and are capped")
    func ceilings() {
        var attributes = StepAttributes()
        attributes.delay = .seconds(1)
        attributes.maxDelay = .seconds(5)
        let policy = BackoffPolicy(attributes)
        #expect(
            (2...6).map { policy.ceiling(beforeAttempt: $0) } == [
                .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5),
            ])
    }

    @Test("full jitter stays within [0, ceiling] and varies")
    func jitter() {
        var attributes = StepAttributes()
        attributes.delay = .milliseconds(100)
        let policy = BackoffPolicy(attributes)
        var generator = SystemRandomNumberGenerator()
        let waits = (0..<200).map { _ in policy.wait(beforeAttempt: 4, using: &generator) }
        #expect(waits.allSatisfy { $0 >= .zero && $0 <= .milliseconds(400) })
        #expect(Set(waits).count > 10)
    }

    @Test("fixed backoff always waits the delay")
    func fixed() {
        var attributes = StepAttributes()
        attributes.backoff = .fixed
        attributes.delay = .milliseconds(300)
        var generator = SystemRandomNumberGenerator()
        #expect(BackoffPolicy(attributes).wait(beforeAttempt: 5, using: &generator) == .milliseconds(300))
    }

    @Test("param errors name every problem")
    func paramErrors() async throws {
        let runbook = try await Harness().parse(
            """
            ---
            params:
              target: { allowed: [staging, production], required: true }
              count: { type: int }
              name: { required: true }
            ---
            # T
            """)
        #expect {
            try ParamResolver.resolve(["target": "qa", "count": "x", "bogus": "1"], for: runbook)
        } throws: { error in
            let message = (error as? WorkflowError)?.message ?? ""
            return message.contains("unknown param 'bogus'") && message.contains("'qa' is not allowed")
                && message.contains("'x' is not a whole number") && message.contains("missing required param 'name'")
        }
    }

    @Test("redactor masks longest secrets first and ignores tiny values")
    func redactor() {
        let redactor = Redactor(secrets: ["abc", "abcdef", "x"])
        #expect(redactor.redact("abcdef abc x") == "*** *** x")
        #expect(Redactor.isSecretName("db_password"))
        #expect(!Redactor.isSecretName("HOME"))
    }
}

/// Checks, at every report, that what is reported is already in the database.
final class DurabilityObserver: RunObserver, Sendable {
    let store: any Storage
    let runID: Int64
    let problems = ProblemLog()

    init(store: any Storage, runID: Int64) {
        self.store = store
        self.runID = runID
    }

    func attemptFinished(_ step: Step, attempt: Int, outcome: StepOutcome) async {
        guard let stored = try? await store.runDetail(id: runID) else { return problems.add("cannot read run") }
        let record = stored.steps.first { $0.name == step.name }
        if outcome.status == .succeeded && record?.status != .succeeded {
            problems.add("\(step.name) reported succeeded but stored \(record?.status.rawValue ?? "nothing")")
        }
        if stored.attempts[record?.index ?? -1]?.contains(where: { $0.number == attempt && $0.status == outcome.status }
        ) != true {
            problems.add("\(step.name) attempt \(attempt) reported before it was stored")
        }
    }
}

final class ProblemLog: Sendable {
    let values = Mutex<[String]>([])
    func add(_ value: String) { values.withLock { $0.append(value) } }
}

@Suite("Reporting follows durability")
struct ReportingTests {
    @Test("a step is reported finished only after its result is committed")
    func reportedAfterCommit() async throws {
        let harness = try await Harness()
        let text = "# T\n\n```sh {name=a}\ntrue\n```\n\n```sh {name=b attempts=2 delay=1ms}\nexit 1\n```\n"
        let runbook = try harness.parse(text)
        let plain = harness.executor()
        let run = try await plain.createRun(
            runbook: runbook, source: text, path: harness.directory.write("rb.md", text), params: [:])
        let observer = DurabilityObserver(store: harness.store, runID: run.id!)
        let executor = Executor(
            store: harness.store,
            configuration: ExecutorConfiguration(
                runsDirectory: harness.directory.url.appendingPathComponent("data/runs"),
                sleep: { _ in }),
            observer: observer, logger: .init(label: "t"))
        _ = try await executor.execute(runID: run.id!, params: [:])
        #expect(observer.problems.values.withLock { $0 } == [])
        #expect(try await harness.store.runDetail(id: run.id!).statuses == ["a=succeeded", "b=failed"])
    }
}
