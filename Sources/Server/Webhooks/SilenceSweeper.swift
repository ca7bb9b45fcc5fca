import Foundation
import Incidents
import Logging
import ServiceLifecycle
import Store

/// Lets held-back alerts through when their silence or maintenance window has ended: each one still firing goes
/// through the alert pipeline again, and opens (or joins) its incident with a `silence_ended` entry.
public final class SilenceSweeper: Service, Sendable {
    let store: any Storage
    let pipeline: AlertPipeline
    let windows: [MaintenanceWindow]
    let logger: Logger
    let interval: Duration
    let now: @Sendable () -> Date

    init(
        store: any Storage, pipeline: AlertPipeline, windows: [MaintenanceWindow], logger: Logger,
        interval: Duration = .seconds(2), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.pipeline = pipeline
        self.windows = windows
        self.logger = logger
        self.interval = interval
        self.now = now
    }

    public func run() async {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            await sweep()
            let interval = self.interval
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One round; returns how many alerts were let through.
    @discardableResult
    public func sweep() async -> Int {
        let time = now()
        do {
            let held = try await store.silencedAlerts()
            guard !held.isEmpty else { return 0 }
            let silences = try await store.silences(endingAfter: time)
            var released = 0
            for record in held
            where Quiet.find(record.alert, severity: record.severity, silences: silences, windows: windows, at: time)
                == nil
            {
                // The transaction re-reads the held row: a resolve committed since this read has removed it.
                let summary = try await pipeline.ingest(
                    .release(incidentKey: record.incidentKey, alertKey: record.alert.key), requestID: "silence-ended")
                if summary.alerts > 0, summary.silenced.isEmpty { released += 1 }
            }
            return released
        } catch {
            logger.error("cannot let silenced alerts through: \(error)")
            return 0
        }
    }
}
