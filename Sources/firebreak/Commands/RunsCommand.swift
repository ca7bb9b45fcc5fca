import ArgumentParser
import Foundation
import Store
import Views

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List runs, show one with every step and attempt, cancel one, or retry a failed one.",
        subcommands: [List.self, Show.self, Cancel.self, Retry.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List runs, newest first.")

        @OptionGroup var global: GlobalOptions

        @Option(help: "Only runs of this incident.")
        var incident: String?

        @Option(help: "At most this many runs.")
        var limit = 50

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let runs = try await global.openStore().runs(incidentID: incident, limit: limit)
            let views = runs.map { RunJSON($0, runsDirectory: global.runsDirectory) }
            if json {
                try printJSON(views)
                return
            }
            if runs.isEmpty {
                print("No runs yet in \(global.dataDirectory.path). Start one with 'firebreak run RUNBOOK'.")
                return
            }
            let formatter = ISO8601DateFormatter()
            let rows =
                [["RUN", "RUNBOOK", "STATUS", "STARTED", "DURATION"]]
                + zip(runs, views).map { run, view in
                    [
                        run.displayID, run.runbookID, view.displayStatus, formatter.string(from: run.startedAt),
                        run.finishedAt.map { String(format: "%.1fs", $0.timeIntervalSince(run.startedAt)) } ?? "-",
                    ]
                }
            print(Table.render(rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show a run with its steps and attempts.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The run id, e.g. RUN-12.", valueName: "run"))
        var runReference: String

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            guard let runID = RunRecord.parseID(runReference) else {
                throw ValidationError("'\(runReference)' is not a run id; write it like RUN-12")
            }
            let detail = try await global.openStore().runDetail(id: runID)
            let view = RunJSON(detail.run, detail: detail, runsDirectory: global.runsDirectory)
            if json {
                try printJSON(view)
                return
            }
            print("\(view.id)  \(view.runbook)  \(view.displayStatus)\(view.error.map { "  (\($0))" } ?? "")")
            if !view.params.isEmpty {
                print("params: " + view.params.keys.sorted().map { "\($0)=\(view.params[$0]!)" }.joined(separator: " "))
            }
            var rows = [["STEP", "KIND", "STATUS", "ATTEMPTS", "EXIT", "DURATION", "NOTE"]]
            for step in view.steps ?? [] {
                let exit = step.exitCode.map { String($0) } ?? "-"
                let duration = step.durationMs.map { "\($0)ms" } ?? "-"
                rows.append([
                    step.name, step.kind, step.status, String(step.attempts), exit, duration, step.reason ?? "",
                ])
            }
            print(Table.render(rows))
        }
    }
}
