import ArgumentParser
import Foundation
import Incidents
import Server
import Store

/// `firebreak status`: which data directory, configuration and runbooks are in use, and what is open.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the data directory in use (and why), the configuration, the server, and what is open.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print JSON.")
    var json = false

    struct Report: Encodable {
        var dataDirectory: String
        var dataDirectorySource: String
        var databaseExists: Bool
        var config: String
        var configFound: Bool
        var runbooksDirectory: String
        var serverRunning: Bool
        var openIncidents: [String: Int]
        var runs: [String: Int]

        enum CodingKeys: String, CodingKey {
            case config, runs
            case dataDirectory = "data_dir"
            case dataDirectorySource = "data_dir_source"
            case databaseExists = "database_exists"
            case configFound = "config_found"
            case runbooksDirectory = "runbooks_dir"
            case serverRunning = "server_running"
            case openIncidents = "open_incidents"
        }
    }

    func run() async throws {
        let data = global.data
        let manager = FileManager.default
        let exists = manager.fileExists(atPath: data.url.appendingPathComponent("firebreak.db").path)
        let config = try global.loadConfig()
        var report = Report(
            dataDirectory: data.url.path, dataDirectorySource: data.source.rawValue, databaseExists: exists,
            config: global.configPath, configFound: manager.fileExists(atPath: global.configPath),
            runbooksDirectory: config.runbooksDirectory, serverRunning: ServeLock.isHeld(dataDirectory: data.url),
            openIncidents: [:], runs: [:])
        if exists {
            let store = try await global.openStore()
            for (status, bySeverity) in try await store.incidentCounts() where status != .resolved && status != .closed
            {
                for (severity, count) in bySeverity where count > 0 {
                    report.openIncidents[severity.rawValue, default: 0] += count
                }
            }
            for (status, count) in try await store.runCounts() where !status.isFinal && count > 0 {
                report.runs[status.rawValue] = count
            }
        }
        if json {
            try printJSON(report)
            return
        }
        print("data dir:   \(data.explanation)")
        print("database:   \(exists ? "firebreak.db" : "none yet (created by the first command that writes)")")
        print("config:     \(report.configFound ? report.config : "\(report.config) (not found; built-in defaults)")")
        print("runbooks:   \(report.runbooksDirectory)")
        print("server:     \(report.serverRunning ? "running ('firebreak serve' holds this data dir)" : "not running")")
        let incidents = report.openIncidents.keys.sorted().map { "\(report.openIncidents[$0]!) \($0)" }
        print("incidents:  \(incidents.isEmpty ? "none open" : incidents.joined(separator: ", ") + " open")")
        let runs = report.runs.keys.sorted().map { "\(report.runs[$0]!) \($0)" }
        print("runs:       \(runs.isEmpty ? "none active" : runs.joined(separator: ", "))")
    }
}
