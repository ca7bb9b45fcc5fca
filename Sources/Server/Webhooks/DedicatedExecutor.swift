import Foundation
import Synchronization

/// A task executor with one thread of its own, for the alert writer.
///
/// The writer's task runs with this executor as its preference (`withTaskExecutorPreference`), so it never waits
/// for a turn on the cooperative pool, which under an alert storm is busy decoding requests: the moment a commit's
/// continuation resumes, the writer answers the batch and starts the next. Measured with `scripts/bench/ingest.sh`,
/// a writer task on the shared pool committed a third fewer unique alerts per second than one on its own thread.
/// The thread only runs jobs that Swift enqueues here; it is not a loop doing work of its own.
final class DedicatedExecutor: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs` is only touched under `condition`'s lock.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []

    /// Starts the executor's thread.
    init(name: String) {
        let thread = Thread { [unowned self] in self.drain() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
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
