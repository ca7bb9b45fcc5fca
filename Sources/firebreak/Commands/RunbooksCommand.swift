import ArgumentParser
import Foundation
import Incidents
import Runbooks
import Workflows

struct RunbooksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbooks",
        abstract: "List the runbooks in a directory: id, title, severity, steps and triggers."
    )

    @Option(help: "Directory of runbooks.")
    var dir = "runbooks"

    @Flag(help: "Print JSON.")
    var json = false

    struct Entry: Encodable {
        var id: String
        var title: String
        var path: String
        var severity: String?
        var steps: Int
        var triggers: [String]
        var errors: Int
    }

    func run() throws {
        let library = RunbookLibrary(linter: RunbookLinter(modules: BuiltinModules.catalog))
        let entries = try library.files(in: [dir]).map { path -> Entry in
            let loaded = try library.load(path: path)
            let runbook = loaded.runbook
            return Entry(
                id: runbook.id, title: runbook.title, path: path, severity: runbook.severity?.rawValue,
                steps: runbook.steps.count, triggers: runbook.triggers.map(Self.describe),
                errors: loaded.result.diagnostics.filter { $0.severity == .error }.count)
        }
        if json {
            try printJSON(entries)
            return
        }
        if entries.isEmpty {
            print("No runbooks in \(dir)/. Write one (see docs/runbook-format.md) or pass --dir.")
            return
        }
        let rows =
            [["ID", "TITLE", "SEV", "STEPS", "TRIGGERS"]]
            + entries.map {
                [
                    $0.id + ($0.errors > 0 ? " (!)" : ""), $0.title, $0.severity ?? "-", String($0.steps),
                    $0.triggers.isEmpty ? "-" : $0.triggers.joined(separator: "; "),
                ]
            }
        print(Table.render(rows))
        if entries.contains(where: { $0.errors > 0 }) {
            print("(!) has lint errors; run 'firebreak lint \(dir)' for details")
        }
    }

    static func describe(_ trigger: Trigger) -> String {
        var parts: [String] = []
        if let name = trigger.alertname { parts.append("alertname=\(name)") }
        parts += trigger.labels.keys.sorted().map { "\($0)=\(trigger.labels[$0]!)" }
        if let severity = trigger.severity { parts.append("severity=\(severity.rawValue)") }
        if let source = trigger.source { parts.append("source=\(source)") }
        return parts.joined(separator: ",")
    }
}

/// Plain-text tables with aligned columns.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        let widths = first.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
