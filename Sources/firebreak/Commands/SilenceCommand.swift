import ArgumentParser
import Basics
import Foundation
import Incidents
import Store
import Views

/// `firebreak silence add|list|expire`.
struct SilenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "silence",
        abstract: "Silence matching alerts for a while: recorded and counted, but no incident and no page.",
        discussion: """
            Matchers are KEY=VALUE: alertname, source, severity, or a label name; a value starting with ~ is a
            regular expression that must match the whole value (as in runbook triggers).
              firebreak silence add alertname=DiskFull host=~db-.* --for 2h --comment "resizing volumes"
              firebreak silence list
              firebreak silence expire 3
            An alert still firing when its silence ends opens its incident then.
            """,
        subcommands: [Add.self, List.self, Expire.self]
    )

    struct Add: AuditedCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Create a silence.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "KEY=VALUE matchers (alertname, source, severity, or a label); all must match.")
        var matchers: [String] = []
        @Option(
            name: .customLong("for"), parsing: .unconditional,
            help: ArgumentHelp("How long, from --from (2h, 30m, 1d).", valueName: "duration"))
        var duration: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("When it ends: RFC 3339 or +DURATION.", valueName: "time"))
        var until: String?
        @Option(parsing: .unconditional, help: ArgumentHelp("When it starts (default now).", valueName: "time"))
        var from: String?
        @Option(help: "Why: shown with the silence and on the timeline.") var comment: String
        @Option(help: "Who creates it (default: $FIREBREAK_USER, then $USER).") var by: String?
        @Flag(help: "Print JSON.") var json = false

        var auditAction: String { "silence add" }
        var auditTarget: String? { matchers.joined(separator: " ") }

        func validate() throws {
            if matchers.isEmpty { throw ValidationError("give at least one matcher, such as alertname=DiskFull") }
            if duration != nil, until != nil { throw ValidationError("give --for DURATION or --until TIME, not both") }
            if duration == nil, until == nil { throw ValidationError("give --for DURATION or --until TIME") }
            if comment.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--comment says why") }
        }

        func run() async throws {
            var fields: [String: String] = [:]
            for matcher in matchers {
                guard let equals = matcher.firstIndex(of: "="), equals != matcher.startIndex else {
                    throw InputError("'\(matcher)' is not a matcher: write KEY=VALUE, such as alertname=DiskFull")
                }
                let key = String(matcher[..<equals])
                guard fields[key] == nil else {
                    throw InputError(
                        "'\(key)' is given twice; a silence needs every matcher to match, so give each key once")
                }
                fields[key] = String(matcher[matcher.index(after: equals)...])
            }
            guard let trigger = Trigger(flattened: fields) else {
                throw InputError("severity must be P0, P1, P2 or P3, not '\(fields["severity"] ?? "")'")
            }
            if let problem = trigger.silenceProblem() { throw InputError(problem) }
            let now = Date()
            let start = try TimeArgument.parse(from, option: "--from", now: now) ?? now
            let end: Date
            if let duration {
                guard let length = DurationParser.parse(duration), length > .zero else {
                    throw InputError("--for '\(duration)' is not a duration: write it like 30m, 2h or 1d")
                }
                end = start.addingTimeInterval(length.seconds)
            } else {
                end = try TimeArgument.parse(until, option: "--until", now: start) ?? start
            }
            guard end > start, end > now else {
                throw InputError("the silence must end after it starts, and in the future")
            }
            let stored = try await global.openStore().addSilence(
                Silence(
                    matchers: trigger, startsAt: start, endsAt: end, createdBy: by ?? CurrentUser.name,
                    comment: comment, createdAt: now))
            if json { return try printJSON(SilenceJSON(stored, now: now)) }
            print(
                "silence \(stored.id): \(trigger.summary) until \(end.formatted(.iso8601)); expire it with 'firebreak silence expire \(stored.id)'"
            )
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List silences that have not ended (--all: every one), and the alerts they hold back.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Include silences that have ended.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await global.openStore()
            let now = Date()
            let silences = try await store.silences(endingAfter: all ? nil : now)
            let held = try await store.silencedAlerts()
            if json { return try printJSON(SilencesJSON(silences: silences, held: held, now: now)) }
            if silences.isEmpty {
                print("No \(all ? "" : "current or pending ")silences.")
            } else {
                print(
                    Table.render(
                        [["ID", "STATE", "MATCHERS", "FROM", "UNTIL", "BY", "COMMENT"]]
                            + silences.map {
                                [
                                    String($0.id), $0.state(at: now), $0.matchers.summary,
                                    $0.startsAt.formatted(.iso8601),
                                    $0.endsAt.formatted(.iso8601), $0.createdBy, $0.comment,
                                ]
                            }))
            }
            guard !held.isEmpty else { return }
            print("\nHeld back (they open their incident when the quiet ends, if still firing):")
            print(
                Table.render(
                    [["SOURCE", "ALERT", "COUNT", "SINCE", "BY"]]
                        + held.map {
                            [
                                $0.alert.source, $0.alert.name, String($0.fireCount), $0.firstSeen.formatted(.iso8601),
                                $0.silencedBy,
                            ]
                        }))
        }
    }

    struct Expire: AuditedCommand {
        static let configuration = CommandConfiguration(commandName: "expire", abstract: "End a silence now.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The silence's id (from 'firebreak silence list').") var id: Int64
        @Flag(help: "Print JSON.") var json = false

        var auditAction: String { "silence expire" }
        var auditTarget: String? { String(id) }

        func run() async throws {
            let now = Date()
            let silence = try await global.openStore().expireSilence(id: id, at: now)
            if json { return try printJSON(SilenceJSON(silence, now: now)) }
            print("silence \(id) expired; a running 'firebreak serve' lets its held-back alerts through within seconds")
        }
    }
}
