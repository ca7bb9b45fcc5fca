import Foundation
import Incidents
import Logging
import Metrics
import ServiceLifecycle
import Store

/// Fires escalations whose time has come. The timers are the incidents' `escalation_due_at` in the store, so a server
/// restarted late fires what is overdue at its first tick. Each escalation is decided inside the transaction that
/// writes it, and the engine refuses a timer that is no longer due, so a level fires once.
public actor EscalationScheduler: Service {
    let store: any Storage
    let engine: IncidentEngine
    /// Resolves `user:` and `schedule:` targets when a level fires.
    let directory: OnCallDirectory?
    let logger: Logger
    let interval: Duration
    let now: @Sendable () -> Date
    /// Who claims the timers this scheduler fires, and for how long.
    let owner: ClaimOwner
    let lease: TimeInterval
    /// When the scheduler last looked for due escalations.
    public private(set) var lastTick: Date?

    public init(
        store: any Storage, engine: IncidentEngine, directory: OnCallDirectory? = nil, logger: Logger,
        interval: Duration = .milliseconds(250),
        owner: ClaimOwner = .current(), lease: TimeInterval = 30, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.owner = owner
        self.lease = lease
        self.store = store
        self.engine = engine
        self.directory = directory
        self.logger = logger
        self.interval = interval
        self.now = now
    }

    /// Ticks until graceful shutdown or cancellation.
    public func run() async {
        logger.info("escalation scheduler started")
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await tick()
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        logger.info("escalation scheduler stopped")
    }

    /// Claims and fires every due escalation; returns the ids of the incidents that escalated.
    @discardableResult
    public func tick() async -> [String] {
        let time = now()
        lastTick = time
        let due: [Claim]
        do {
            due = try await store.claimDueEscalations(at: time, owner: owner, lease: lease, limit: 100)
        } catch {
            logger.error("cannot read due escalations: \(error)")
            return []
        }
        var fired: [String] = []
        for claim in due {
            let id = claim.work.key
            do {
                let engine = self.engine
                let roster = try await roster(for: id, at: time)
                let transition = try await store.updateIncident(id: id, at: time, requestID: nil, claim: claim) {
                    try engine.escalate($0, at: time, roster: roster)
                }
                fired.append(id)
                let level =
                    transition.effects.compactMap { effect -> String? in
                        if case .record(let entry) = effect, entry.kind == .escalated { return entry.details["level"] }
                        return nil
                    }.first ?? "?"
                Counter(
                    label: "firebreak_escalations_fired_total",
                    dimensions: [("severity", transition.incident.severity.rawValue)]
                ).increment()
                logger.warning("incident escalated to level \(level)", metadata: ["incident.id": .string(id)])
            } catch let error as IncidentError where error.code == .notDue {
                // Acknowledged or re-planned since it was read: nothing to do but give the claim back.
                try? await store.release(claim)
            } catch {
                try? await store.release(claim)
                logger.error("cannot escalate: \(error)", metadata: ["incident.id": .string(id)])
            }
        }
        return fired
    }

    /// Whom the incident's due level pages, resolved now (a schedule pages whoever is on call as the level fires).
    private func roster(for id: String, at time: Date) async throws -> [String: [Recipient]] {
        guard let directory else { return [:] }
        let incident = try await store.incident(id: id)
        guard let state = incident.escalation, let policy = engine.policy.escalationPolicies[state.policy],
            state.nextLevel < policy.levels.count
        else { return [:] }
        return try await directory.roster(for: policy.levels[state.nextLevel].notify, at: time)
    }
}
