import ArgumentParser
import Foundation
import Incidents
import Store
import Views

struct IncidentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident",
        abstract: "Open, list, show and act on incidents (P0–P3).",
        discussion: "An action that the incident's state does not allow exits 2 and names the allowed actions.",
        subcommands: [
            Open.self, List.self, Show.self, Acknowledge.self, Mitigate.self, Resolve.self, Reopen.self, Close.self,
            SeverityChange.self, Note.self, Assign.self, RoleCommand.self,
        ]
    )

    /// `--by`, defaulting to `$FIREBREAK_USER`, then `$USER`.
    struct ActorOptions: ParsableArguments {
        @Option(help: "Who acts (default: $FIREBREAK_USER, then $USER).")
        var by: String?

        var actor: String { by ?? CurrentUser.name }
    }

    struct Open: AuditedCommand {
        var auditAction: String { "incident open" }
        var auditTarget: String? { nil }
        static let configuration = CommandConfiguration(commandName: "open", abstract: "Open an incident.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Option(help: "One-line title.") var title: String
        @Option(help: "P0, P1, P2 or P3 (default: P3, the least urgent; raise it with 'incident severity').")
        var severity = "P3"
        @Option(help: "Longer description.") var summary: String?
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard Severity(parsing: severity) != nil else {
                throw ValidationError("--severity must be P0, P1, P2 or P3, not '\(severity)'")
            }
            guard !title.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--title must not be empty")
            }
        }

        func run() async throws {
            let now = Date()
            let engine = IncidentEngine(policy: try global.loadConfig().policy)
            let (title, severity, summary, actor) = (title, Severity(parsing: severity)!, summary, actor.actor)
            let transition = try await global.openStore().openIncident(at: now) { id in
                engine.open(id: id, title: title, severity: severity, summary: summary, by: actor, at: now)
            }
            try IncidentPrinter.print(transition.incident, json: json, verb: "opened")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List incidents, newest first.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this status: triggered, acknowledged, mitigated, resolved, closed.") var status: String?
        @Option(help: "Only this severity.") var severity: String?
        @Option(help: "At most this many.") var limit = 50
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            if let status, IncidentStatus(rawValue: status) == nil {
                throw ValidationError(
                    "--status must be one of \(IncidentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if let severity, Severity(parsing: severity) == nil {
                throw ValidationError("--severity must be P0, P1, P2 or P3")
            }
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            let incidents = try await global.openStore().incidents(
                status: status.flatMap(IncidentStatus.init(rawValue:)),
                severity: severity.flatMap(Severity.init(parsing:)),
                limit: limit)
            if json {
                try printJSON(incidents.map { IncidentJSON($0) })
                return
            }
            if incidents.isEmpty {
                Swift.print(
                    "No incidents in \(global.dataDirectory.path). Open one with 'firebreak incident open --title T --severity P2'."
                )
                return
            }
            let formatter = ISO8601DateFormatter()
            Swift.print(
                Table.render(
                    [["ID", "SEV", "STATUS", "OPENED", "COMMANDER", "TITLE"]]
                        + incidents.map {
                            [
                                $0.id, $0.severity.rawValue, $0.status.rawValue, formatter.string(from: $0.triggeredAt),
                                $0.commander ?? "-", $0.title,
                            ]
                        }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show an incident with its timeline.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The incident id, e.g. INC-3.") var id: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await global.openStore()
            let incident = try await store.incident(id: id)
            var view = IncidentJSON(incident)
            view.timeline = try await store.timeline(incidentID: incident.id).map(IncidentJSON.Event.init)
            view.notifications = try await store.notifications(incidentID: incident.id).map {
                IncidentJSON.Notification($0)
            }
            if json {
                try printJSON(view)
                return
            }
            IncidentPrinter.summary(incident)
            let formatter = ISO8601DateFormatter()
            if let escalation = incident.escalation {
                Swift.print(
                    "\nEscalation: level \(escalation.nextLevel + 1) of policy '\(escalation.policy)' at "
                        + "\(formatter.string(from: escalation.dueAt)) unless acknowledged")
            } else {
                Swift.print("\nEscalation: none planned")
            }
            Swift.print("\nTimeline (UTC):")
            for event in view.timeline ?? [] {
                let details = event.details.keys.sorted().map { "\($0)=\(event.details[$0]!)" }.joined(separator: " ")
                Swift.print(
                    "  \(formatter.string(from: event.at))  \(event.kind)  by \(event.actor)\(details.isEmpty ? "" : "  " + details)"
                )
            }
            let notifications = view.notifications ?? []
            Swift.print("\nNotifications (outbox):" + (notifications.isEmpty ? " none" : ""))
            for notification in notifications {
                let error = notification.lastError.map { "  last error: \($0)" } ?? ""
                Swift.print(
                    "  \(notification.event) → \(notification.channel)  \(notification.status)  "
                        + "\(notification.attempts) attempt(s)\(error)")
            }
        }
    }

    struct Acknowledge: AuditedCommand {
        var global: GlobalOptions { action.global }
        var auditAction: String { "incident ack" }
        var auditTarget: String? { action.id.uppercased() }
        static let configuration = CommandConfiguration(
            commandName: "ack", abstract: "Acknowledge: you take command; escalation stops.")
        @OptionGroup var action: ActionOptions
        func run() async throws { try await action.apply(.acknowledge, verb: "acknowledged") }
    }

    struct Mitigate: AuditedCommand {
        var global: GlobalOptions { action.global }
        var auditAction: String { "incident mitigate" }
        var auditTarget: String? { action.id.uppercased() }
        static let configuration = CommandConfiguration(commandName: "mitigate", abstract: "Mark the impact mitigated.")
        @OptionGroup var action: ActionOptions
        func run() async throws { try await action.apply(.mitigate, verb: "mitigated") }
    }

    struct Resolve: AuditedCommand {
        var global: GlobalOptions { action.global }
        var auditAction: String { "incident resolve" }
        var auditTarget: String? { action.id.uppercased() }
        static let configuration = CommandConfiguration(commandName: "resolve", abstract: "Resolve the incident.")
        @OptionGroup var action: ActionOptions
        func run() async throws { try await action.apply(.resolve, verb: "resolved") }
    }

    struct Reopen: AuditedCommand {
        var global: GlobalOptions { action.global }
        var auditAction: String { "incident reopen" }
        var auditTarget: String? { action.id.uppercased() }
        static let configuration = CommandConfiguration(
            commandName: "reopen", abstract: "Reopen a resolved incident (back to triggered).")
        @OptionGroup var action: ActionOptions
        func run() async throws { try await action.apply(.reopen, verb: "reopened") }
    }

    struct Close: AuditedCommand {
        var global: GlobalOptions { action.global }
        var auditAction: String { "incident close" }
        var auditTarget: String? { action.id.uppercased() }
        static let configuration = CommandConfiguration(
            commandName: "close",
            abstract: "Close a resolved incident (P0/P1 need a published post-mortem, unless --force --reason).")
        @OptionGroup var action: ActionOptions
        @Flag(help: "Close past the post-mortem gate; needs --reason, which the timeline keeps.") var force = false
        @Option(help: "Why the gate is passed (with --force).") var reason: String?

        func validate() throws {
            if force, (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--force needs --reason TEXT: why the post-mortem is not needed")
            }
            if !force, reason != nil { throw ValidationError("--reason goes with --force") }
        }

        func run() async throws {
            try await action.apply(force ? .forceClose(reason: reason ?? "") : .close, verb: "closed")
        }
    }

    struct SeverityChange: AuditedCommand {
        var auditAction: String { "incident severity" }
        var auditTarget: String? { id.uppercased() }
        static let configuration = CommandConfiguration(
            commandName: "severity", abstract: "Change the severity; raising it re-plans the escalation.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The incident id.") var id: String
        @Argument(help: "P0, P1, P2 or P3.") var severity: String
        @Flag(help: "Print JSON.") var json = false

        func validate() throws {
            guard Severity(parsing: severity) != nil else { throw ValidationError("severity must be P0, P1, P2 or P3") }
        }

        func run() async throws {
            try await IncidentActions.apply(
                .changeSeverity(Severity(parsing: severity)!), id: id, note: nil, actor: actor.actor,
                json: json, global: global, verb: "now \(severity.uppercased())")
        }
    }

    struct Note: AuditedCommand {
        var auditAction: String { "incident note" }
        var auditTarget: String? { id.uppercased() }
        static let configuration = CommandConfiguration(commandName: "note", abstract: "Add a note to the timeline.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The incident id.") var id: String
        @Argument(help: "The note.") var text: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await IncidentActions.apply(
                .addNote(text), id: id, note: nil, actor: actor.actor, json: json, global: global,
                verb: "noted")
        }
    }

    struct Assign: AuditedCommand {
        var auditAction: String { "incident assign" }
        var auditTarget: String? { id.uppercased() }
        static let configuration = CommandConfiguration(
            commandName: "assign", abstract: "Assign the incident to someone.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The incident id.") var id: String
        @Argument(help: "Who.") var assignee: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await IncidentActions.apply(
                .assign(assignee), id: id, note: nil, actor: actor.actor, json: json, global: global,
                verb: "assigned to \(assignee)")
        }
    }
}

/// The arguments every state action takes.
struct ActionOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @OptionGroup var actor: IncidentCommand.ActorOptions
    @Argument(help: "The incident id, e.g. INC-3.") var id: String
    @Option(help: "Also add this note to the timeline.") var note: String?
    @Flag(help: "Print JSON.") var json = false

    func apply(_ action: IncidentAction, verb: String) async throws {
        try await IncidentActions.apply(
            action, id: id, note: note, actor: actor.actor, json: json, global: global, verb: verb)
    }
}

/// Applies incident actions through the store and prints the result.
enum IncidentActions {
    /// Applies `action` (and a note) to incident `id` in one transaction.
    static func apply(
        _ action: IncidentAction, id: String, note: String?, actor: String, json: Bool, global: GlobalOptions,
        verb: String
    ) async throws {
        let now = Date()
        let engine = IncidentEngine(policy: try global.loadConfig().policy)
        let transition = try await global.openStore().updateIncident(id: id, at: now) { incident in
            try engine.apply(action, note: note, to: incident, by: actor, at: now)
        }
        try IncidentPrinter.print(transition.incident, json: json, verb: verb)
    }
}
