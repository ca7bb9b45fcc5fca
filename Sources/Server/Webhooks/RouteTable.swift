import Foundation
import Incidents
import Logging
import Runbooks
import Synchronization
import Workflows

/// The runbooks that alerts can start, read from the runbooks directory and re-read when a file there changes
/// (checked at most once a second, so an edited trigger applies without a restart).
final class RouteTable: Sendable {
    struct Snapshot: Sendable {
        var candidates: [RouteCandidate] = []
        var runbooks: [String: LoadedRunbook] = [:]
        var signature: [String: Date] = [:]
        var checkedAt = Date.distantPast
    }

    let directory: String
    let logger: Logger
    private let state = Mutex(Snapshot())

    init(directory: String, logger: Logger) {
        self.directory = directory
        self.logger = logger
    }

    /// The current table, reloaded when the directory changed.
    func current(now: Date = Date()) -> Snapshot {
        let cached = state.withLock { $0 }
        guard now.timeIntervalSince(cached.checkedAt) >= 1 else { return cached }
        let signature = Self.signature(of: directory)
        if signature == cached.signature, cached.checkedAt != .distantPast {
            state.withLock { $0.checkedAt = now }
            return cached
        }
        let loaded = load(signature: signature, now: now)
        state.withLock { $0 = loaded }
        return loaded
    }

    private func load(signature: [String: Date], now: Date) -> Snapshot {
        var snapshot = Snapshot(signature: signature, checkedAt: now)
        let library = RunbookLibrary(linter: RunbookLinter(modules: BuiltinModules.catalog))
        // The same runbooks the API may start: inside the directory once symlinks are resolved.
        for file in library.containedFiles(in: directory) {
            guard let loaded = try? library.load(path: file) else { continue }
            let errors = loaded.result.diagnostics.filter { $0.severity == .error }
            if !errors.isEmpty {
                if !loaded.runbook.triggers.isEmpty {
                    logger.warning(
                        "runbook \(file) has lint errors; alerts will not start it until 'firebreak lint' passes")
                }
                continue
            }
            let runbook = loaded.runbook
            snapshot.runbooks[runbook.id] = loaded
            if !runbook.triggers.isEmpty {
                snapshot.candidates.append(
                    RouteCandidate(id: runbook.id, triggers: runbook.triggers, severity: runbook.severity))
            }
        }
        snapshot.candidates.sort { $0.id < $1.id }
        return snapshot
    }

    private static func signature(of directory: String) -> [String: Date] {
        let manager = FileManager.default
        var result: [String: Date] = [:]
        guard let enumerator = manager.enumerator(atPath: directory) else { return result }
        while let path = enumerator.nextObject() as? String {
            guard path.hasSuffix(".md") else { continue }
            let full = directory + "/" + path
            let modified = (try? manager.attributesOfItem(atPath: full)[.modificationDate] as? Date) ?? nil
            result[path] = modified ?? .distantPast
        }
        return result
    }
}
