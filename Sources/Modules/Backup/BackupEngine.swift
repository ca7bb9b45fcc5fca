import Foundation
import Store

/// Takes, verifies and prunes backups. Files go into a repository directory (by default `<data-dir>/backups`),
/// one subdirectory per source; each file is written under a temporary name, flushed and renamed, and only then
/// catalogued, so the catalog never names a partial file.
///
/// ```swift
/// let engine = BackupEngine(store: store, repository: dataDirectory.appendingPathComponent("backups"))
/// let backup = try await engine.create(try BackupSource(parsing: "sqlite:/var/lib/orders.db"))
/// ```
public struct BackupEngine: Sendable {
    public let store: any Storage
    /// Where backup files go.
    public let repository: URL
    /// The time; injectable for tests.
    public var now: @Sendable () -> Date
    /// How long a dump command may run.
    public var commandTimeout: Duration

    public init(
        store: any Storage, repository: URL, now: @escaping @Sendable () -> Date = { Date() },
        commandTimeout: Duration = .seconds(3600)
    ) {
        self.store = store
        self.repository = repository
        self.now = now
        self.commandTimeout = commandTimeout
    }

    /// The default repository of a data directory.
    public static func defaultRepository(dataDirectory: URL) -> URL {
        dataDirectory.appendingPathComponent("backups")
    }

