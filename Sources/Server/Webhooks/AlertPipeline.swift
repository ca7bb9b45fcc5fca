import Basics
import Foundation
import Incidents
import Logging
import Metrics
import ServiceLifecycle
import Store
import Synchronization
import Workflows

/// What one webhook delivery carries.
enum IngestRequest: Sendable {
    /// Alerts to fire or resolve.
    case alerts(AlertBatch)
    /// A sender acknowledged the incident with this key (PagerDuty `acknowledge`).
    case acknowledge(source: String, key: String)
    /// A held-back alert whose quiet has ended: let through if it is still held when the transaction reads it (a
    /// resolve committed meanwhile has removed it).
    case release(incidentKey: String, alertKey: String)
}

/// What one delivery did, for the sender's answer.
struct IngestSummary: Sendable {
    var alerts = 0
    var incidents: [String] = []
    var outcomes: [String: Int] = [:]
    var runs: [String] = []
    /// Runs created by the commit, started once it is durable.
    var starts: [(id: Int64, params: [String: String])] = []
    /// What held back the alerts a silence or maintenance window matched.
    var silenced: [String] = []
}

/// Webhook deliveries to durable incidents and started runs. Deliveries that arrive together are written in one
/// transaction (group commit): each request is answered only after the commit that holds it, so a 2xx always
/// means the alert is on disk, and one fsync covers many requests.
///
/// The single writer is ``run()``, a service of the server's group: it takes everything queued, commits it through
/// ``AlertStorage/ingest(_:)`` (whose transaction runs on the engine's own queue, not the cooperative pool) and
/// answers every request in it. On graceful shutdown it commits what is queued, then refuses new deliveries.
final class AlertPipeline: Service, Sendable {
    private struct Pending: Sendable {
        var request: IngestRequest
        var requestID: String
        var continuation: CheckedContinuation<IngestSummary, any Error>
    }

    private struct Queue {
        var pending: [Pending] = []
        var stopped = false
    }

    let store: any Storage
    let ingestor: AlertIngestor
    let routes: RouteTable
    let launcher: RunLauncher
    let logger: Logger
    /// Recurring quiet periods from firebreak.yml.
    let maintenanceWindows: [MaintenanceWindow]
    private let queue = Mutex(Queue())
    /// When the batch being committed started, or `nil` while the writer waits; `/health` reads it.
    private let committingSince = Mutex<Date?>(nil)
    /// Wakes the writer: one element stands for "something was queued".
    private let signals: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation
    private let maxBatch = 1024
    private let counters: [AlertDecision.Outcome: Counter]
    /// The server's environment, read once: `FIREBREAK_PARAM_NAME` supplies params (secrets) to alert-started runs.
    private let environment = ProcessInfo.processInfo.environment
    private let batches = Counter(label: "firebreak_alert_batches_total")

