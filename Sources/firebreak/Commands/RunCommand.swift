import ArgumentParser
import Foundation
import Runbooks
import Store
import Workflows

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a runbook: interactively on a terminal, automatically with --yes or without a terminal.",
        discussion: """
            Exit codes: 0 succeeded; 1 failed or aborted; 2 invalid input; 3 waiting for a human \
            (a confirm or manual step in an automatic run; approve it, then resume).
            Secret params can come from FIREBREAK_PARAM_<NAME> instead of --param.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: "A runbook path, or an id in --dir.")
    var runbook: String

    @Option(name: .customLong("param"), help: ArgumentHelp("A param value (repeatable).", valueName: "key=value"))
    var params: [String] = []

    @Option(help: "Directory of runbooks.")
    var dir = "runbooks"

    @Option(help: "Link the run to an incident id.")
    var incident: String?

    @Flag(help: "Run automatically: never ask; confirm and manual steps make the run wait.")
    var yes = false

    @Flag(help: "Print the plan and run nothing.")
    var dryRun = false

    @Flag(help: "Print the finished run as JSON (implies no prompts).")
    var json = false

    func run() async throws {
        let library = RunbookLibrary(linter: RunbookLinter(modules: BuiltinModules.catalog))
        let loaded = try library.find(runbook, in: dir)
        let errors = loaded.result.diagnostics.filter { $0.severity == .error }
        guard errors.isEmpty else {
            for diagnostic in errors { FileHandle.standardError.write(diagnostic.formatted(path: loaded.path) + "\n") }
            throw WorkflowError(
                .invalidRunbook,
                "\(loaded.path) has \(errors.count) lint error\(errors.count == 1 ? "" : "s"); fix them before running")
        }
        let values = try ParamResolver.resolve(
            try ParamResolver.parseAssignments(params), for: loaded.runbook,
            environment: ProcessInfo.processInfo.environment)
        if dryRun {
            if json {
                try printJSON(PlanPrinter.plan(loaded.runbook))
            } else {
                print(PlanPrinter.render(loaded.runbook, params: values))
                print("\n(dry run: nothing was executed)")
            }
            return
        }
        let store = try await global.openStore()
        var incidentID: String?
        if let incident { incidentID = try await store.incident(id: incident).id }
        let session = try RunSession(global: global, store: store, yes: yes, json: json)
        let interrupts = InterruptSource()
        let executor = session.makeExecutor(interrupts: interrupts)
        let path = URL(fileURLWithPath: loaded.path).standardizedFileURL.path
        let run = try await executor.createRun(
            runbook: loaded.runbook, source: loaded.source, path: path, params: values,
            incidentID: incidentID)
        try await session.execute(executor, runID: run.id!, params: values, interrupts: interrupts)
    }
}
