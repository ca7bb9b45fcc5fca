import Basics
import Foundation
import Store

/// Restores catalogued backups without ever destroying data: the checksum is verified first, the backup is
/// restored into a temporary file beside the target and checked (integrity and manifest for SQLite), an existing
/// target is backed up first (a safety backup), and only then is the target replaced by an atomic rename.
/// Any refusal leaves the target byte-identical.
public struct RestoreEngine: Sendable {
    public let backups: BackupEngine
    var store: any Storage { backups.store }

    public init(backups: BackupEngine) {
        self.backups = backups
    }

    /// Which backup to restore.
    public enum Selection: Sendable, Equatable {
        /// One backup by id (`BK-n`).
        case id(String)
        /// The newest good backup of a source, at or before a time when given. A `nil` source means "the source
        /// whose path is the target".
        case latest(source: String?, at: Date?)
    }

    /// What a restore did, or would do with `dryRun`.
    public struct Report: Sendable {
        public var backup: BackupRecord
        public var target: String
        /// The backup taken of the target before it was replaced.
        public var safetyBackup: BackupRecord?
        public var dryRun: Bool
        /// Whether the target existed (and so would be, or was, backed up first).
        public var replacedExisting: Bool
        /// Restore and verification, wall time.
        public var durationMs: Int64
    }

    /// Finds the backup a selection names.
    /// - Throws: ``ModuleError`` `.refused` when there is none, saying how to list or take one.
    public func resolve(_ selection: Selection, target: String) async throws(ModuleError) -> BackupRecord {
        do {
            switch selection {
            case .id(let id):
                return try await store.backup(id: id)
            case .latest(let source, let time):
                let name: String
                if let source { name = source } else { name = try await inferSource(target: target) }
                guard let backup = try await store.latestBackup(source: name, at: time) else {
                    let when = time.map { " taken at or before \(Retention.format($0))" } ?? ""
                    throw ModuleError(
                        .refused,
                        "no good backup of \(name)\(when); list them with 'firebreak backup list --source \(name)'")
                }
                return backup
            }
        } catch let error as StoreError {
            throw ModuleError(error.code == .notFound ? .refused : .failed, error.message)
        } catch let error as ModuleError {
            throw error
        } catch {
            throw ModuleError(.failed, "\(error)")
        }
    }

    private func inferSource(target: String) async throws -> String {
        let path = BackupSource.absolute(target)
        let sources = Set(try await store.backups().map(\.source))
        let matches = ["sqlite", "file", "dir"].map { "\($0):\(path)" }.filter(sources.contains)
        guard let only = matches.first, matches.count == 1 else {
            throw ModuleError(
                .invalid,
                "cannot tell which source to restore to \(target); pass --source (sources with backups: \(sources.sorted().joined(separator: ", ")))"
            )
        }
        return only
    }

