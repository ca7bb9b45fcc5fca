import Foundation
import Store

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Cancelling a run from any process: the CLI, the API, or the server when an incident ends.
public enum RunControl {
    /// Cancels run `runID`: commits `cancelled` (with the timeline entry) first, so that the executor holding the
    /// run stops at its next commit, then stops the step in flight, whichever process runs it: SIGTERM to the
    /// step's process group, and SIGKILL after `grace` to whatever is left.
    /// - Returns: The cancelled run and how many processes were signalled.
    /// - Throws: ``StoreError`` `.notFound` or `.conflict` (the run already ended).
    public static func cancel(
        store: Store, runID: Int64, by actor: String, reason: String?, runsDirectory: URL,
        grace: Duration = .seconds(5)
    ) async throws -> (run: RunRecord, signalled: Int) {
        let run = try store.cancelRun(id: runID, by: actor, reason: reason, at: Date())
        let directory = runsDirectory.appendingPathComponent(RunRecord.displayID(runID)).path
        let signalled = OrphanReaper.signal(runDirectory: directory, SIGTERM)
        if signalled > 0 {
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: grace)
            while clock.now < deadline, OrphanReaper.signal(runDirectory: directory, 0) > 0 {
                try? await Task.sleep(for: .milliseconds(50))
            }
            OrphanReaper.signal(runDirectory: directory, SIGKILL)
        }
        return (run, signalled)
    }
}
