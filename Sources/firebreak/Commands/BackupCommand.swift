import ArgumentParser
import Foundation
import Modules
import Store
import Views

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Take, list, verify and prune backups of SQLite databases, directories, files and dump commands.",
        discussion: """
            Sources: sqlite:PATH (a consistent live snapshot), dir:PATH and file:PATH (tar.gz with owners and \
            permissions), command:NAME with --command (the command's standard output, for example pg_dump). \
            Backups go to <data-dir>/backups unless backups.repository is set in firebreak.yml.
            """,
        subcommands: [Create.self, List.self, Verify.self, Prune.self]
    )

    struct Create: AuditedCommand {
        var global: GlobalOptions { options.global }
        var auditAction: String { "backup create" }
        var auditTarget: String? { source }

        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Back up a source and record it in the catalog.")
        @OptionGroup var options: ModuleOptions
        @Argument(help: ArgumentHelp("sqlite:PATH, dir:PATH, file:PATH or command:NAME.", valueName: "source"))
        var source: String
        @Option(
            help: ArgumentHelp(
                "The dump command of a command:NAME source, run with /bin/sh -c.", valueName: "shell command"))
        var command: String?
        @Option(help: "Keep this backup this many days (default: backups.keep_days, 30).") var keepDays: Int?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let parsed = try BackupSource(parsing: source, command: command)
            let (engine, settings) = try await options.engine()
            var retention = settings.retention
            if let keepDays {
                guard keepDays > 0 else { throw ValidationError("--keep-days must be at least 1") }
                retention.keepDays = keepDays
            }
            if !json { FileHandle.standardError.write("backing up \(parsed) to \(engine.repository.path)…\n") }
            let backup = try await engine.create(parsed, retention: retention)
            if json { return try printJSON(BackupJSON(backup)) }
            print("\(backup.id)  \(formatBytes(backup.bytes))  sha256 \(backup.sha256)\n  \(backup.path)")
            if let manifest = backup.manifest {
                print(
                    "  \(manifest.tables.count) table(s), \(manifest.tables.values.reduce(0, +)) row(s), user_version \(manifest.userVersion)"
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List backups, newest first.")
        @OptionGroup var options: ModuleOptions
        @Option(help: ArgumentHelp("Only backups of this source.", valueName: "source")) var source: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (engine, _) = try await options.engine()
            let name = try source.map { try BackupSource(parsing: $0, command: "-").description }
            let backups = try await engine.store.backups(source: name)
            if json { return try printJSON(backups.map(BackupJSON.init)) }
            if backups.isEmpty {
                print(
                    "No backups\(name.map { " of \($0)" } ?? ""). Take one with 'firebreak backup create sqlite:PATH'.")
                return
            }
            print(
                Table.render(
                    [["ID", "SOURCE", "CREATED", "SIZE", "STATUS", "VERIFIED", "EXPIRES", "REASON"]]
                        + backups.map {
                            [
                                $0.id, $0.source, formatDate($0.createdAt), formatBytes($0.bytes), $0.status.rawValue,
                                formatDate($0.verifiedAt), formatDate($0.expiresAt), $0.reason,
                            ]
                        }))
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Re-checksum backups; restore SQLite ones to a scratch file and check integrity and row counts.",
            discussion: "Exit 0 when every backup passed, 1 when any failed (it is then marked corrupt).")
        @OptionGroup var options: ModuleOptions
        @Argument(help: ArgumentHelp("The backup to verify.", valueName: "BK-n")) var id: String?
        @Flag(help: "Verify every backup.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (id != nil) != all else { throw ValidationError("give a backup id or --all, not both or neither") }
        }

        func run() async throws {
            let (engine, _) = try await options.engine()
            let backups = all ? try await engine.store.backups() : [try await engine.store.backup(id: id!)]
            var results: [BackupEngine.Verification] = []
            for (index, backup) in backups.enumerated() {
                if !json && backups.count > 1 {
                    FileHandle.standardError.write("[\(index + 1)/\(backups.count)] \(backup.id)…\n")
                }
                results.append(await engine.verify(backup))
            }
            if json {
                try printJSON(
                    results.map {
                        VerificationJSON(backup: BackupJSON($0.backup), passed: $0.passed, problem: $0.problem)
                    })
            } else {
                if results.isEmpty { print("No backups to verify.") }
                for result in results {
                    print("\(result.backup.id)  \(result.passed ? "ok" : "FAILED: \(result.problem!)")")
                }
            }
            if results.contains(where: { !$0.passed }) { throw ExitCode(ExitStatus.failed) }
        }
    }

    struct VerificationJSON: Encodable {
        var backup: BackupJSON
        var passed: Bool
        var problem: String?
    }

    struct Prune: AuditedCommand {
        var global: GlobalOptions { options.global }
        var auditAction: String { dryRun ? "backup prune --dry-run" : "backup prune" }
        var auditTarget: String? { source }

        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Delete expired backups (files and catalog rows); never the newest good backup of a source.")
        @OptionGroup var options: ModuleOptions
        @Option(help: ArgumentHelp("Only this source.", valueName: "source")) var source: String?
        @Option(help: "Keep the newest N backups of each source whatever their age (default: backups.keep_last).")
        var keepLast: Int?
        @Flag(help: "Show what would be deleted, delete nothing.") var dryRun = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (engine, settings) = try await options.engine()
            var retention = settings.retention
            if let keepLast {
                guard keepLast > 0 else { throw ValidationError("--keep-last must be at least 1") }
                retention.keepLast = keepLast
            }
            let name = try source.map { try BackupSource(parsing: $0, command: "-").description }
            let report = try await engine.prune(retention: retention, source: name, dryRun: dryRun)
            if json {
                return try printJSON(
                    PruneJSON(
                        dryRun: dryRun,
                        deleted: report.deleted.map {
                            PruneJSON.Item(backup: BackupJSON($0.backup), reason: $0.reason)
                        },
                        kept: report.kept, freedBytes: report.freedBytes))
            }
            let verb = dryRun ? "would delete" : "deleted"
            for item in report.deleted { print("\(verb) \(item.backup.id)  \(item.backup.source)  (\(item.reason))") }
            print("\(verb) \(report.deleted.count) backup(s), \(formatBytes(report.freedBytes)); kept \(report.kept)")
        }
    }

    struct PruneJSON: Encodable {
        struct Item: Encodable {
            var backup: BackupJSON
            var reason: String
        }

        var dryRun: Bool
        var deleted: [Item]
        var kept: Int
        var freedBytes: Int64

        enum CodingKeys: String, CodingKey {
            case deleted, kept
            case dryRun = "dry_run"
            case freedBytes = "freed_bytes"
        }
    }
}
