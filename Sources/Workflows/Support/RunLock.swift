import Foundation
import Store

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive lock on a run, so two processes never execute it at once. The kernel releases it when
/// the holder dies, even by `kill -9`.
struct RunLock {
    private let descriptor: Int32

    /// Creates the run directory (owner-only) and takes the lock without waiting.
    /// - Throws: ``WorkflowError`` `.conflict` when another live process holds it.
    static func acquire(directory: URL, runID: String) throws -> RunLock {
        try? FileManager.default.createDirectory(
            at: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let path = directory.appendingPathComponent("lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw WorkflowError(.execution, "cannot create the lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor)
            throw WorkflowError(
                .conflict, "run \(runID) is being executed by another firebreak process; wait for it or stop it first")
        }
        return RunLock(descriptor: descriptor)
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Whether a live process holds the lock of the run in `directory`.
    static func isHeld(directory: URL) -> Bool {
        LockFile.isHeld(directory.appendingPathComponent("lock").path)
    }
}

/// Locks on files (`flock`), which the kernel releases when their holder dies, even by `kill -9`.
public enum LockFile {
    /// Whether a live process holds an exclusive lock on the file at `path` (no file: no holder).
    public static func isHeld(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        if flock(descriptor, LOCK_SH | LOCK_NB) == 0 {
            flock(descriptor, LOCK_UN)
            return false
        }
        return true
    }
}

extension Executor {
    /// Whether a run marked `running` is really being executed by a live process; `false` means its
    /// process died and `firebreak resume` will continue it.
    public static func isExecuting(runID: Int64, runsDirectory: URL) -> Bool {
        RunLock.isHeld(directory: runsDirectory.appendingPathComponent(RunRecord.displayID(runID)))
    }
}

/// Finds processes that a dead run left behind (they carry `FIREBREAK_RUN_DIR`, the run's absolute
/// scratch directory, in their environment) and kills them, so an interrupted step never runs twice at once.
/// The directory is unique across data directories, unlike the run id.
enum OrphanReaper {
    /// Kills every process whose environment has `FIREBREAK_RUN_DIR=<runDirectory>`; returns how many.
    @discardableResult
    static func reap(runDirectory: String) -> Int {
        signal(runDirectory: runDirectory, SIGKILL)
    }

    /// Sends `signal` to the process group of every process whose environment has
    /// `FIREBREAK_RUN_DIR=<runDirectory>` (a step runs in a group of its own, so its children get it too);
    /// returns how many processes matched.
    @discardableResult
    static func signal(runDirectory: String, _ signal: Int32) -> Int {
        #if os(Linux)
            let marker = Array("FIREBREAK_RUN_DIR=\(runDirectory)".utf8)
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
            var killed = 0
            let me = getpid()
            for entry in entries {
                guard let pid = Int32(entry), pid != me,
                    let environ = FileManager.default.contents(atPath: "/proc/\(entry)/environ")
                else { continue }
                let matches = environ.split(separator: 0).contains { $0.elementsEqual(marker) }
                guard matches else { continue }
                let group = getpgid(pid)
                // Never signal our own group: only a step's group, which it leads by itself.
                let target = group > 0 && group != getpgid(me) ? -group : pid
                if kill(target, signal) == 0 { killed += 1 }
            }
            return killed
        #else
            return 0
        #endif
    }
}
