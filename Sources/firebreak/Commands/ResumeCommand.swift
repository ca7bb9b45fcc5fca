import ArgumentParser
import Store

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a waiting or interrupted run; succeeded steps never run again.",
        discussion: """
            A step that was running when its process died is re-run only when it is idempotent; otherwise it \
            waits for 'firebreak approve' (or a choice at the terminal). Secret params must be given again.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The run id, e.g. RUN-12.", valueName: "run"))
    var runReference: String

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("Secret param values, which are never stored.", valueName: "key=value"))
    var params: [String] = []

    @Flag(help: "Continue automatically: never ask.")
    var yes = false

    @Flag(help: "Print the run as JSON when it stops.")
    var json = false

    func run() async throws {
        guard let runID = RunRecord.parseID(runReference) else {
            throw ValidationError("'\(runReference)' is not a run id; write it like RUN-12")
        }
        let store = try await global.openStore()
        let record = try await store.runDetail(id: runID).run
        try await RunSession(global: global, store: store, yes: yes, json: json).continueRun(
            record, assignments: params)
    }
}
