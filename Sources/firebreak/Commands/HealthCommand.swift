import ArgumentParser
import Foundation
import Modules
import Views

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract:
            "Run the dependency checks under health.checks in firebreak.yml (without any: Firebreak's own database and data dir).",
        discussion: "Exit 0 when healthy, 1 when degraded or unhealthy, 2 when the configuration is invalid."
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let config = try global.loadConfig()
        let store = try? await global.openStore()
        let checks = config.healthChecks.isEmpty ? ownChecks : config.healthChecks
        let summary = await HealthMonitor(store: store, breaker: config.modules.breaker).run(checks)
        if json {
            try printJSON(HealthSummaryJSON(summary))
        } else {
            print(
                Table.render(
                    [["CHECK", "KIND", "STATUS", "LATENCY", "MESSAGE"]]
                        + summary.results.map {
                            [
                                $0.name + ($0.critical ? "" : " (non-critical)"), $0.kind, $0.status.rawValue,
                                "\($0.latencyMs) ms", $0.message,
                            ]
                        }))
            print("overall: \(summary.status.rawValue)")
        }
        if summary.status != .healthy { throw ExitCode(ExitStatus.failed) }
    }

    /// With no checks configured, Firebreak checks itself: its database answers an integrity check, and the
    /// filesystem of its data dir has room.
    var ownChecks: [HealthCheck] {
        let data = global.dataDirectory
        return [
            HealthCheck(
                name: "firebreak-database",
                probe: .sqlite(
                    path: data.appendingPathComponent("firebreak.db").path, query: "PRAGMA quick_check", expect: "ok")),
            HealthCheck(name: "firebreak-data-dir", probe: .disk(path: data.path, minFreePercent: 5)),
        ]
    }
}
