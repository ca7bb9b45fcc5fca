import ArgumentParser
import Foundation
import Postmortems
import Store

struct PostmortemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postmortem",
        abstract: "Generate, review and publish post-mortems; track their action items.",
        discussion: """
            The template is --template, else ./templates/postmortem.md.mustache when it exists, else the built-in \
            copy of it. See docs/postmortems.md for the template variables.
            """,
        subcommands: [Generate.self, Show.self, Review.self, Publish.self, Action.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "generate",
            abstract: "Build the post-mortem from the timeline, runs, alerts and module results.",
            discussion:
                "It is saved as the draft unless a version in review or published exists; it is printed (or written to --out) either way."
        )
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: IncidentCommand.ActorOptions
        @Argument(help: "The incident id, e.g. INC-3.") var id: String
        @Option(help: ArgumentHelp("A Mustache template.", valueName: "path")) var template: String?
        @Option(help: "md or html (a complete page with a table of contents).") var format = "md"
        @Option(help: ArgumentHelp("Write here instead of standard output.", valueName: "path")) var out: String?
        @Flag(help: "Print JSON: the incident, the status, the Markdown and the metrics.") var json = false

        func validate() throws {
            guard ["md", "html"].contains(format) else {
                throw ValidationError("--format must be md or html, not '\(format)'")
            }
        }

        func run() async throws {
            let store = try await global.openStore()
            let generator = try PostmortemGenerator(templatePath: template)
            let input = try await PostmortemInput.load(from: store, incidentID: id)
            let now = Date()
            let markdown = generator.markdown(input, now: now)
            let existing = try await store.postmortem(incidentID: input.incident.id)
            var status = existing?.status ?? .draft
            if existing == nil || existing?.status == .draft {
                status = try await store.savePostmortem(
                    incidentID: input.incident.id, markdown: markdown, status: .draft, by: actor.actor, at: now
                ).status
            } else {
                FileHandle.standardError.write(
                    "note: \(input.incident.id)'s post-mortem is \(status.rawValue); this draft was not saved over it\n"
                )
            }
            let output =
                format == "html"
                ? PostmortemGenerator.html(
                    markdown: markdown, title: "Post-mortem: \(input.incident.id) \(input.incident.title)") : markdown
            if json {
                let metrics = ResponseMetrics(input, now: now)
                return try printJSON(
                    GeneratedJSON(
                        incident: input.incident.id, status: status.rawValue, format: format, document: output,
                        ttaSeconds: metrics.timeToAcknowledge, ttmSeconds: metrics.timeToMitigate,
                        ttrSeconds: metrics.timeToResolve, escalations: metrics.escalations))
            }
            if let out {
                do {
                    try output.write(toFile: out, atomically: true, encoding: .utf8)
                } catch {
                    throw ValidationError("cannot write \(out): \(error.localizedDescription)")
                }
                FileHandle.standardError.write(
                    "wrote \(out) (\(status.rawValue)); edit it, then 'firebreak postmortem publish \(input.incident.id) --file \(out)'\n"
                )
            } else {
                print(output, terminator: output.hasSuffix("\n") ? "" : "\n")
            }
        }
    }

    struct GeneratedJSON: Encodable {
        var incident: String
        var status: String
        var format: String
        var document: String
        var ttaSeconds: Double?
        var ttmSeconds: Double?
        var ttrSeconds: Double?
        var escalations: Int

    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Print the stored post-mortem, or its history.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The incident id.") var id: String
        @Flag(help: "List every saved version instead.") var history = false
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let store = try await global.openStore()
            let incident = try await store.incident(id: id)
            if history {
                let versions = try await store.postmortemHistory(incidentID: incident.id)
                if json {
                    return try printJSON(
                        versions.map {
                            VersionJSON(
                                status: $0.status.rawValue, at: $0.at, by: $0.actor, bytes: $0.markdown.utf8.count)
                        })
                }
                for version in versions {
                    print(
                        "\(formatDate(version.at))  \(version.status.rawValue)  by \(version.actor)  \(version.markdown.utf8.count) bytes"
                    )
                }
                return
            }
            guard let stored = try await store.postmortem(incidentID: incident.id) else {
                throw ValidationError(
                    "\(incident.id) has no post-mortem yet; create one with 'firebreak postmortem generate \(incident.id)'"
                )
            }
            if json {
                return try printJSON(
                    StoredJSON(
                        incident: incident.id, status: stored.status.rawValue, markdown: stored.markdown,
                        updatedAt: stored.updatedAt, updatedBy: stored.updatedBy, publishedAt: stored.publishedAt))
            }
            print(stored.markdown, terminator: stored.markdown.hasSuffix("\n") ? "" : "\n")
        }
    }

    struct VersionJSON: Encodable {
        var status: String
        var at: Date
        var by: String
        var bytes: Int
    }

    struct StoredJSON: Encodable {
        var incident: String
        var status: String
        var markdown: String
        var updatedAt: Date
        var updatedBy: String
        var publishedAt: Date?

    }

    /// Shared by review and publish: the text to store.
    struct SaveOptions: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @OptionGroup var actor: IncidentCommand.ActorOptions
        @Argument(help: "The incident id.") var id: String
        @Option(
            help: ArgumentHelp("The edited Markdown (default: the stored draft, or a fresh one).", valueName: "path"))
        var file: String?

        func save(_ status: PostmortemStatus, force: Bool = false) async throws {
            let store = try await global.openStore()
            let incident = try await store.incident(id: id)
            var markdown: String?
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw ValidationError("cannot read \(file); pass the file you edited")
                }
                markdown = String(decoding: data, as: UTF8.self)
                guard !(markdown ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
                    throw ValidationError("\(file) is empty; nothing to \(status == .published ? "publish" : "save")")
                }
            }
            let todos: Int
            do {
                todos = try await PostmortemEditing.save(
                    markdown, status: status, force: force, incidentID: incident.id, by: actor.actor, at: Date(),
                    store: store
                ).todos
            } catch let error as PostmortemEditing.UnfinishedError {
                throw ValidationError(
                    error.message(
                        fix:
                            "fill them in\(file.map { " (\($0))" } ?? ""), or publish anyway with --force (recorded on the timeline)"
                    ))
            }
            print(
                "\(incident.id)'s post-mortem is \(status.rawValue.replacingOccurrences(of: "_", with: " "))"
                    + (todos > 0 ? " (\(todos) TODO placeholder(s) left)" : ""))
        }
    }

    struct Review: AuditedCommand {
        var global: GlobalOptions { options.global }
        var auditAction: String { "postmortem review" }
        var auditTarget: String? { options.id.uppercased() }

        static let configuration = CommandConfiguration(
            commandName: "review",
            abstract: "Store the edited text and mark the post-mortem in review.")
        @OptionGroup var options: SaveOptions
        func run() async throws { try await options.save(.inReview) }
    }

    struct Publish: AuditedCommand {
        var global: GlobalOptions { options.global }
        var auditAction: String { "postmortem publish" }
        var auditTarget: String? { options.id.uppercased() }

        static let configuration = CommandConfiguration(
            commandName: "publish",
            abstract: "Store the edited text and mark the post-mortem published (P0/P1 incidents can then close).")
        @OptionGroup var options: SaveOptions
        @Flag(help: "Publish even with TODO placeholders left; recorded on the incident's timeline.") var force = false
        func run() async throws { try await options.save(.published, force: force) }
    }

    struct Action: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "action",
            abstract: "Action items of a post-mortem.", subcommands: [Add.self, List.self, Done.self])

        struct Done: AuditedCommand {
            var auditAction: String { "postmortem action done" }
            var auditTarget: String? { String(itemID) }

            static let configuration = CommandConfiguration(
                commandName: "done",
                abstract: "Mark an action item done (--reopen: open again).")
            @OptionGroup var global: GlobalOptions
            @OptionGroup var actor: IncidentCommand.ActorOptions
            @Argument(help: "The action item id (see 'postmortem action list').") var itemID: Int64
            @Flag(help: "Mark it open again.") var reopen = false
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let item = try await global.openStore().setActionItemStatus(
                    id: itemID, status: reopen ? "open" : "done",
                    by: actor.actor, at: Date())
                if json { return try printJSON(ActionJSON(item)) }
                print("action item \(item.id) of \(item.incidentID) is \(item.status): \(item.text)")
            }
        }

        struct Add: AuditedCommand {
            var auditAction: String { "postmortem action add" }
            var auditTarget: String? { id.uppercased() }

            static let configuration = CommandConfiguration(commandName: "add", abstract: "Add an action item.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The incident id.") var id: String
            @Option(help: "mitigate, prevent, process or other.") var type: String
            @Option(help: "Who owns it.") var owner: String
            @Option(help: ArgumentHelp("A ticket or document.", valueName: "url")) var link: String?
            @Argument(help: "What to do.") var text: String
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                guard let kind = ActionItem.Kind(rawValue: type) else {
                    throw ValidationError("--type must be one of mitigate, prevent, process, other, not '\(type)'")
                }
                let store = try await global.openStore()
                let incident = try await store.incident(id: id)
                let item = try await store.addActionItem(
                    ActionItem(
                        incidentID: incident.id, type: kind, owner: owner, text: text, link: link, createdAt: Date()))
                if json { return try printJSON(ActionJSON(item)) }
                print("action item \(item.id) added to \(incident.id): [\(kind.rawValue)] \(text) (owner \(owner))")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "list", abstract: "List an incident's action items.")
            @OptionGroup var global: GlobalOptions
            @Argument(help: "The incident id.") var id: String
            @Flag(help: "Print JSON.") var json = false

            func run() async throws {
                let store = try await global.openStore()
                let items = try await store.actionItems(incidentID: try await store.incident(id: id).id)
                if json { return try printJSON(items.map(ActionJSON.init)) }
                if items.isEmpty {
                    print(
                        "No action items. Add one with 'firebreak postmortem action add \(id) --type prevent --owner NAME \"text\"'."
                    )
                    return
                }
                print(
                    Table.render(
                        [["ID", "TYPE", "OWNER", "STATUS", "ACTION", "LINK"]]
                            + items.map {
                                [String($0.id), $0.type.rawValue, $0.owner, $0.status, $0.text, $0.link ?? "-"]
                            }))
            }
        }
    }

    struct ActionJSON: Encodable {
        var id: Int64
        var incident: String
        var type: String
        var owner: String
        var status: String
        var text: String
        var link: String?
        var createdAt: Date

        init(_ item: ActionItem) {
            id = item.id
            incident = item.incidentID
            type = item.type.rawValue
            owner = item.owner
            status = item.status
            text = item.text
            link = item.link
            createdAt = item.createdAt
        }
    }
}
