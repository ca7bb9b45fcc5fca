import ArgumentParser
import Basics
import Foundation
import Incidents
import Modules
import Runbooks
import Store
import Views

struct RestoreCommand: AuditedCommand {
    var global: GlobalOptions { options.global }
    var auditAction: String { "restore" }
    var auditTarget: String? { backup }

    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup: verify it, restore to a temporary file, check it, back up the target, rename.",
        discussion: """
            A corrupt or missing backup, or one whose restored copy fails its checks, is refused with exit 2 and \
            the target is left as it was. An existing target is always backed up first (reason 'safety').
            """
    )

    @OptionGroup var options: ModuleOptions
    @Argument(help: ArgumentHelp("A backup id, or 'latest'.", valueName: "BK-n|latest")) var backup: String
    @Option(help: ArgumentHelp("With 'latest': the source (default: the one whose path is --to).", valueName: "source"))
    var source: String?
    @Option(help: ArgumentHelp("Where to restore to.", valueName: "path")) var to: String
    @Option(help: ArgumentHelp("With 'latest': the newest backup at or before this RFC 3339 time.", valueName: "time"))
    var at: String?
    @Flag(help: "Verify and check the backup, change nothing.") var dryRun = false
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        var time: Date?
        if let at {
            guard let parsed = Timestamp.parse(at) else {
                throw ValidationError("--at '\(at)' is not an RFC 3339 time; write it like 2026-11-23T02:00:00Z")
            }
            time = parsed
        }
        let selection: RestoreEngine.Selection
        if backup == "latest" {
            selection = .latest(
                source: try source.map { try BackupSource(parsing: $0, command: "-").description }, at: time)
        } else {
            guard at == nil, source == nil else {
                throw ValidationError("--at and --source pick among backups; use them with 'latest'")
            }
            selection = .id(backup)
        }
        let (engine, _) = try await options.engine()
        if !json { FileHandle.standardError.write("verifying and restoring…\n") }
        let report = try await RestoreEngine(backups: engine).restore(selection, to: to, dryRun: dryRun)
        if json {
            return try printJSON(
                RestoreJSON(
                    backup: BackupJSON(report.backup), target: report.target, dryRun: report.dryRun,
                    replacedExisting: report.replacedExisting,
                    safetyBackup: report.safetyBackup.map(BackupJSON.init), durationMs: report.durationMs))
        }
        if report.dryRun {
            print(
                "\(report.backup.id) passed its checks; restoring it would \(report.replacedExisting ? "back up and replace" : "create") \(report.target) (dry run: nothing changed)"
            )
        } else {
            print("restored \(report.backup.id) to \(report.target) in \(report.durationMs) ms")
            if let safety = report.safetyBackup {
                print(
                    "the previous \(report.target) is kept as \(safety.id); undo with 'firebreak restore \(safety.id) --to \(report.target)'"
                )
            }
        }
    }

    struct RestoreJSON: Encodable {
        var backup: BackupJSON
        var target: String
        var dryRun: Bool
        var replacedExisting: Bool
        var safetyBackup: BackupJSON?
        var durationMs: Int64

    }
}

struct DrillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drill",
        abstract: "Restore drills: restore the latest backup to scratch, verify it, record RTO and RPO.",
        subcommands: [Restore.self, List.self]
    )

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Drill a source: RTO is the restore and verification time, RPO the age of the backup used.",
            discussion: "Exit 0 when the drill passed, 1 when it failed (the failure is recorded too).")
        @OptionGroup var options: ModuleOptions
        @Argument(help: ArgumentHelp("The source whose latest backup is drilled.", valueName: "source")) var source:
            String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let name = try BackupSource(parsing: source, command: "-").description
            let (engine, _) = try await options.engine()
            if !json { FileHandle.standardError.write("drilling \(name)…\n") }
            let drill = await RestoreEngine(backups: engine).drill(source: name)
            if json {
                try printJSON(DrillJSON(drill))
            } else if drill.status == "passed" {
                print(
                    "\(drill.id) passed: \(drill.message)\n  RTO \(drill.rtoMs ?? 0) ms (restore and verify)\n  RPO \(Self.age(drill.rpoMs ?? 0)) (age of \(drill.backupID ?? "-"))"
                )
            } else {
                print("\(drill.id) FAILED: \(drill.message)")
            }
            if drill.status != "passed" { throw ExitCode(ExitStatus.failed) }
        }

        static func age(_ milliseconds: Int64) -> String {
            milliseconds < 1000 ? "\(milliseconds) ms" : DurationParser.format(.seconds(milliseconds / 1000))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List drills, newest first, with RTO and RPO.")
        @OptionGroup var options: ModuleOptions
        @Option(help: ArgumentHelp("Only drills of this source.", valueName: "source")) var source: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let (engine, _) = try await options.engine()
            let name = try source.map { try BackupSource(parsing: $0, command: "-").description }
            let drills = try await engine.store.drills(source: name)
            if json { return try printJSON(drills.map(DrillJSON.init)) }
            if drills.isEmpty {
                print("No drills yet. Run one with 'firebreak drill restore SOURCE'.")
                return
            }
            print(
                Table.render(
                    [["ID", "SOURCE", "STARTED", "STATUS", "RTO", "RPO", "BACKUP"]]
                        + drills.map {
                            [
                                $0.id, $0.source, formatDate($0.startedAt), $0.status,
                                $0.rtoMs.map { "\($0) ms" } ?? "-",
                                $0.rpoMs.map(Restore.age) ?? "-", $0.backupID ?? "-",
                            ]
                        }))
        }
    }
}