    /// Backs `source` up and catalogs it.
    /// - Parameters:
    ///   - reason: `manual`, `scheduled`, `step` or `safety`, shown in listings.
    ///   - runID: the run whose step took it.
    /// - Throws: ``ModuleError``: `.invalid` for a source that does not exist, `.failed` when the copy fails.
    public func create(
        _ source: BackupSource, retention: Retention = Retention(), reason: String = "manual",
        runID: String? = nil
    ) async throws(ModuleError) -> BackupRecord {
        if let path = source.path {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ModuleError(.invalid, "\(path) does not exist; check the path in \(source)")
            }
            if case .directory = source, !isDirectory.boolValue {
                throw ModuleError(.invalid, "\(path) is a file, not a directory; use file:\(path)")
            }
            if case .file = source, isDirectory.boolValue {
                throw ModuleError(.invalid, "\(path) is a directory; use dir:\(path)")
            }
        }
        let started = now()
        let directory = repository.appendingPathComponent(Self.slug(source.description)).path
        try Files.makeDirectory(repository.path)
        try Files.makeDirectory(directory)
        let name = "\(Self.stamp(started))-\(Files.token()).\(source.fileExtension)"
        let final = directory + "/" + name
        let temporary = directory + "/.tmp-" + name
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        var manifest: SQLiteManifest?
        switch source {
        case .sqlite(let path):
            do {
                manifest = try SQLiteFiles.snapshot(database: path, to: temporary)
            } catch {
                throw ModuleError((error as? StoreError)?.code == .unavailable ? .failed : .invalid, "\(error)")
            }
        case .directory(let path), .file(let path):
            try await Files.archive(path, to: temporary)
        case .command(_, let command):
            try await Files.dump(command, to: temporary, timeout: commandTimeout)
        }
        chmod(temporary, 0o600)
        try Files.commit(temporary, to: final)
        let record = BackupRecord(
            source: source.description, kind: source.kind, path: final, bytes: Files.size(of: final),
            sha256: try Files.sha256(of: final), createdAt: started, expiresAt: retention.expiry(from: started),
            reason: reason, runID: runID, manifest: manifest)
        do {
            return try await store.insertBackup(record)
        } catch {
            try? FileManager.default.removeItem(atPath: final)
            throw ModuleError(.failed, "the backup was written but could not be catalogued: \(error)")
        }
    }

    /// The outcome of verifying one backup.
    public struct Verification: Sendable {
        public var backup: BackupRecord
        /// `nil` when it passed.
        public var problem: String?
        public var passed: Bool { problem == nil }
    }

    /// Re-checksums a backup and, for SQLite, restores it to a scratch file and checks integrity and the manifest;
    /// for archives, reads the whole archive. Records `verified_at`, or marks the backup corrupt with the reason.
    public func verify(_ backup: BackupRecord) async -> Verification {
        let problem = await check(backup)
        try? await store.recordVerification(backupID: backup.id, at: now(), error: problem)
        let updated = (try? await store.backup(id: backup.id)) ?? backup
        return Verification(backup: updated, problem: problem)
    }

    /// What is wrong with a backup's file, or `nil` when nothing is.
    func check(_ backup: BackupRecord) async -> String? {
        guard FileManager.default.fileExists(atPath: backup.path) else {
            return "the file \(backup.path) is missing"
        }
        let digest: String
        do {
            digest = try Files.sha256(of: backup.path)
        } catch {
            return "\(error)"
        }
        guard digest == backup.sha256 else {
            return
                "checksum mismatch: the file's sha256 is \(digest.prefix(12))…, the catalog recorded \(backup.sha256.prefix(12))…; the file was altered or damaged"
        }
        switch backup.kind {
        case "sqlite":
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
                "firebreak-verify-\(Files.token()).sqlite"
            ).path
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            do {
                try Files.copy(backup.path, to: scratch)
            } catch {
                return error.message
            }
            return Self.inspect(scratch, against: backup.manifest)
        case "dir", "file":
            do {
                try await Files.checkArchive(backup.path)
            } catch {
                return "the archive cannot be read: \(error.message)"
            }
            return nil
        default:
            return nil
        }
    }

    /// Integrity check and manifest comparison of a SQLite file; `nil` when it passes.
    static func inspect(_ path: String, against manifest: SQLiteManifest?) -> String? {
        do {
            let inspection = try SQLiteFiles.inspect(path: path)
            if !inspection.integrityProblems.isEmpty {
                return "integrity_check failed: " + inspection.integrityProblems.prefix(3).joined(separator: "; ")
            }
            if let manifest {
                let differences = inspection.manifest.differences(from: manifest)
                if !differences.isEmpty {
                    return "the data does not match the manifest: " + differences.prefix(3).joined(separator: "; ")
                }
            }
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// What prune did, or would do with `dryRun`.
    public struct PruneReport: Sendable {
        public var deleted: [(backup: BackupRecord, reason: String)]
        public var kept: Int
        public var freedBytes: Int64 { deleted.reduce(0) { $0 + $1.backup.bytes } }
    }

    /// Deletes the backups that `retention` lets go (files first, then catalog rows), never the newest good
    /// backup of a source.
    public func prune(retention: Retention, source: String? = nil, dryRun: Bool = false) async throws(ModuleError)
        -> PruneReport
    {
        let backups: [BackupRecord]
        do {
            backups = try await store.backups(source: source)
        } catch {
            throw ModuleError(.failed, "\(error)")
        }
        let byID = Dictionary(uniqueKeysWithValues: backups.map { ($0.id, $0) })
        let doomed = retention.expired(
            backups.map {
                BackupRecordSummary(
                    id: $0.id, source: $0.source, createdAt: $0.createdAt, expiresAt: $0.expiresAt,
                    good: $0.status == .ok)
            }, at: now())
        let deleted = doomed.compactMap { item in byID[item.id].map { (backup: $0, reason: item.reason) } }
        if !dryRun {
            for item in deleted { try? FileManager.default.removeItem(atPath: item.backup.path) }
            do {
                try await store.deleteBackups(ids: deleted.map(\.backup.id))
            } catch {
                throw ModuleError(.failed, "\(error)")
            }
        }
        return PruneReport(deleted: deleted, kept: backups.count - deleted.count)
    }

    /// A directory name for a source: its kind and path with unsafe characters replaced.
    static func slug(_ source: String) -> String {
        let mapped = source.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }
        return String(String(mapped).trimmingCharacters(in: CharacterSet(charactersIn: "_")).suffix(120))
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }
}
