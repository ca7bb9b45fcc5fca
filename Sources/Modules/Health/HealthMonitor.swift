import Basics
import Foundation
import Incidents
import Store

/// Runs health checks with retries and a circuit breaker per target. A breaker opens after
/// ``BreakerSettings/failures`` failed checks of its target, fails checks fast while open, lets trials through
/// after the cool-down (half-open) and closes after ``BreakerSettings/successes`` successes in a row.
///
/// ```swift
/// let monitor = HealthMonitor(store: store)
/// let summary = await monitor.run(checks)   // concurrently
/// ```
public actor HealthMonitor {
    let store: (any Storage)?
    let settings: BreakerSettings
    let now: @Sendable () -> Date
    private var breakers: [String: CircuitBreaker] = [:]

    public init(
        store: (any Storage)? = nil, breaker: BreakerSettings = BreakerSettings(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.settings = breaker
        self.now = now
    }

    /// Every breaker's state by target: `closed`, `open` or `half-open`.
    public var breakerStates: [String: String] {
        breakers.mapValues(\.stateName)
    }

    /// Runs every check concurrently and aggregates them; results keep the order of `checks`.
    public func run(_ checks: [HealthCheck]) async -> HealthSummary {
        let results = await withTaskGroup(of: (Int, HealthResult).self) { group in
            for (index, check) in checks.enumerated() {
                group.addTask { (index, await self.check(check)) }
            }
            var results: [(Int, HealthResult)] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.0 < $1.0 }.map(\.1)
        }
        return HealthSummary(results: results)
    }

    /// Runs one check: fails fast while its target's breaker is open, otherwise tries up to `retries + 1` times
    /// with exponential backoff, then updates the breaker.
    public func check(_ check: HealthCheck) async -> HealthResult {
        let target = check.probe.target
        var breaker =
            breakers[target]
            ?? CircuitBreaker(
                threshold: settings.failures, cooldown: Double(settings.cooldown.milliseconds) / 1000,
                successesToClose: settings.successes)
        if let until = breaker.permit(at: now()) {
            breakers[target] = breaker
            return HealthResult(
                name: check.name, kind: check.probe.kind, status: .unhealthy, latencyMs: 0,
                message:
                    "circuit open after repeated failures of \(target); failing fast until \(Retention.format(until))",
                attempts: 0, breaker: breaker.stateName, critical: check.critical)
        }
        breakers[target] = breaker
        var attempts = 0
        var outcome: (HealthStatus, String) = (.unhealthy, "")
        var latency: Int64 = 0
        let clock = ContinuousClock()
        while true {
            attempts += 1
            let start = clock.now
            outcome = await Probes.run(check, store: store, now: now())
            latency = (clock.now - start).milliseconds
            if outcome.0 != .unhealthy || attempts > check.retries { break }
            try? await Task.sleep(for: check.retryDelay * (1 << min(attempts - 1, 10)))
        }
        if outcome.0 == .healthy, let slow = check.degradedAfter, latency > slow.milliseconds {
            outcome = (.degraded, outcome.1 + " in \(latency)ms, slower than \(DurationParser.format(slow))")
        }
        breaker = breakers[target] ?? breaker
        if outcome.0 == .unhealthy { breaker.failed(at: now()) } else { breaker.succeeded() }
        breakers[target] = breaker
        return HealthResult(
            name: check.name, kind: check.probe.kind, status: outcome.0, latencyMs: latency,
            message: outcome.1, attempts: attempts, breaker: breaker.stateName, critical: check.critical)
    }
}
