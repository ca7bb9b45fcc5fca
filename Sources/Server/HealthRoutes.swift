import Foundation
import Hummingbird
import Incidents
import Metrics
import Modules
import NIOCore
import Notifications
import Prometheus
import Store
import Synchronization
import Views

/// `GET /health` (no token) and `GET /metrics` (Prometheus text, no token).
struct HealthRoutes {
    let store: any Storage
    let scheduler: EscalationScheduler
    let dispatcher: Dispatcher
    let pipeline: AlertPipeline
    let reporter: HealthReporter
    let registry: PrometheusCollectorRegistry
    let monitor: HealthMonitor
    /// A tick older than this means the loop is stuck or stopped.
    static let staleAfter: TimeInterval = 10

    func register(on router: RouterGroup<FirebreakContext>) {
        router.get("health", use: health)
        router.get("metrics", use: metrics)
    }

    struct Check: Encodable {
        var status: String
        var detail: String
    }

    struct Report: Encodable {
        var status: String
        /// When the database, disk and dependency checks last ran.
        var checkedAt: Date
        /// Their age in seconds.
        var ageSeconds: Double
        var checks: [String: Check]
        /// The configured dependency checks, when there are any.
        var dependencies: HealthSummaryJSON?

    }

    @Sendable func health(_ request: Request, context: FirebreakContext) async throws -> Response {
        let snapshot = await reporter.latest()
        let now = Date()
        var checks = snapshot.checks
        let age = max(0, now.timeIntervalSince(snapshot.at))
        checks["freshness"] = Self.freshness(age: age, staleAfter: reporter.staleAfter)
        checks["scheduler"] = Self.loop("escalation scheduler", await scheduler.lastTick, now: now)
        checks["dispatcher"] = Self.loop("notification dispatcher", await dispatcher.lastTick, now: now)
        checks["ingest"] = Self.ingest(busyFor: pipeline.busyFor(now: now))
        let dependencies = snapshot.dependencies
        let healthy = checks.values.allSatisfy { $0.status == "ok" } && dependencies?.status != .unhealthy
        let status = !healthy ? "fail" : dependencies?.status == .degraded ? "degraded" : "ok"
        let report = Report(
            status: status, checkedAt: snapshot.at, ageSeconds: (age * 10).rounded() / 10,
            checks: checks, dependencies: dependencies.map(HealthSummaryJSON.init))
        return try jsonResponse(report, status: healthy ? .ok : .serviceUnavailable)
    }

    /// Whether the background checks still run: their last result must be younger than `staleAfter`.
    static func freshness(age: TimeInterval, staleAfter: TimeInterval) -> Check {
        age <= staleAfter
            ? Check(status: "ok", detail: String(format: "database, disk and dependency checks ran %.1fs ago", age))
            : Check(
                status: "fail",
                detail: String(
                    format: "the background health checks last ran %.0fs ago (more than %.0fs); they have stopped", age,
                    staleAfter))
    }

    /// The alert writer: a batch that has been committing for more than `staleAfter` means webhooks hang.
    static func ingest(busyFor: TimeInterval?) -> Check {
        guard let busyFor else { return Check(status: "ok", detail: "idle, waiting for alerts") }
        return busyFor <= staleAfter
            ? Check(status: "ok", detail: String(format: "committing a batch for %.1fs", busyFor))
            : Check(
                status: "fail",
                detail: String(
                    format: "a batch of alerts has been committing for %.0fs; webhooks are not answered", busyFor))
    }

    static func loop(_ name: String, _ lastTick: Date?, now: Date) -> Check {
        guard let lastTick else { return Check(status: "fail", detail: "the \(name) has not run yet") }
        let age = max(0, now.timeIntervalSince(lastTick))
        return age <= staleAfter
            ? Check(status: "ok", detail: String(format: "last ran %.1fs ago", age))
            : Check(status: "fail", detail: String(format: "last ran %.0fs ago (more than %.0fs)", age, staleAfter))
    }

    @Sendable func metrics(_ request: Request, context: FirebreakContext) async throws -> Response {
        // Gauges of what is stored are read at scrape time, so they are right after a restart too. They are
        // recorded and emitted under one lock: the registry is the process's, and two scrapes (two servers in
        // one test process) must not interleave their gauges.
        let incidents = try? await store.incidentCounts()
        let runs = try? await store.runCounts()
        let notifications = try? await store.notificationCounts()
        let breakers = await monitor.breakerStates
        let buffer = FirebreakMetrics.scrape.withLock { _ -> [UInt8] in
            if let incidents {
                for status in IncidentStatus.allCases {
                    for severity in Severity.allCases {
                        Metrics.Gauge(
                            label: "firebreak_incidents",
                            dimensions: [("status", status.rawValue), ("severity", severity.rawValue)]
                        )
                        .record(incidents[status]?[severity] ?? 0)
                    }
                }
            }
            if let runs {
                for status in RunStatus.allCases {
                    Metrics.Gauge(label: "firebreak_runs", dimensions: [("status", status.rawValue)]).record(
                        runs[status] ?? 0)
                }
            }
            if let notifications {
                for status in ["pending", "sent", "dead"] {
                    Metrics.Gauge(label: "firebreak_notifications", dimensions: [("status", status)])
                        .record(notifications[NotificationRecord.Status(rawValue: status)!] ?? 0)
                }
            }
            HealthMetrics.record(breakers: breakers)
            var buffer: [UInt8] = []
            registry.emit(into: &buffer)
            return buffer
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}

/// The process-wide metrics registry; swift-metrics can be bootstrapped once per process.
public enum FirebreakMetrics {
    /// Held while a scrape records the stored gauges and emits the registry.
    static let scrape = Mutex(())

    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
