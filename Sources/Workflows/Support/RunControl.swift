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
    ///
    /// While the executor still holds the run (its lock), the scan repeats, so a step spawned just as the cancel
    /// committed is stopped too; the executor stops at its next commit. A module step runs inside the executor
    /// and ends on its own; then nothing more runs.
    public static func cancel(
        store: any Storage, runID: Int64, by actor: String, reason: String?, runsDirectory: URL,
        grace: Duration = .seconds(5)
    ) async throws -> (run: RunRecord, signalled: Int) {
        let run = try await store.cancelRun(id: runID, by: actor, reason: reason, at: Date())
        let runDirectory = runsDirectory.appendingPathComponent(RunRecord.displayID(runID))
        // The marker in a step's environment is the path as its executor spelled it: try the real path too.
        let directories = Array(Set([runDirectory.path, runDirectory.resolvingSymlinksInPath().path]))
        func signal(_ number: Int32) -> Int {
            directories.reduce(0) { $0 + OrphanReaper.signal(runDirectory: $1, number) }
        }
        var signalled = signal(SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while clock.now < deadline {
            let alive = signal(0)
            if alive == 0 && !RunLock.isHeld(directory: runDirectory) { break }  // nothing runs any more
            if alive > 0 {
                // Again: a step spawned after the first scan gets its SIGTERM too.
                signalled = max(signalled, signal(SIGTERM))
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        if signal(0) > 0 { _ = signal(SIGKILL) }
        return (run, signalled)
    }
}
