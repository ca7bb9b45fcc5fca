import ArgumentParser
import Foundation
import Incidents

extension IncidentRole: ExpressibleByArgument {}

extension IncidentCommand {
    /// `firebreak incident role INC-1 communications bob`.
    struct RoleCommand: AuditedCommand {
        static let configuration = CommandConfiguration(
            commandName: "role",
            abstract: "Give an incident role (commander, communications, scribe) to someone, or clear it (--clear).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: ActorOptions
        @Argument(help: "The incident id.") var id: String
        @Argument(help: "commander, communications or scribe.") var role: IncidentRole
        @Argument(help: "Who takes it (a handle under users: when firebreak.yml has users).") var person: String?
        @Flag(help: "Nobody holds the role any more.") var clear = false
        @Option(help: "Also add this note to the timeline.") var note: String?
        @Flag(help: "Print JSON.") var json = false

        var auditAction: String { "incident role" }
        var auditTarget: String? { id.uppercased() }

        func validate() throws {
            if clear, person != nil { throw ValidationError("give a PERSON or --clear, not both") }
            if !clear, person == nil {
                throw ValidationError("give the PERSON who takes the \(role.rawValue) role, or --clear")
            }
        }

        func run() async throws {
            let users = try global.loadConfig().users
            if let person, !users.isEmpty, users[person] == nil {
                throw InputError(
                    "no user '\(person)' under users: in \(global.configPath)\(closest(person, users.keys.sorted()))")
            }
            try await IncidentActions.apply(
                .assignRole(role, person), id: id, note: note, actor: actor.actor, json: json, global: global,
                verb: person.map { "now has \($0) as \(role.rawValue)" } ?? "has no \(role.rawValue) now")
        }
    }
}
