import ArgumentParser
import Config
import Foundation
import OnCall
import Store
import Views

/// `firebreak oncall override`: someone covers a schedule for a while.
struct OverrideCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "override",
        abstract: "Have a user cover a schedule from --from until --until; list and delete overrides.",
        subcommands: [Add.self, List.self, Delete.self],
        defaultSubcommand: Add.self
    )
}

extension OverrideCommand {
    struct Add: AuditedCommand {
        static let configuration = CommandConfiguration(
            commandName: "add",
            abstract:
                "Have a user cover a schedule (the default: 'oncall override SCHEDULE …' is 'oncall override add SCHEDULE …')."
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "The schedule to cover.") var schedule: String
        @Option(help: "Who covers (a handle under users: in firebreak.yml).") var user: String
        @Option(
            parsing: .unconditional, help: ArgumentHelp("From when: RFC 3339, 'now', or +DURATION.", valueName: "time"))
        var from: String
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Until when: RFC 3339, or +DURATION after --from.", valueName: "time")) var until: String
        @Option(help: "Why (shown with the override).") var reason: String?
        @Option(help: "Who creates it (default: $FIREBREAK_USER, then $USER).") var by: String?
        @Flag(help: "Print JSON.") var json = false

        var auditAction: String { "oncall override" }
        var auditTarget: String? { schedule }

        func run() async throws {
            let config = try global.loadConfig()
            let schedule = try OnCallCommand.Show.schedule(schedule, in: config, path: global.configPath)
            guard config.users[user] != nil else {
                throw InputError(
                    "no user '\(user)' under users: in \(global.configPath)\(closest(user, config.users.keys.sorted()))"
                )
            }
            let now = Date()
            guard let start = try TimeArgument.parse(from, option: "--from", now: now),
                let end = try TimeArgument.parse(until, option: "--until", now: start)
            else { throw InputError("give --from and --until") }
            guard start < end else { throw InputError("--until must be after --from") }
            guard end > now else { throw InputError("the override ends in the past; it would change nothing") }
            guard end.timeIntervalSince(start) <= 366 * 86400 else {
                throw InputError(
                    "an override covers at most 366 days; for a lasting change, edit the schedule's layers in \(global.configPath)"
                )
            }
            let stored = try await global.openStore().addOverride(
                OverrideRecord(
                    schedule: schedule.name, user: user, from: start, until: end, createdBy: by ?? CurrentUser.name,
                    reason: reason, createdAt: now))
            if json { return try printJSON(OverrideJSON(stored)) }
            let zone = schedule.timeZone
            print(
                "override \(stored.id): \(user) covers \(schedule.name) from \(OnCallText.time(start, in: zone)) until \(OnCallText.time(end, in: zone)); delete it with 'firebreak oncall override delete \(stored.id)'"
            )
        }

    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List overrides that have not ended (--all: every one).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Only this schedule's.") var schedule: String?
        @Flag(help: "Include overrides that have ended.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let config = try global.loadConfig()
            if let schedule { _ = try OnCallCommand.Show.schedule(schedule, in: config, path: global.configPath) }
            let records = try await global.openStore().overrides(
                schedule: schedule, from: all ? nil : Date(), until: nil)
            if json { return try printJSON(records.map(OverrideJSON.init)) }
            if records.isEmpty {
                print("No \(all ? "" : "current or future ")overrides\(schedule.map { " in \($0)" } ?? "").")
                return
            }
            let rows = records.map { record -> [String] in
                let zone = config.schedules[record.schedule]?.timeZone ?? TimeZone(identifier: "UTC")!
                return [
                    String(record.id), record.schedule, record.user, OnCallText.time(record.from, in: zone),
                    OnCallText.time(record.until, in: zone), record.createdBy, record.reason ?? "",
                ]
            }
            print(Table.render([["ID", "SCHEDULE", "USER", "FROM", "UNTIL", "BY", "REASON"]] + rows))
        }
    }

    struct Delete: AuditedCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete", abstract: "Delete an override; the layers apply again.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The override's id (from 'firebreak oncall override list').") var id: Int64
        @Flag(help: "Print JSON.") var json = false

        var auditAction: String { "oncall override delete" }
        var auditTarget: String? { String(id) }

        func run() async throws {
            let deleted = try await global.openStore().deleteOverride(id: id)
            if json { return try printJSON(OverrideJSON(deleted)) }
            print("deleted override \(deleted.id) (\(deleted.user) in \(deleted.schedule))")
        }
    }
}

/// `firebreak audit`: who did what, through the API, the CLI and acknowledge links.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Who did what: every change and every refusal, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("Only entries from then on: RFC 3339 or -DURATION (-1d).", valueName: "time"))
    var since: String?
    @Option(help: "At most this many entries (1–10000).") var limit = 50
    @Flag(help: "Print JSON.") var json = false

    func validate() throws {
        guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be 1–10000, not \(limit)") }
    }

    func run() async throws {
        let from = try TimeArgument.parse(since, option: "--since", now: Date())
        let entries = try await global.openStore().audit(since: from, limit: limit)
        if json { return try printJSON(entries.map(AuditJSON.init)) }
        if entries.isEmpty {
            print("No audit entries\(since.map { " since \($0)" } ?? "").")
            return
        }
        let paint = Paint.forStandardOutput(noColor: global.noColor)
        let rows = entries.map { entry -> [String] in
            let result = entry.result.hasPrefix("ok") ? entry.result : paint.red(entry.result)
            return [
                entry.at.formatted(.iso8601), entry.actor, entry.via, entry.action, entry.target ?? "-", result,
            ]
        }
        print(Table.render([["AT", "ACTOR", "VIA", "ACTION", "TARGET", "RESULT"]] + rows))
    }
}
