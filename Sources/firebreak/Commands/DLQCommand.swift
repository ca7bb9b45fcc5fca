import ArgumentParser
import Foundation
import Store
import Views

struct DLQCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq",
        abstract: "Notifications whose every delivery attempt failed (dead letters): list and replay.",
        subcommands: [List.self, Replay.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List dead letters with their last error.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let letters = try await global.openStore().deadLetters()
            if json {
                try printJSON(letters.map { IncidentJSON.Notification($0) })
                return
            }
            if letters.isEmpty {
                print("No dead letters: every notification was delivered or is still being retried.")
                return
            }
            print(
                Table.render(
                    [["ID", "INCIDENT", "CHANNEL", "EVENT", "ATTEMPTS", "LAST ERROR"]]
                        + letters.map {
                            [
                                String($0.id), $0.incidentID, $0.channel, $0.event, String($0.attempts),
                                $0.lastError ?? "-",
                            ]
                        }))
            print(
                "\nReplay one with 'firebreak dlq replay ID', or all with 'firebreak dlq replay --all'; a running 'firebreak serve' delivers them."
            )
        }
    }

    struct Replay: AuditedCommand {
        var auditAction: String { "dlq replay" }
        var auditTarget: String? { id.map(String.init) ?? "all" }

        static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Re-queue dead letters for delivery by the running server, with a fresh count of attempts.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The dead letter's id (from 'firebreak dlq list').") var id: Int64?
        @Flag(help: "Replay every dead letter.") var all = false
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard (id == nil) != (!all) else { throw ValidationError("give a dead letter's ID or --all, not both") }
            guard id != nil || all else { throw ValidationError("give a dead letter's ID, or --all") }
        }

        func run() async throws {
            let replayed = try await global.openStore().replayDeadLetters(id: all ? nil : id, at: Date())
            if json {
                try printJSON(replayed.map { IncidentJSON.Notification($0) })
            } else if replayed.isEmpty {
                print("No dead letters to replay.")
            } else {
                print(
                    "re-queued \(replayed.count) notification\(replayed.count == 1 ? "" : "s"): \(replayed.map { String($0.id) }.joined(separator: ", "))"
                )
            }
        }
    }
}