    init(
        store: any Storage, engine: IncidentEngine, policy: AlertPolicy, routes: RouteTable, launcher: RunLauncher,
        maintenanceWindows: [MaintenanceWindow] = [], logger: Logger
    ) {
        self.store = store
        self.maintenanceWindows = maintenanceWindows
        ingestor = AlertIngestor(engine: engine, policy: policy)
        self.routes = routes
        self.launcher = launcher
        self.logger = logger
        counters = Dictionary(
            uniqueKeysWithValues: AlertDecision.Outcome.allCases.map {
                ($0, Counter(label: "firebreak_alerts_total", dimensions: [("outcome", $0.rawValue)]))
            })
        (signals, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Queues a delivery and returns once it is committed and its runs are scheduled.
    /// - Throws: ``StoreError`` `.unavailable` once the server is shutting down.
    func ingest(_ request: IngestRequest, requestID: String) async throws -> IngestSummary {
        let summary = try await commitLater(request, requestID: requestID)
        for start in summary.starts { await launcher.enqueue(runID: start.id, params: start.params) }
        return summary
    }

    private func commitLater(_ request: IngestRequest, requestID: String) async throws -> IngestSummary {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = queue.withLock { queue -> Bool in
                guard !queue.stopped else { return false }
                queue.pending.append(Pending(request: request, requestID: requestID, continuation: continuation))
                return true
            }
            guard accepted else {
                continuation.resume(
                    throwing: StoreError(.unavailable, "the server is shutting down; deliver the alert again"))
                return
            }
            signal.yield()
        }
    }

    /// The single writer, until graceful shutdown; then it commits what is queued and stops taking deliveries.
    /// It runs on the engine's write executor when it has one (SQLite's write thread), so a batch reaches the
    /// database without waiting for a turn on the cooperative pool, and is answered from there.
    func run() async {
        await withTaskExecutorPreference(store.writeExecutor) {
            await withGracefulShutdownHandler {
                for await _ in signals {
                    await commitQueued()
                }
            } onGracefulShutdown: {
                self.signal.finish()
            }
            queue.withLock { $0.stopped = true }
            await commitQueued()
        }
    }

    private func commitQueued() async {
        while case let batch = take(), !batch.isEmpty {
            committingSince.withLock { $0 = Date() }
            await commit(batch)
            committingSince.withLock { $0 = nil }
        }
    }

    /// How long the batch being committed has taken so far, or `nil` when the writer is waiting for work.
    /// A long time means ingest is stalled (a hung database, or a pathological runbook in routing).
    func busyFor(now: Date = Date()) -> TimeInterval? {
        committingSince.withLock { $0 }.map { max(0, now.timeIntervalSince($0)) }
    }

    /// Up to `maxBatch` queued deliveries, oldest first.
    private func take() -> [Pending] {
        queue.withLock { queue -> [Pending] in
            let taken = Array(queue.pending.prefix(maxBatch))
            queue.pending.removeFirst(taken.count)
            return taken
        }
    }

    private func commit(_ batch: [Pending]) async {
        let now = Date()
        let table = routes.current(now: now)
        let router = AlertRouter(candidates: table.candidates, policy: ingestor.policy)
        let executor = launcher.makeExecutor(logger)
        let results: [Result<IngestSummary, any Error>]
        do {
            results = try await store.ingest { tx in
                // Read once per batch, in its transaction: a silence committed before the batch applies to all of it.
                let silences = try tx.activeSilences(at: now)
                return batch.map { pending in
                    Result {
                        try tx.savepoint {
                            try self.apply(
                                pending.request, requestID: pending.requestID, tx: tx, router: router,
                                table: table, executor: executor, silences: silences, at: now)
                        }
                    }
                }
            }
        } catch {
            logger.error("alert batch of \(batch.count) could not be committed: \(error)")
            for pending in batch { pending.continuation.resume(throwing: error) }
            return
        }
        batches.increment()
        for (pending, result) in zip(batch, results) { pending.continuation.resume(with: result) }
    }

    private func apply(
        _ request: IngestRequest, requestID: String, tx: any AlertTransaction, router: AlertRouter,
        table: RouteTable.Snapshot, executor: Executor, silences: [Silence], at now: Date
    ) throws -> IngestSummary {
        var summary = IngestSummary()
        switch request {
        case .acknowledge(let source, let key):
            let snapshot = try tx.snapshot(incidentKey: source + ":" + key, alertKey: key)
            let decision = ingestor.acknowledge(snapshot, by: source, at: now)
            try tx.store(
                decision, alert: Alert(source: source, key: key, status: .firing, name: key),
                severity: snapshot.incident?.severity ?? .p3, at: now, requestID: requestID)
            note(decision, in: &summary)
        case .release(let incidentKey, let alertKey):
            guard let held = try tx.releaseSilenced(incidentKey: incidentKey, alertKey: alertKey) else { break }
            summary = try applyAlerts(
                AlertBatch(groupKey: held.groupKey, alerts: [held.alert]), released: held, requestID: requestID,
                tx: tx, router: router, table: table, executor: executor, silences: silences, at: now)
        case .alerts(let batch):
            summary = try applyAlerts(
                batch, released: nil, requestID: requestID, tx: tx, router: router, table: table, executor: executor,
                silences: silences, at: now)
        }
        return summary
    }

    /// The alerts of one delivery (or one released alert): decided, quietened, stored and routed.
    private func applyAlerts(
        _ batch: AlertBatch, released: SilencedAlertRecord?, requestID: String, tx: any AlertTransaction,
        router: AlertRouter, table: RouteTable.Snapshot, executor: Executor, silences: [Silence], at now: Date
    ) throws -> IngestSummary {
        var summary = IngestSummary()
        do {
            for alert in batch.alerts {
                summary.alerts += 1
                let incidentKey = batch.incidentKey(for: alert)
                let snapshot = try tx.snapshot(incidentKey: incidentKey, alertKey: alert.key)
                let severity = router.severity(of: alert)
                var decision = ingestor.decide(
                    alert, incidentKey: incidentKey, severity: severity, snapshot: snapshot,
                    newID: { (try? tx.nextIncidentID()) ?? "INC-0" }, at: now)
                let quiet = Quiet.find(
                    alert, severity: severity, silences: silences, windows: maintenanceWindows, at: now)
                let effect = try quieten(
                    &decision, alert: alert, batch: batch, snapshot: snapshot, severity: severity, quiet: quiet,
                    released: released, tx: tx, at: now)
                if case .held(let label) = effect {
                    summary.outcomes[AlertDecision.Outcome.silenced.rawValue, default: 0] += 1
                    counters[.silenced]?.increment()
                    summary.silenced.append(label)
                    continue
                }
                try tx.store(decision, alert: alert, severity: severity, at: now, requestID: requestID)
                note(decision, in: &summary)
                // A quiet alert joining an open incident is on its timeline, and starts nothing.
                guard effect != .joinedQuietly, decision.routes, let incident = decision.transition?.incident
                else { continue }
                try route(
                    alert, incident: incident, router: router, table: table, executor: executor, tx: tx,
                    requestID: requestID, summary: &summary, at: now)
            }
        }
        return summary
    }

    /// Counts a decision's outcome in the delivery's answer and the metrics.
    private func note(_ decision: AlertDecision, in summary: inout IngestSummary) {
        summary.outcomes[decision.outcome.rawValue, default: 0] += 1
        counters[decision.outcome]?.increment()
        if let id = decision.transition?.incident.id, !summary.incidents.contains(id) {
            summary.incidents.append(id)
        }
    }

    /// Routes a newly firing alert to runbooks: each decision on the timeline, and the runs to start created in the
    /// same transaction (started once it is durable).
    private func route(
        _ alert: Alert, incident: Incident, router: AlertRouter, table: RouteTable.Snapshot, executor: Executor,
        tx: any AlertTransaction, requestID: String, summary: inout IngestSummary, at now: Date
    ) throws {
        let since = now.addingTimeInterval(-router.policy.runWindow.seconds)
        let decisions = try router.decide(
            alert, alreadyRan: { try tx.hasRun(incidentID: incident.id, runbook: $0) },
            recentRuns: { try tx.automaticRuns(runbook: $0, since: since) })
        for route in decisions {
            var entry = route.entry(for: alert, at: now)
            if route.start {
                if let loaded = table.runbooks[route.runbook] {
                    do {
                        let params = try ParamResolver.resolve(
                            route.params, for: loaded.runbook, environment: environment)
                        let (run, steps) = executor.prepareRun(
                            runbook: loaded.runbook, source: loaded.source,
                            path: URL(fileURLWithPath: loaded.path).standardizedFileURL.path, params: params,
                            incidentID: incident.id, alert: alert.context)
                        let created = try tx.createRun(run, steps: steps)
                        entry = route.entry(for: alert, at: now, runID: created.displayID)
                        summary.starts.append((created.id!, params))
                        summary.runs.append(created.displayID)
                    } catch let error as WorkflowError {
                        entry = RouteDecision(
                            runbook: route.runbook, start: false,
                            reason: "cannot start: \(error.message)"
                        ).entry(for: alert, at: now)
                    }
                } else {
                    entry = RouteDecision(
                        runbook: route.runbook, start: false,
                        reason: "no lint-clean runbook with this id in the runbooks directory"
                    )
                    .entry(for: alert, at: now)
                }
            }
            try tx.append(entry, to: incident.id, requestID: requestID)
        }
    }
}
