import FirebreakTesting
import Foundation
import Modules
import Store
import Testing

@Suite("health checks")
struct HealthTests {
    func http(_ url: String, timeout: Duration = .seconds(5), degradedAfter: Duration? = nil) -> HealthCheck {
        HealthCheck(
            name: "api", probe: .http(url: url, method: "GET", expectStatus: [200], bodyContains: nil),
            timeout: timeout, degradedAfter: degradedAfter)
    }

    @Test("http against a live server: 200 is healthy, 500 unhealthy, a hang times out")
    func httpStatuses() async throws {
        let server = try await WebhookReceiver.start()
        defer { server.stop() }
        let monitor = HealthMonitor(breaker: BreakerSettings(failures: 10))
        server.answer(200)
        let healthy = await monitor.check(http(server.url("/health")))
        #expect(healthy.status == .healthy)
        #expect(healthy.message.contains("answered 200"))
        #expect(healthy.attempts == 1)

        server.answer(500)
        let failing = await monitor.check(http(server.url("/health")))
        #expect(failing.status == .unhealthy)
        #expect(failing.message.contains("answered 500, expected 200"))

        server.answer(0)
        let clock = ContinuousClock()
        let start = clock.now
        let hung = await monitor.check(http(server.url("/health"), timeout: .milliseconds(300)))
        let elapsed = clock.now - start
        #expect(hung.status == .unhealthy)
        #expect(hung.message.contains("timed out after 300ms"), "\(hung.message)")
        #expect(
            elapsed >= .milliseconds(280) && elapsed < .seconds(10), "the hang lasts an hour; only the timeout ends it")

