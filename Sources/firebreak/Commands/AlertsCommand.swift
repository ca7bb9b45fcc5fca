import ArgumentParser
import Foundation
import Store
import Views

struct AlertsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "Alerts received by the webhooks, and SNS subscriptions waiting for confirmation.",
        subcommands: [List.self, Subscriptions.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List alerts, most recently seen first, with how many times each fired.")
        @OptionGroup var global: GlobalOptions
        @Option(help: ArgumentHelp("Only the alerts of this incident.", valueName: "INC-n")) var incident: String?
        @Option(help: "At most this many alerts (without --incident).") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let store = try await global.openStore()
            if let incident { _ = try await store.incident(id: incident) }
            let alerts: [AlertRecord]
            if let incident {
                alerts = try await store.alerts(incidentID: incident)
            } else {
                alerts = try await store.recentAlerts(limit: limit)
            }
            if json {
                try printJSON(alerts.map(AlertJSON.init))
                return
            }
            if alerts.isEmpty {
                print(
                    "No alerts yet in \(global.dataDirectory.path). Point a sender at 'firebreak serve' (see docs/integrations.md)."
                )
                return
            }
            print(
                Table.render(
                    [["INCIDENT", "SOURCE", "NAME", "STATUS", "FIRED", "LAST SEEN", "KEY"]]
                        + alerts.map {
                            [
                                $0.incidentID, $0.alert.source, $0.alert.name, $0.alert.status.rawValue,
                                String($0.fireCount),
                                formatDate($0.lastSeen), $0.alert.key,
                            ]
                        }))
        }
    }

    struct Subscriptions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "subscriptions",
            abstract: "SNS subscription confirmations received on /webhooks/cloudwatch, with the URL to confirm them.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let subscriptions = try await global.openStore().subscriptions()
            if json {
                try printJSON(subscriptions.map(SubscriptionJSON.init))
                return
            }
            if subscriptions.isEmpty {
                print("No SNS subscription confirmations received.")
                return
            }
            for subscription in subscriptions {
                let state =
                    subscription.confirmedAt != nil
                    ? "confirmed"
                    : subscription.confirmError.map { "confirmation failed: \($0)" }
                        ?? "waiting: open the URL below to confirm"
                print("\(subscription.topicArn)  \(state)\n  \(subscription.subscribeURL)")
            }
        }
    }
}
