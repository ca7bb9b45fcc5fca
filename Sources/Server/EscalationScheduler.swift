import Foundation
import Incidents
import Logging
import Metrics
import Store

/// Fires escalations whose time has come. The timers are the incidents' `escalation_due_at` in SQLite, so a server
/// restarted late fires what is overdue at its first tick. Each escalation is decided inside the transaction that
/// writes it, and the engine refuses a timer that is no longer due, so a level fires once.
public actor EscalationScheduler {
    let store: Store
    let engine: IncidentEngine
    let logger: Logger
    let interval: Duration
    let now: @Sendable () -> Date
    /// When the scheduler last looked for due escalations.
    public private(set) var lastTick: Date?

    public init(
        store: Store, engine: IncidentEngine, logger: Logger, interval: Duration = .milliseconds(250),
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.engine = engine
        self.logger = logger
        self.interval = interval
        self.now = now
    }

    /// Ticks until cancelled.
    public func run() async {
        logger.info("escalation scheduler started")
        while !Task.isCancelled {
            tick()
            try? await Task.sleep(for: interval)
        }
        logger.info("escalation scheduler stopped")
    }

    /// Fires every due escalation; returns the ids of the incidents that escalated.
    @discardableResult
    public func tick() -> [String] {
        let time = now()
        lastTick = time
        let due: [String]
        do {
            due = try store.dueEscalations(at: time)
        } catch {
            logger.error("cannot read due escalations: \(error)")
            return []
        }
        var fired: [String] = []
        for id in due {
            do {
                let engine = self.engine
                let transition = try store.updateIncident(id: id, at: time) { try engine.escalate($0, at: time) }
                fired.append(id)
                let level =
                    transition.effects.compactMap { effect -> String? in
                        if case .record(let entry) = effect, entry.kind == "escalated" { return entry.details["level"] }
                        return nil
                    }.first ?? "?"
                Counter(
                    label: "firebreak_escalations_fired_total",
                    dimensions: [("severity", transition.incident.severity.rawValue)]
                ).increment()
                logger.warning("incident escalated to level \(level)", metadata: ["incident.id": .string(id)])
            } catch let error as IncidentError where error.code == .notDue {
                // Acknowledged or re-planned since it was read: nothing to do.
            } catch {
                logger.error("cannot escalate: \(error)", metadata: ["incident.id": .string(id)])
            }
        }
        return fired
    }
}
