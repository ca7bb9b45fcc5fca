import ArgumentParser
import Foundation
import Server
import Store

struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create, list and revoke API tokens (stored hashed; shown once).",
        subcommands: [Create.self, List.self, Revoke.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token and print it once; only its hash is stored.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "A name for the token (letters, digits, '-', '_', '.').") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let token = try await TokenAuthority(store: global.openStore()).create(name: name)
            if json {
                try printJSON(["name": name, "token": token])
            } else {
                print(token)
                FileHandle.standardError.write(
                    "created token '\(name)'; it is shown only this once. Use it as 'Authorization: Bearer <token>'.\n")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tokens (never the tokens themselves).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        struct TokenJSON: Encodable {
            var name: String
            var prefix: String
            var createdAt: Date
            var revokedAt: Date?
        }

        func run() async throws {
            let tokens = try await global.openStore().tokens()
            if json {
                try printJSON(
                    tokens.map {
                        TokenJSON(
                            name: $0.name, prefix: "fbk_\($0.prefix)…", createdAt: $0.createdAt, revokedAt: $0.revokedAt
                        )
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
                    [["NAME", "PREFIX", "CREATED", "STATUS"]]
                        + tokens.map {
                            [
                                $0.name, "fbk_\($0.prefix)…", formatter.string(from: $0.createdAt),
                                $0.revokedAt.map { "revoked \(formatter.string(from: $0))" } ?? "active",
                            ]
                        }))
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token; requests with it get 403 at once.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The token's name.") var name: String

        func run() async throws {
            try await global.openStore().revokeToken(name: name, at: Date())
            print("revoked token '\(name)'")
        }
    }
}
