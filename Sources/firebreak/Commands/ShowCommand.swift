import ArgumentParser
import Foundation
import Runbooks
import Workflows

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a runbook's steps as the engine sees them, or render it to HTML."
    )

    @Argument(help: "A runbook path, or an id in --dir.")
    var runbook: String

    @Option(help: "Directory of runbooks.")
    var dir = "runbooks"

    @Flag(help: "Render the document to a complete HTML page through Discount.")
    var html = false

    @Flag(help: "Print the steps as JSON.")
    var json = false

    func validate() throws {
        if html && json { throw ValidationError("--html and --json cannot be used together; pick one") }
    }

    func run() throws {
        let library = RunbookLibrary(linter: RunbookLinter(modules: BuiltinModules.catalog))
        let loaded = try library.find(runbook, in: dir)
        for diagnostic in loaded.result.diagnostics {
            FileHandle.standardError.write(diagnostic.formatted(path: loaded.path) + "\n")
        }
        if html {
            print(HTMLRenderer.page(title: loaded.runbook.title, markdown: loaded.runbook.body), terminator: "")
        } else if json {
            try printJSON(PlanPrinter.plan(loaded.runbook))
        } else {
            print(PlanPrinter.render(loaded.runbook))
        }
    }
}
