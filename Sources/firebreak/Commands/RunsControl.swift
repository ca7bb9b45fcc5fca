import ArgumentParser
import Foundation
import Runbooks
import Store
import Views
import Workflows

extension RunsCommand {
    struct Cancel: AuditedCommand {
        var auditAction: String { "runs cancel" }
        var auditTarget: String? { runReference }

        static let configuration = CommandConfiguration(
            commandName: "cancel",
            abstract: "Cancel a run that has not ended: its step in flight is stopped and the rest skipped.",
            discussion: """
                The step's whole process group gets SIGTERM, then SIGKILL after 5 seconds, whichever process \
                (a terminal or 'firebreak serve') is running it. The run ends 'cancelled', and the cancel is on \
                its incident's timeline.
                """)

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The run id, e.g. RUN-12.", valueName: "run"))
        var runReference: String

        @Option(help: "Who cancels (default: $FIREBREAK_USER, then $USER).")
        var by: String?

        @Option(help: "Why, for the timeline.")
        var reason: String?

        @Flag(help: "Print the run as JSON.")
        var json = false

        func run() async throws {
            let runID = try parseRunID(runReference)
            let store = try await global.openStore()
            let (record, signalled) = try await RunControl.cancel(
                store: store, runID: runID, by: by ?? CurrentUser.name, reason: reason,
                runsDirectory: global.runsDirectory)
            if json {
                try printJSON(RunJSON(record, runsDirectory: global.runsDirectory))
            } else {
                let stopped = signalled > 0 ? "; stopped the step in flight (\(signalled) process(es))" : ""
                print("cancelled \(record.displayID) (\(record.runbookID))\(stopped)")
                if signalled == 0, record.status == .cancelled,
                    Executor.isExecuting(runID: runID, runsDirectory: global.runsDirectory)
                {
                    FileHandle.standardError.write(
                        "note: no step process of \(record.displayID) could be signalled (a module step, or a server running as another user); it stops after its current step\n"
                    )
                }
            }
        }
    }

    struct Retry: AuditedCommand {
        var auditAction: String { "runs retry" }
        var auditTarget: String? { runReference }

        static let configuration = CommandConfiguration(
            commandName: "retry",
            abstract: "Run a failed run again from its failed step; the steps that succeeded stay done.",
            discussion: "Secret params must be given again, as with 'firebreak resume'.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: ArgumentHelp("The run id, e.g. RUN-12.", valueName: "run"))
        var runReference: String

        @Option(
            name: .customLong("param"),
            help: ArgumentHelp("Secret param values, which are never stored.", valueName: "key=value"))
        var params: [String] = []

        @Option(help: "Who retries (default: $FIREBREAK_USER, then $USER).")
        var by: String?

        @Flag(help: "Continue automatically: never ask.")
        var yes = false

        @Flag(help: "Print the run as JSON when it stops.")
        var json = false

        func run() async throws {
            let runID = try parseRunID(runReference)
            let store = try await global.openStore()
            let record = try await store.runDetail(id: runID).run
            let actor = by ?? CurrentUser.name
            let session = try RunSession(global: global, store: store, yes: yes, json: json)
            // Secrets are checked before the run changes, so a missing one leaves it failed as it was.
            try await session.continueRun(record, assignments: params) {
                let step = try await store.prepareRetry(runID: runID, by: actor, at: Date())
                if !json { print("retrying \(record.displayID) from step '\(step)'") }
            }
        }
    }
}

/// A run id from the command line.
/// - Throws: `ValidationError` when it is not written like `RUN-12`.
func parseRunID(_ text: String) throws -> Int64 {
    guard let runID = RunRecord.parseID(text) else {
        throw ValidationError("'\(text)' is not a run id; write it like RUN-12")
    }
    return runID
}

/// Who is acting when a command is not told (`--by`): `$FIREBREAK_USER`, then `$USER`, else `unknown`.
enum CurrentUser {
    static var name: String {
        let environment = ProcessInfo.processInfo.environment
        for key in ["FIREBREAK_USER", "USER"] {
            if let value = environment[key], !value.isEmpty { return value }
        }
        return "unknown"
    }
}
