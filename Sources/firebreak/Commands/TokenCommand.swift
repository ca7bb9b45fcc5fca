import ArgumentParser
import Basics
import Foundation
import Server
import Store

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens (stored hashed; shown once).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AuditedCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a token and print it once; only its hash is stored.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A name for the token (letters, digits, '-', '_', '.').") var name: String
        @Option(help: "The user it acts as (a handle under users: in firebreak.yml); its actions are theirs.")
        var user: String?
        @Option(
            help: ArgumentHelp(
                "calendar (.ics feeds only), webhook (post alerts only), viewer (read), responder (act on incidents and runs) or admin.",
                valueName: "role"))
        var role: TokenRole = .responder
        @Flag(help: "Print JSON.") var json = false

        var auditAction: String { "token create" }
        var auditTarget: String? { name }

        func run() async throws {
            if let user {
                let config = try global.loadConfig()
                guard config.users[user] != nil else {
                    throw ValidationError(
                        "no user '\(user)' under users: in \(global.configPath)\(Suggestion.didYouMean(user, in: config.users.keys.sorted()))"
                    )
                }
            }
            let token = try await TokenAuthority(store: global.openStore()).create(name: name, user: user, role: role)
            if json {
                try printJSON(["name": name, "token": token, "role": role.rawValue, "user": user ?? ""])
            } else {
                print(token)
                FileHandle.standardError.write(
                    "created \(role.rawValue) token '\(name)'\(user.map { " for \($0)" } ?? ""); it is shown only this once. Use it as 'Authorization: Bearer <token>'.\n"
                )
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List tokens (never the tokens themselves).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        struct TokenJSON: Encodable {
            var name: String
            var prefix: String
            var createdAt: Date
            var revokedAt: Date?
            var user: String?
            var role: String
        }

        func run() async throws {
            let tokens = try await global.openStore().tokens()
            if json {
                try printJSON(
                    tokens.map {
                        TokenJSON(
                            name: $0.name, prefix: "fbk_\($0.prefix)…", createdAt: $0.createdAt,
                            revokedAt: $0.revokedAt,
                            user: $0.user, role: $0.role.rawValue)
                    })
                return
            }
            if tokens.isEmpty {
                print("No tokens in \(global.dataDirectory.path). Create one with 'firebreak token create NAME'.")
                return
            }
            let formatter = ISO8601DateFormatter()
            print(
                Table.render(
                    [["NAME", "ROLE", "USER", "PREFIX", "CREATED", "STATUS"]]
                        + tokens.map {
                            [
                                $0.name, $0.role.rawValue, $0.user ?? "-", "fbk_\($0.prefix)…",
                                formatter.string(from: $0.createdAt),
                                $0.revokedAt.map { "revoked \(formatter.string(from: $0))" } ?? "active",
                            ]
                        }))
        }
    }

    struct Revoke: AuditedCommand {
        static let configuration = CommandConfiguration(
            commandName: "revoke", abstract: "Revoke a token; requests with it get 403 at once.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The token's name.") var name: String

        var auditAction: String { "token revoke" }
        var auditTarget: String? { name }

        func run() async throws {
            try await global.openStore().revokeToken(name: name, at: Date())
            print("revoked token '\(name)'")
        }
    }
}

extension TokenRole: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}