        server.answer(200)
        let body = HealthCheck(
            name: "body",
            probe: .http(url: server.url("/ready"), method: "GET", expectStatus: [200], bodyContains: "status 200"))
        #expect(await monitor.check(body).status == .healthy)
        let wrongBody = HealthCheck(
            name: "body",
            probe: .http(url: server.url("/ready"), method: "GET", expectStatus: [200], bodyContains: "ready"))
        #expect(await monitor.check(wrongBody).message.contains("does not contain \"ready\""))
        // Slower than degraded_after, but answering: degraded.
        let slow = await monitor.check(http(server.url("/ready"), timeout: .seconds(2), degradedAfter: .nanoseconds(1)))
        #expect(slow.status == .degraded)
    }

    @Test(
        "the circuit breaker opens after N failures, fails fast, half-opens after the cool-down and closes after M successes"
    )
    func breaker() async throws {
        let server = try await WebhookReceiver.start()
        defer { server.stop() }
        let clock = TestClock()
        let monitor = HealthMonitor(
            breaker: BreakerSettings(failures: 2, cooldown: .seconds(30), successes: 2),
            now: { clock.value.withLock { $0 } })
        let check = http(server.url("/health"))
        let target = check.probe.target
        server.answer(500)
        #expect(await monitor.check(check).breaker == "closed")
        let second = await monitor.check(check)
        #expect(second.breaker == "open")
        #expect(await monitor.breakerStates[target] == "open")

        // Open: no request reaches the server.
        server.answer(200)
        let before = server.deliveries.count
        let fast = await monitor.check(check)
        #expect(fast.status == .unhealthy)
        #expect(fast.attempts == 0)
        #expect(fast.message.contains("circuit open"))
        #expect(server.deliveries.count == before)

        // After the cool-down: half-open, and two successes close it.
        clock.value.withLock { $0 = $0.addingTimeInterval(31) }
        let trial = await monitor.check(check)
        #expect(trial.status == .healthy)
        #expect(trial.breaker == "half-open")
        #expect(await monitor.check(check).breaker == "closed")

        // A failure while half-open opens it again at once.
        server.answer(500)
        _ = await monitor.check(check)
        _ = await monitor.check(check)
        clock.value.withLock { $0 = $0.addingTimeInterval(31) }
        let reopened = await monitor.check(check)
        #expect(reopened.attempts == 1)
        #expect(reopened.breaker == "open")
    }

    @Test("retries with backoff turn a transient failure into a pass")
    func retries() async throws {
        let server = try await WebhookReceiver.start()
        defer { server.stop() }
        // Two failures, then the dependency is back: the third attempt passes.
        server.answer([503, 503], then: 200)
        var check = http(server.url("/health"))
        check.retries = 3
        check.retryDelay = .milliseconds(100)
        let result = await HealthMonitor().check(check)
        #expect(result.status == .healthy)
        #expect(result.attempts == 3, "\(result.attempts)")
    }

    @Test("an http check against a closed port fails at once and says so in words")
    func refusedConnection() async throws {
        let port = 1  // tcpmux: nothing listens there
        let clock = ContinuousClock()
        let start = clock.now
        let refused = await HealthMonitor().check(http("http://127.0.0.1:\(port)/health", timeout: .seconds(120)))
        // Before, a refused connection was retried until the timeout; the bound leaves room for a loaded machine.
        #expect(clock.now - start < .seconds(30), "a refused connection does not wait for the 120 s timeout")
        #expect(refused.status == .unhealthy)
        #expect(
            refused.message == "GET http://127.0.0.1:\(port)/health failed: connection refused (127.0.0.1:\(port))",
            "\(refused.message)")
        let command = await HealthMonitor().check(HealthCheck(name: "ok", probe: .command("echo fine")))
        #expect(command.message.hasPrefix("the command exited 0: "))
        #expect(command.message.hasSuffix("fine"))
    }

    @Test("tcp, sqlite, disk, command and backup_freshness checks")
    func otherKinds() async throws {
        let harness = try await ModuleHarness()
        let server = try await WebhookReceiver.start()
        defer { server.stop() }
        let monitor = HealthMonitor(store: harness.store, now: { harness.clock.value.withLock { $0 } })
        #expect(
            await monitor.check(HealthCheck(name: "tcp", probe: .tcp(host: "127.0.0.1", port: server.port))).status
                == .healthy)
        let closed = await monitor.check(HealthCheck(name: "tcp", probe: .tcp(host: "127.0.0.1", port: 1)))
        #expect(closed.status == .unhealthy)
        #expect(closed.message.contains("refused"))

        let database = try harness.randomDatabase("app.db", rows: 5)
        let count = await monitor.check(
            HealthCheck(name: "db", probe: .sqlite(path: database, query: "SELECT count(*) FROM orders", expect: "5")))
        #expect(count.status == .healthy, "\(count.message)")
        let wrong = await monitor.check(
            HealthCheck(name: "db", probe: .sqlite(path: database, query: "SELECT count(*) FROM orders", expect: "6")))
        #expect(wrong.status == .unhealthy)
        let badQuery = await monitor.check(
            HealthCheck(name: "db2", probe: .sqlite(path: database, query: "SELECT * FROM nope", expect: nil)))
        #expect(badQuery.message.contains("no such table"))

        #expect(
            await monitor.check(
                HealthCheck(name: "disk", probe: .disk(path: harness.directory.path, minFreePercent: 0))
            ).status == .healthy)
        #expect(
            await monitor.check(
                HealthCheck(name: "full", probe: .disk(path: harness.directory.path, minFreePercent: 100))
            ).status == .unhealthy)

        #expect(await monitor.check(HealthCheck(name: "true", probe: .command("exit 0"))).status == .healthy)
        let falseCommand = await monitor.check(HealthCheck(name: "false", probe: .command("echo broken; exit 4")))
        #expect(falseCommand.status == .unhealthy)
        #expect(falseCommand.message.contains("broken"))
        let slowCommand = await monitor.check(
            HealthCheck(name: "slow", probe: .command("sleep 5"), timeout: .milliseconds(200)))
        #expect(slowCommand.message.contains("did not finish within 200ms"))

        let source = "sqlite:\(database)"
        let freshness = HealthCheck(name: "fresh", probe: .backupFreshness(source: source, maxAge: .seconds(3600)))
        #expect(await monitor.check(freshness).message.contains("no good backup"))
        _ = try await harness.engine.create(BackupSource(parsing: source))
        #expect(await monitor.check(freshness).status == .healthy)
        harness.advance(3601)
        let stale = await monitor.check(freshness)
        #expect(stale.status == .unhealthy)
        #expect(stale.message.contains("1h1s old"))
    }

    @Test("a set is the worst of its critical checks; a failing non-critical check makes it degraded")
    func aggregation() {
        func result(_ status: HealthStatus, critical: Bool = true) -> HealthResult {
            HealthResult(
                name: "x", kind: "http", status: status, latencyMs: 1, message: "", attempts: 1, breaker: "closed",
                critical: critical)
        }
        #expect(HealthSummary(results: []).status == .healthy)
        #expect(HealthSummary(results: [result(.healthy), result(.healthy)]).status == .healthy)
        #expect(HealthSummary(results: [result(.healthy), result(.unhealthy, critical: false)]).status == .degraded)
        #expect(HealthSummary(results: [result(.degraded), result(.healthy)]).status == .degraded)
        #expect(HealthSummary(results: [result(.unhealthy), result(.degraded, critical: false)]).status == .unhealthy)
    }

    @Test("module bodies parse, and errors carry the file line")
    func specs() throws {
        let checks = try ModuleSpecs.healthStep(
            "http: http://127.0.0.1:1/health\nexpect_status: [200, 204]\ntimeout: 2s\n", stepName: "primary")
        #expect(
            checks == [
                HealthCheck(
                    name: "primary",
                    probe: .http(
                        url: "http://127.0.0.1:1/health", method: "GET", expectStatus: [200, 204], bodyContains: nil),
                    timeout: .seconds(2))
            ])
        #expect(throws: SpecError(line: 12, "'query' does not apply to a http check")) {
            try ModuleSpecs.healthStep("http: http://x/\n\nquery: SELECT 1\n", stepName: "s", lineOffset: 9)
        }
        #expect(throws: SpecError.self) { try ModuleSpecs.healthStep("tcp: nohost\n", stepName: "s") }
        let injected = #expect(throws: SpecError.self) {
            try ModuleSpecs.backupStep("source: command:pg\ncommand: pg_dump {{ params.db }}\n", lineOffset: 20)
        }
        #expect(injected?.line == 22)
        #expect(injected?.message.contains("may not use {{ }} templates") == true)
        let restore = try ModuleSpecs.restoreStep(
            "backup: latest\nsource: sqlite:/srv/app.db\nto: /srv/app.db\nat: 2026-11-23T02:00:00Z\n")
        #expect(
            restore.selection == .latest(source: "sqlite:/srv/app.db", at: Date(timeIntervalSince1970: 1_795_399_200)))
        #expect(
            try ModuleSpecs.restoreStep("drill: true\nsource: sqlite:/srv/app.db\n").drillSource == "sqlite:/srv/app.db"
        )
        #expect(throws: SpecError.self) { try ModuleSpecs.restoreStep("drill: true\nsource: sqlite:/a\nto: /b\n") }
    }
}
