import Foundation
import Modules
import Store
import Synchronization

/// The slow half of `/health`: a committed write to the database, the free disk space and the configured
/// dependency checks. They run in the background every `interval`, and `/health` answers from the last result
/// with its age. Anyone can call `/health` without a token, so a call must never load the writer that alert
/// ingest depends on; and a result older than `staleAfter` is itself a failure (the checks stopped running).
actor HealthReporter {
    /// One round of the slow checks.
    struct Snapshot: Sendable {
        var at: Date
        var checks: [String: HealthRoutes.Check]
        var dependencies: HealthSummary?
    }

    let store: any Storage
    let dataDirectory: URL?
    let minFreeDiskBytes: Int
    let monitor: HealthMonitor
    let checks: [HealthCheck]
    let interval: Duration
    let now: @Sendable () -> Date
    /// The last round, readable without waiting for the actor: `/health` must answer while a round is stuck on
    /// a locked database or a hung disk (and then say so, through `freshness`).
    private let lastRound = Mutex<Snapshot?>(nil)
    private var inFlight: Task<Snapshot, Never>?
    /// A result older than this is reported as a failure: three intervals, so one slow round is tolerated.
    nonisolated let staleAfter: TimeInterval

    /// The last round, if any.
    nonisolated var last: Snapshot? { lastRound.withLock { $0 } }

    init(
        store: any Storage, dataDirectory: URL?, minFreeDiskBytes: Int, monitor: HealthMonitor, checks: [HealthCheck],
        interval: Duration = .seconds(5), now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.dataDirectory = dataDirectory
        self.minFreeDiskBytes = minFreeDiskBytes
        self.monitor = monitor
        self.checks = checks
        self.interval = interval
        self.now = now
        let components = interval.components
        staleAfter = 3 * (Double(components.seconds) + Double(components.attoseconds) / 1e18)
    }

    /// The last result, or a first one computed now when the background loop has not produced any yet.
    nonisolated func latest() async -> Snapshot {
        if let last { return last }
        return await refresh()
    }

    /// Runs the slow checks once; callers that arrive while a round is running share its result.
    @discardableResult
    func refresh() async -> Snapshot {
        if let inFlight { return await inFlight.value }
        let task = Task { await self.measure() }
        inFlight = task
        let snapshot = await task.value
        inFlight = nil
        lastRound.withLock { $0 = snapshot }
        return snapshot
    }

    /// The background loop, until cancelled.
    func run() async {
        while !Task.isCancelled {
            await refresh()
            try? await Task.sleep(for: interval)
        }
    }

    /// Sets the last result (tests use it to age a result without waiting).
    func record(_ snapshot: Snapshot) {
        lastRound.withLock { $0 = snapshot }
    }

    private func measure() async -> Snapshot {
        let at = now()
        var results: [String: HealthRoutes.Check] = [:]
        do {
            try await store.probeWrite(at: at, timeout: 1)
            results["database"] = HealthRoutes.Check(status: "ok", detail: "answers and takes writes")
        } catch {
            results["database"] = HealthRoutes.Check(
                status: "fail", detail: (error as? StoreError)?.message ?? "\(error)")
        }
        if let dataDirectory {
            results["disk"] = diskCheck(dataDirectory)
        }
        var dependencies: HealthSummary?
        if !checks.isEmpty {
            let summary = await monitor.run(checks)
            summary.results.forEach(HealthMetrics.record)
            dependencies = summary
        }
        return Snapshot(at: at, checks: results, dependencies: dependencies)
    }

    private func diskCheck(_ directory: URL) -> HealthRoutes.Check {
        var stats = statvfs()
        guard statvfs(directory.path, &stats) == 0 else {
            return HealthRoutes.Check(
                status: "fail", detail: "cannot read free space of \(directory.path): errno \(errno)")
        }
        let free = Int(stats.f_bavail) * Int(stats.f_frsize)
        return HealthRoutes.Check(
            status: free >= minFreeDiskBytes ? "ok" : "fail",
            detail: "\(free / (1 << 20)) MiB free in \(directory.path) (minimum \(minFreeDiskBytes / (1 << 20)) MiB)")
    }
}
