import ArgumentParser
import Foundation
import Modules
import Views

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Run the dependency checks defined under health.checks in firebreak.yml.",
        discussion: "Exit 0 when healthy, 1 when degraded or unhealthy, 2 when the configuration is invalid or has no checks."
    )

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let config = try global.loadConfig()
        guard !config.healthChecks.isEmpty else {
            throw ValidationError("no checks are defined; add them under health.checks in \(config.source ?? "firebreak.yml") (see docs/modules.md)")
        }
        let store = try? global.openStore()
        let summary = await HealthMonitor(store: store, breaker: config.modules.breaker).run(config.healthChecks)
        if json {
            try printJSON(HealthSummaryJSON(summary))
        } else {
            print(Table.render([["CHECK", "KIND", "STATUS", "LATENCY", "MESSAGE"]] + summary.results.map {
                [$0.name + ($0.critical ? "" : " (non-critical)"), $0.kind, $0.status.rawValue, "\($0.latencyMs) ms", $0.message]
            }))
            print("overall: \(summary.status.rawValue)")
        }
        if summary.status != .healthy { throw ExitCode(ExitStatus.failed) }
    }
}
