import ArgumentParser
import Foundation
import Runbooks
import Workflows

struct LintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check runbooks and print file:line: error: message for every problem.",
        discussion: "Exits 0 when there are no errors (warnings are allowed) and 2 when there are errors."
    )

    @Argument(help: "Runbook files or directories (searched recursively for .md).")
    var paths: [String] = ["runbooks"]

    @Flag(help: "Print the problems as JSON.")
    var json = false

    @Flag(help: "Treat warnings as errors.")
    var strict = false

    struct FileReport: Encodable {
        var path: String
        var steps: Int
        var problems: [Problem]
    }

    struct Problem: Encodable {
        var line: Int
        var column: Int?
        var severity: String
        var message: String
    }

    func run() throws {
        let library = RunbookLibrary(linter: RunbookLinter(modules: BuiltinModules.catalog))
        var reports: [FileReport] = []
        for path in try library.files(in: paths) {
            let loaded = try library.load(path: path)
            reports.append(
                FileReport(
                    path: path, steps: loaded.runbook.steps.count,
                    problems: loaded.result.diagnostics.map {
                        Problem(line: $0.line, column: $0.column, severity: $0.severity.rawValue, message: $0.message)
                    }))
            if !json {
                for diagnostic in loaded.result.diagnostics {
                    print(diagnostic.formatted(path: path))
                }
            }
        }
        let errors = reports.flatMap(\.problems).filter { $0.severity == "error" || strict }.count
        let warnings = reports.flatMap(\.problems).filter { $0.severity == "warning" }.count
        if json {
            try printJSON(reports)
        } else {
            FileHandle.standardError.write(
                "\(reports.count) runbook\(reports.count == 1 ? "" : "s") checked: \(errors) error\(errors == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")\n"
            )
        }
        if reports.isEmpty {
            FileHandle.standardError.write("error: no runbooks (.md files) found in \(paths.joined(separator: " "))\n")
            throw ExitCode(ExitStatus.invalidInput)
        }
        if errors > 0 { throw ExitCode(ExitStatus.invalidInput) }
    }
}
