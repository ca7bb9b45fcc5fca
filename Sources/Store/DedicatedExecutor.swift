import Foundation
import Synchronization

/// A task executor with one thread of its own, for the life of the process: where an engine's writes run
/// (``Storage/writeExecutor``).
///
/// A task that prefers it (`withTaskExecutorPreference`) never waits for a turn on the cooperative pool, which under
/// an alert storm is busy decoding requests, and may block this thread (and only it) on the database. The thread
/// only runs jobs that Swift enqueues here; it is not a loop doing work of its own.
public final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` is only touched under `condition`'s lock.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// Starts the executor's thread.
    public init(name: String) {
        // The thread holds the executor for the life of the process; only static instances are made.
        let thread = Thread { self.drain() }
        thread.name = name
        thread.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func drain() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let batch = jobs
            jobs.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }
}
