import Config
import Foundation
import Incidents
import Logging
import Metrics
import Modules
import Store

/// Runs what `firebreak.yml` schedules: backups on cron expressions (each followed by a prune of its source) and
/// canaries on intervals. A failed scheduled backup, and a canary failing `failures` times in a row, raise an
/// internal alert through the webhook pipeline, so they open incidents and route to runbooks like any alert;
/// the next success resolves it.
actor ModuleScheduler {
    let config: FirebreakConfig
    let backups: BackupEngine
    let monitor: HealthMonitor
    let pipeline: AlertPipeline
    let logger: Logger
    let now: @Sendable () -> Date
    /// Who claims the slots this scheduler runs.
    let owner: ClaimOwner
    private var streaks: [String: Int] = [:]
    private var firing: Set<String> = []
    private var sequence = 0

    init(
        config: FirebreakConfig, backups: BackupEngine, monitor: HealthMonitor, pipeline: AlertPipeline, logger: Logger,
        owner: ClaimOwner = .current(), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.owner = owner
        self.config = config
        self.backups = backups
        self.monitor = monitor
        self.pipeline = pipeline
        self.logger = logger
        self.now = now
    }

    /// Runs every schedule and canary until cancelled. Each cron slot and canary tick is claimed first, so that
    /// with several nodes one of them takes it, and a slot that ran is never run again.
    func run() async {
        guard !config.backupSchedules.isEmpty || !config.canaries.isEmpty else { return }
        logger.info(
            "module scheduler started: \(config.backupSchedules.count) backup schedule(s), \(config.canaries.count) canary(ies)"
        )
        await withTaskGroup(of: Void.self) { group in
            for canary in config.canaries {
                group.addTask {
                    while !Task.isCancelled {
                        await self.claimed(.slot("canary:\(canary.check.name)", at: self.tick(canary.every))) {
                            await self.probe(canary)
                        }
                        try? await Task.sleep(for: canary.every)
                    }
                }
            }
            if !config.backupSchedules.isEmpty {
                group.addTask { await self.runBackups() }
            }
        }
    }

    /// The start of the current tick of a canary that runs `every`: the slot all nodes agree on.
    nonisolated func tick(_ every: Duration) -> Date {
        let seconds = max(1, Double(every.components.seconds))
        return Date(timeIntervalSince1970: (now().timeIntervalSince1970 / seconds).rounded(.down) * seconds)
    }

    /// Runs `body` when this process wins the claim on `slot`, and marks the slot done after it.
    private func claimed(_ slot: WorkItem, _ body: () async -> Void) async {
        let store = backups.store
        do {
            guard let claim = try await store.claim(slot, owner: owner, lease: 3600, at: now()) else {
                logger.debug("\(slot) is taken by another node")
                return
            }
            await body()
            try await store.release(claim, completed: true)
        } catch {
            logger.error("cannot claim \(slot): \(error)")
        }
    }

    private func runBackups() async {
        var due = config.backupSchedules.map { $0.cron.next(after: now()) }
        while !Task.isCancelled {
            for (index, schedule) in config.backupSchedules.enumerated() {
                guard let time = due[index], time <= now() else { continue }
                await claimed(.slot("backup:\(schedule.source)", at: time)) { await backup(schedule) }
                due[index] = schedule.cron.next(after: max(time, now()))
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Takes one scheduled backup, prunes its source, and raises or resolves the `BackupFailed` alert.
    func backup(_ schedule: BackupSchedule) async {
        let source = schedule.source.description
        let key = "backup:\(source)"
        do {
            let backup = try await backups.create(schedule.source, retention: schedule.retention, reason: "scheduled")
            Metrics.Counter(label: "firebreak_backups_total", dimensions: [("status", "ok")]).increment()
            Metrics.Gauge(label: "firebreak_backup_last_success_timestamp_seconds", dimensions: [("source", source)])
                .record(backup.createdAt.timeIntervalSince1970)
            logger.info("scheduled backup \(backup.id) of \(source): \(backup.bytes) bytes")
            let pruned = try await backups.prune(retention: schedule.retention, source: source)
            if !pruned.deleted.isEmpty { logger.info("pruned \(pruned.deleted.count) backup(s) of \(source)") }
            await raise(
                key: key, firing: false, name: "BackupFailed", labels: ["source": source], summary: "", severity: .p2)
        } catch {
            Metrics.Counter(label: "firebreak_backups_total", dimensions: [("status", "failed")]).increment()
            logger.error("scheduled backup of \(source) failed: \(error.message)")
            await raise(
                key: key, firing: true, name: "BackupFailed", labels: ["source": source],
                summary: "Scheduled backup of \(source) failed: \(error.message)", severity: .p2)
        }
    }

    /// Runs a canary's check once and raises its alert on the `failures`-th failure in a row; resolves it on the
    /// first success after.
    func probe(_ canary: Canary) async {
        let result = await monitor.check(canary.check)
        HealthMetrics.record(result)
        let name = canary.check.name
        if result.status == .unhealthy {
            let streak = (streaks[name] ?? 0) + 1
            streaks[name] = streak
            logger.warning("canary \(name) failed (\(streak) in a row): \(result.message)")
            if streak >= canary.failures {
                await raise(
                    key: "canary:\(name)", firing: true, name: "CanaryFailed",
                    labels: ["check": name, "kind": result.kind],
                    summary: "Canary \(name) failed \(streak) times in a row: \(result.message)",
                    severity: canary.severity)
            }
        } else {
            streaks[name] = 0
            await raise(
                key: "canary:\(name)", firing: false, name: "CanaryFailed",
                labels: ["check": name, "kind": result.kind],
                summary: "", severity: canary.severity)
        }
    }

    /// Sends an internal alert (source `firebreak`) through the pipeline; a resolve is sent only for an alert this
    /// scheduler raised, and a firing alert only once until it resolves.
    private func raise(
        key: String, firing: Bool, name: String, labels: [String: String], summary: String, severity: Severity
    ) async {
        guard firing != self.firing.contains(key) else { return }
        var alertLabels = labels
        alertLabels["priority"] = severity.rawValue
        let alert = Alert(
            source: "firebreak", key: key, status: firing ? .firing : .resolved, name: name,
            labels: alertLabels, annotations: summary.isEmpty ? [:] : ["summary": summary],
            summary: summary.isEmpty ? nil : summary, startsAt: now(), endsAt: firing ? nil : now())
        sequence += 1
        do {
            let outcome = try await pipeline.ingest(
                .alerts(AlertBatch(groupKey: key, alerts: [alert])), requestID: "scheduler-\(sequence)")
            if firing { self.firing.insert(key) } else { self.firing.remove(key) }
            logger.notice(
                "\(firing ? "raised" : "resolved") internal alert \(name) (\(key)): \(outcome.incidents.joined(separator: ", "))"
            )
        } catch {
            logger.error("cannot record internal alert \(name) (\(key)): \(error)")
        }
    }
}

/// Gauges of health checks and their circuit breakers, for `/metrics`.
enum HealthMetrics {
    static func record(_ result: HealthResult) {
        Metrics.Gauge(label: "firebreak_health_check_status", dimensions: [("check", result.name)])
            .record(Double(HealthStatus.allCases.firstIndex(of: result.status) ?? 2))
        Metrics.Gauge(label: "firebreak_health_check_latency_ms", dimensions: [("check", result.name)]).record(
            Double(result.latencyMs))
    }

    static func record(breakers: [String: String]) {
        for (target, state) in breakers {
            Metrics.Gauge(label: "firebreak_circuit_breaker_state", dimensions: [("target", target)])
                .record(state == "closed" ? 0 : state == "half-open" ? 1 : 2)
        }
    }
}
