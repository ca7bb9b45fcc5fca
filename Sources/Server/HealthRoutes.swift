import Foundation
import Hummingbird
import Incidents
import Metrics
import Modules
import Notifications
import NIOCore
import Prometheus
import Store
import Views

/// `GET /health` (no token) and `GET /metrics` (Prometheus text, no token).
struct HealthRoutes {
    let store: Store
    let scheduler: EscalationScheduler
    let dispatcher: Dispatcher
    let dataDirectory: URL?
    let minFreeDiskBytes: Int
    let registry: PrometheusCollectorRegistry
    let monitor: HealthMonitor
    /// Dependency checks from `health.checks`.
    let checks: [HealthCheck]
    /// A tick older than this means the loop is stuck or stopped.
    static let staleAfter: TimeInterval = 10

    func register(on router: Router<FirebreakContext>) {
        router.get("health", use: health)
        router.get("metrics", use: metrics)
    }

    struct Check: Encodable {
        var status: String
        var detail: String
    }

    struct Report: Encodable {
        var status: String
        var checks: [String: Check]
        /// The configured dependency checks, when there are any.
        var dependencies: HealthSummaryJSON?
    }

    @Sendable func health(_ request: Request, context: FirebreakContext) async throws -> Response {
        var checks: [String: Check] = [:]
        let now = Date()
        do {
            try store.probeWrite(at: now)
            checks["database"] = Check(status: "ok", detail: "answers and takes writes")
        } catch let error as StoreError {
            checks["database"] = Check(status: "fail", detail: error.message)
        }
        checks["scheduler"] = Self.loop("escalation scheduler", await scheduler.lastTick, now: now)
        checks["dispatcher"] = Self.loop("notification dispatcher", await dispatcher.lastTick, now: now)
        if let dataDirectory {
            var stats = statvfs()
            if statvfs(dataDirectory.path, &stats) == 0 {
                let free = Int(stats.f_bavail) * Int(stats.f_frsize)
                checks["disk"] = Check(status: free >= minFreeDiskBytes ? "ok" : "fail",
                                       detail: "\(free / (1 << 20)) MiB free in \(dataDirectory.path) (minimum \(minFreeDiskBytes / (1 << 20)) MiB)")
            } else {
                checks["disk"] = Check(status: "fail", detail: "cannot read free space of \(dataDirectory.path): errno \(errno)")
            }
        }
        var dependencies: HealthSummary?
        if !self.checks.isEmpty {
            let summary = await monitor.run(self.checks)
            summary.results.forEach(HealthMetrics.record)
            dependencies = summary
        }
        let healthy = checks.values.allSatisfy { $0.status == "ok" } && dependencies?.status != .unhealthy
        let status = !healthy ? "fail" : dependencies?.status == .degraded ? "degraded" : "ok"
        return try jsonResponse(Report(status: status, checks: checks, dependencies: dependencies.map(HealthSummaryJSON.init)),
                                status: healthy ? .ok : .serviceUnavailable)
    }

    static func loop(_ name: String, _ lastTick: Date?, now: Date) -> Check {
        guard let lastTick else { return Check(status: "fail", detail: "the \(name) has not run yet") }
        let age = max(0, now.timeIntervalSince(lastTick))
        return age <= staleAfter
            ? Check(status: "ok", detail: String(format: "last ran %.1fs ago", age))
            : Check(status: "fail", detail: String(format: "last ran %.0fs ago (more than %.0fs)", age, staleAfter))
    }

    @Sendable func metrics(_ request: Request, context: FirebreakContext) async throws -> Response {
        // Gauges of what is stored are read at scrape time, so they are right after a restart too.
        if let incidents = try? store.incidentCounts() {
            for status in IncidentStatus.allCases {
                for severity in Severity.allCases {
                    Metrics.Gauge(label: "firebreak_incidents", dimensions: [("status", status.rawValue), ("severity", severity.rawValue)])
                        .record(incidents[status]?[severity] ?? 0)
                }
            }
        }
        if let runs = try? store.runCounts() {
            for status in RunStatus.allCases {
                Metrics.Gauge(label: "firebreak_runs", dimensions: [("status", status.rawValue)]).record(runs[status] ?? 0)
            }
        }
        if let notifications = try? store.notificationCounts() {
            for status in ["pending", "sent", "dead"] {
                Metrics.Gauge(label: "firebreak_notifications", dimensions: [("status", status)])
                    .record(notifications[NotificationRecord.Status(rawValue: status)!] ?? 0)
            }
        }
        HealthMetrics.record(breakers: await monitor.breakerStates)
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}

/// The process-wide metrics registry; swift-metrics can be bootstrapped once per process.
public enum FirebreakMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}