    /// Restores `selection` to `target`.
    /// - Throws: ``ModuleError`` `.refused` for a corrupt or missing backup or one that fails its checks (the
    ///   target is untouched), `.invalid` for a bad target, `.failed` for I/O failures.
    public func restore(_ selection: Selection, to target: String, dryRun: Bool = false, runID: String? = nil)
        async throws(ModuleError) -> Report
    {
        let clock = ContinuousClock()
        let start = clock.now
        let target = BackupSource.absolute(target)
        let backup = try await resolve(selection, target: target)
        guard backup.status == .ok else {
            throw ModuleError(
                .refused,
                "\(backup.id) is marked corrupt (\(backup.error ?? "failed verification")); restore an older backup, or run 'firebreak backup verify \(backup.id)' if the file was repaired"
            )
        }
        if let problem = await backups.check(backup) {
            try? await store.recordVerification(backupID: backup.id, at: backups.now(), error: problem)
            throw ModuleError(.refused, "refusing to restore \(backup.id): \(problem); \(target) was not touched")
        }
        let parent = (target as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModuleError(.invalid, "the directory \(parent) does not exist; create it first")
        }
        let exists = FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory)
        if exists && (backup.kind == "dir") != isDirectory.boolValue {
            throw ModuleError(
                .invalid,
                "\(target) is a \(isDirectory.boolValue ? "directory" : "file") but \(backup.id) holds a \(backup.kind == "dir" ? "directory" : "file")"
            )
        }
        let scratch = parent + "/.firebreak-restore-\(Files.token())"
        try Files.makeDirectory(scratch)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let restored = try await unpack(backup, into: scratch, name: (target as NSString).lastPathComponent)
        if backup.kind == "sqlite", let problem = BackupEngine.inspect(restored, against: backup.manifest) {
            throw ModuleError(
                .refused,
                "refusing to restore \(backup.id): the restored copy fails its checks: \(problem); \(target) was not touched"
            )
        }
        var report = Report(
            backup: backup, target: target, safetyBackup: nil, dryRun: dryRun, replacedExisting: exists,
            durationMs: (clock.now - start).milliseconds)
        guard !dryRun else { return report }
        if exists {
            report.safetyBackup = try await safetyBackup(of: target, directory: backup.kind == "dir", runID: runID)
        }
        try replace(target, with: restored, directory: backup.kind == "dir", exists: exists)
        report.durationMs = (clock.now - start).milliseconds
        return report
    }

    /// Backs up what a restore is about to replace. A database too damaged for SQLite's backup API (the usual
    /// reason to restore) is kept byte for byte as a file archive instead.
    private func safetyBackup(of target: String, directory: Bool, runID: String?) async throws(ModuleError)
        -> BackupRecord
    {
        let retention = Retention()
        do {
            if directory {
                return try await backups.create(
                    .directory(path: target), retention: retention, reason: "safety", runID: runID)
            }
            if SQLiteFiles.isDatabase(path: target),
                let backup = try? await backups.create(
                    .sqlite(path: target), retention: retention, reason: "safety", runID: runID)
            {
                return backup
            }
            return try await backups.create(.file(path: target), retention: retention, reason: "safety", runID: runID)
        } catch {
            throw ModuleError(.refused, "refusing to replace \(target): its safety backup failed: \(error.message)")
        }
    }

    /// Puts the backup's content at `scratch/name`.
    private func unpack(_ backup: BackupRecord, into scratch: String, name: String) async throws(ModuleError) -> String
    {
        let destination = scratch + "/" + name
        switch backup.kind {
        case "dir", "file":
            let unpacked = scratch + "/unpacked"
            try Files.makeDirectory(unpacked)
            try await Files.extract(backup.path, into: unpacked)
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: unpacked)) ?? []
            guard entries.count == 1, let entry = entries.first else {
                throw ModuleError(.refused, "\(backup.id)'s archive should hold one entry, not \(entries.count)")
            }
            guard rename(unpacked + "/" + entry, destination) == 0 else {
                throw ModuleError(
                    .failed, "cannot move the unpacked \(entry) into place: \(String(cString: strerror(errno)))")
            }
        default:
            try Files.copy(backup.path, to: destination)
            chmod(destination, 0o600)
        }
        return destination
    }

    /// Swaps the restored copy in. A file is renamed over the target atomically. A directory is exchanged with the
    /// restored tree in one `renameat2(RENAME_EXCHANGE)`, so the target is never missing; only where the
    /// filesystem cannot exchange does it fall back to two renames, with a window of one rename in which the
    /// target path does not exist. The old tree is removed once the new one is in place.
    private func replace(_ target: String, with restored: String, directory: Bool, exists: Bool) throws(ModuleError) {
        if directory && exists {
            Files.fsync(restored)
            if Files.exchange(restored, target) {
                Files.fsync((target as NSString).deletingLastPathComponent)
                try? FileManager.default.removeItem(atPath: restored)  // now the old tree
                return
            }
            let old = (target as NSString).deletingLastPathComponent + "/.firebreak-replaced-\(Files.token())"
            guard rename(target, old) == 0 else {
                throw ModuleError(.failed, "cannot move \(target) aside: \(String(cString: strerror(errno)))")
            }
            do {
                try Files.commit(restored, to: target)
            } catch {
                _ = rename(old, target)
                throw error
            }
            try? FileManager.default.removeItem(atPath: old)
            return
        }
        // A stale WAL beside the new database would be replayed into it; the safety backup already holds its
        // content.
        for suffix in ["-wal", "-shm", "-journal"] { unlink(target + suffix) }
        try Files.commit(restored, to: target)
    }

    /// Restores the latest backup of `source` into a scratch directory, verifies it and records a drill with the
    /// measured RTO (restore plus verification) and RPO (age of the backup used). A failed drill is recorded too.
    public func drill(source: String, runID: String? = nil) async -> DrillRecord {
        let started = backups.now()
        let clock = ContinuousClock()
        let start = clock.now
        var drill = DrillRecord(
            source: source, backupID: nil, startedAt: started, rtoMs: nil, rpoMs: nil,
            status: "failed", message: "", runID: runID)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("firebreak-drill-\(Files.token())")
            .path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        do {
            try Files.makeDirectory(scratch)
            let backup = try await resolve(.latest(source: source, at: nil), target: scratch)
            drill.backupID = backup.id
            drill.rpoMs = Int64(max(0, started.timeIntervalSince(backup.createdAt)) * 1000)
            let target = scratch + "/" + (backup.source.split(separator: "/").last.map(String.init) ?? "restored")
            let report = try await restore(.id(backup.id), to: target, runID: runID)
            drill.rtoMs = (clock.now - start).milliseconds
            drill.status = "passed"
            drill.message = "restored \(report.backup.id) (\(report.backup.bytes) bytes) and verified it"
        } catch {
            drill.message = error.message
        }
        return (try? await store.insertDrill(drill)) ?? drill
    }
}
