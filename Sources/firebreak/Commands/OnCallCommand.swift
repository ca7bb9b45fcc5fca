import ArgumentParser
import Basics
import Config
import Foundation
import OnCall
import Server
import Store
import Views

struct OnCallCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oncall",
        abstract: "Who is on call now and next, the shifts of a schedule, and overrides.",
        subcommands: [Show.self, OverrideCommand.self],
        defaultSubcommand: Show.self
    )

    // A schedule named `show` or `override` is reached as `firebreak oncall show NAME`.
}

extension OnCallCommand {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Who is on call now and next (the default), or the shifts of a schedule.",
            discussion: """
                Schedules and users live in firebreak.yml (schedules:, users:); overrides live in the database.
                  firebreak oncall                          everyone on call now, per schedule
                  firebreak oncall primary --at 2026-12-24T20:00:00+01:00
                  firebreak oncall primary --shifts --from now --until +14d
                  firebreak oncall override primary --user bob --from now --until +8h --reason "swap"
                  firebreak oncall override list primary
                  firebreak oncall override delete 3
                """
        )

        @OptionGroup var global: GlobalOptions
        @Argument(help: "A schedule under schedules: in firebreak.yml (default: every schedule).") var schedule: String?
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "The moment to ask about: RFC 3339, 'now', or +/-DURATION (default now).", valueName: "time"))
        var at: String?
        @Flag(help: "List the shifts between --from and --until instead.") var shifts = false
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("With --shifts: the window's start (default now).", valueName: "time")) var from: String?
        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("With --shifts: the window's end (default 7 days after --from).", valueName: "time"))
        var until: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if shifts, schedule == nil {
                throw ValidationError("--shifts needs a SCHEDULE: firebreak oncall SCHEDULE --shifts")
            }
            if !shifts, from != nil || until != nil { throw ValidationError("--from and --until go with --shifts") }
            if shifts, at != nil {
                throw ValidationError("--at asks who is on call at one moment; with --shifts use --from and --until")
            }
        }

        func run() async throws {
            let config = try global.loadConfig()
            let directory = OnCallDirectory(config: config, store: try await global.openStore())
            let paint = Paint.forStandardOutput(noColor: global.noColor)
            let now = Date()
            if shifts {
                let schedule = try Self.schedule(schedule ?? "", in: config, path: global.configPath)
                let start = try TimeArgument.parse(from, option: "--from", now: now) ?? now
                let end = try TimeArgument.parse(until, option: "--until", now: start) ?? start + 7 * 86400
                guard start < end, end.timeIntervalSince(start) <= 366 * 86400 else {
                    throw InputError("--until must be after --from, and at most 366 days after it")
                }
                let found = try await directory.shifts(schedule, from: start, until: end)
                if json {
                    return try printJSON(ShiftsJSON(schedule: schedule.name, from: start, until: end, shifts: found))
                }
                print(OnCallText.shifts(found, schedule: schedule, from: start, until: end, paint: paint))
                return
            }
            let moment = try TimeArgument.parse(at, option: "--at", now: now) ?? now
            let names =
                try schedule.map { [try Self.schedule($0, in: config, path: global.configPath).name] }
                ?? config.schedules.keys.sorted()
            if names.isEmpty {
                if json { return try printJSON([OnCallJSON]()) }
                print("No schedules in \(global.configPath). Add one under schedules: (see docs/oncall.md).")
                return
            }
            var answers: [(Schedule, Shift?, Shift?)] = []
            for name in names {
                let schedule = config.schedules[name]!
                let (current, next) = try await directory.onCallAndNext(schedule, at: moment)
                answers.append((schedule, current, next))
            }
            if json {
                let objects = answers.map { OnCallJSON(schedule: $0.0.name, at: moment, shift: $0.1, next: $0.2) }
                if schedule != nil { return try printJSON(objects[0]) }
                return try printJSON(objects)
            }
            for (schedule, current, next) in answers {
                print(OnCallText.line(schedule, now: current, next: next, at: moment, paint: paint))
            }
        }

        /// The schedule by name, or an error naming those there are.
        static func schedule(_ name: String, in config: FirebreakConfig, path: String) throws -> Schedule {
            if let schedule = config.schedules[name] { return schedule }
            let known = config.schedules.keys.sorted()
            throw InputError(
                known.isEmpty
                    ? "no schedule '\(name)': \(path) has no schedules: section (see docs/oncall.md)"
                    : "no schedule '\(name)' in \(path)\(closest(name, known))")
        }
    }
}

/// `; did you mean 'x'?`, or the names there are.
func closest(_ name: String, _ known: [String]) -> String {
    let hint = Suggestion.didYouMean(name, in: known)
    return hint.contains("did you mean") ? hint : "; there are \(known.joined(separator: ", "))"
}

/// A time on the command line: RFC 3339, `now`, or a duration from now (`+8h`, `-1d`, `30m`).
enum TimeArgument {
    static func parse(_ text: String?, option: String, now: Date) throws -> Date? {
        guard let text else { return nil }
        if text == "now" { return now }
        if let date = RFC3339.parse(text) { return date }
        let sign: Double = text.hasPrefix("-") ? -1 : 1
        let body = text.hasPrefix("+") || text.hasPrefix("-") ? String(text.dropFirst()) : text
        if let duration = DurationParser.parse(body) {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
            return now + sign * seconds
        }
        throw InputError(
            "\(option) '\(text)' is not a time: use RFC 3339 (2026-03-30T09:00:00+02:00), 'now', or a duration from now (+8h, -1d)"
        )
    }
}
