import ArgumentParser
import Foundation
import Store

/// `firebreak session`: who is signed in to the web console, and ending their sessions.
struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "List and revoke the web console's sign-in sessions.",
        subcommands: [List.self, Revoke.self]
    )

    struct SessionJSON: Encodable {
        var id: Int64
        var user: String?
        var token: String?
        var role: String
        var method: String
        var createdAt: Date
        var expiresAt: Date

        init(_ session: SessionRecord) {
            id = session.id
            user = session.user
            token = session.tokenName
            role = session.role.rawValue
            method = session.method
            createdAt = session.createdAt
            expiresAt = session.expiresAt
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List the sessions that are signed in now.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let sessions = try await global.openStore().liveSessions(at: Date())
            if json { return try printJSON(sessions.map(SessionJSON.init)) }
            if sessions.isEmpty {
                print("Nobody is signed in to the console.")
                return
            }
            let formatter = ISO8601DateFormatter()
            print(
                Table.render(
                    [["ID", "WHO", "ROLE", "VIA", "SIGNED IN", "EXPIRES"]]
                        + sessions.map {
                            [
                                String($0.id), $0.actor, $0.role.rawValue, $0.method,
                                formatter.string(from: $0.createdAt), formatter.string(from: $0.expiresAt),
                            ]
                        }))
        }
    }

    struct Revoke: AuditedCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke",
            abstract:
                "Sign a session out (by id), or every session of a user (--user); their next page asks to sign in.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The session's id (firebreak session list).") var id: Int64?
        @Option(help: "Revoke every session of this user instead.") var user: String?

        var auditAction: String { "session revoke" }
        var auditTarget: String? { user ?? id.map(String.init) }

        func validate() throws {
            guard (id == nil) != (user == nil) else {
                throw ValidationError("name a session id or --user HANDLE (one of them)")
            }
        }

        func run() async throws {
            let store = try await global.openStore()
            if let user {
                let count = try await store.revokeSessions(user: user, at: Date())
                print("revoked \(count) session(s) of \(user)")
            } else if let id {
                let session = try await store.revokeSession(id: id, at: Date())
                print("revoked session \(id) of \(session.actor)")
            }
        }
    }
}
