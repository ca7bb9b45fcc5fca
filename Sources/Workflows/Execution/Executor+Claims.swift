import Foundation
import Logging
import Store

/// The executor's claim on the run it executes: taken before the first commit, renewed by a heartbeat.
extension Executor {
    /// Claims the run for this process. Holding the run's lock proves that no process on this host executes it, so
    /// a claim left by one (it died) is taken over at once; another host's claim only once its lease has expired.
    func claimRun(_ runID: Int64) async throws -> Claim {
        let owner = configuration.owner
        let work = WorkItem.run(runID)
        if let claim = try await store.claim(
            work, owner: owner, lease: configuration.lease, at: Date(), takingOverFrom: { $0.host == owner.host })
        {
            return claim
        }
        let holder = try await store.currentClaim(on: work)
        throw WorkflowError(
            .conflict,
            "run \(RunRecord.displayID(runID)) is being executed by \(holder.map { "\($0.owner)" } ?? "another process")"
                + (holder.map { " (its lease runs until \(ISO8601DateFormatter().string(from: $0.expiresAt)))" } ?? "")
                + "; wait for it, or cancel it with 'firebreak runs cancel \(RunRecord.displayID(runID))'")
    }

    /// Runs `body` while a child task renews `claim` every third of the lease.
    func withHeartbeat<T: Sendable>(_ claim: Claim, _ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.heartbeat(claim) }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    /// Renews the claim every third of the lease. A failed renewal (a busy database) is retried every second
    /// while the lease lasts; a claim taken over ends the heartbeat, and the next commit's fence stops the run.
    func heartbeat(_ claim: Claim) async {
        var current = claim
        var wait = Duration.seconds(configuration.lease / 3)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: wait)
                current = try await store.renew(current, lease: configuration.lease, at: Date())
                wait = .seconds(configuration.lease / 3)
            } catch is CancellationError {
                return
            } catch let error as StoreError where error.code == .claimLost {
                logger.error(
                    "the run's claim was taken over: \(error.message)", metadata: ["run.id": "\(claim.work.key)"])
                return
            } catch {
                logger.warning(
                    "cannot renew the run's claim, retrying: \(error)", metadata: ["run.id": "\(claim.work.key)"])
                wait = .seconds(1)
            }
        }
    }
}
