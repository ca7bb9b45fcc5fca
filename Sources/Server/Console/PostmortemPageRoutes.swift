import Foundation
import Hummingbird
import Postmortems
import Runbooks
import Store
import WebConsole

/// An incident's post-mortem in the console: read it, edit it, save it for review, publish it, and track its
/// action items.
struct PostmortemPageRoutes {
    let console: ConsoleRoutes

    func register(on group: ConsoleGroup) {
        group.get("incidents/:id/postmortem", use: show)
        group.post("incidents/:id/postmortem", use: save)
        group.post("incidents/:id/postmortem/actions", use: addItem)
        group.post("incidents/:id/postmortem/actions/:item/done", use: markDone)
    }

    @Sendable func show(_ request: Request, context: FirebreakContext) async throws -> Response {
        try await render(
            context, edited: nil, problem: nil, status: .ok, done: request.uri.queryParameters["done"].map(String.init))
    }

    func render(
        _ context: FirebreakContext, edited: String?, problem: String?, status: HTTPResponse.Status, done: String? = nil
    ) async throws -> Response {
        let store = console.store
        let incident = try await store.incident(id: try context.parameters.require("id"))
        let record = try await store.postmortem(incidentID: incident.id)
        let markdown: String
        if let edited {
            markdown = edited
        } else if let record {
            markdown = record.markdown
        } else {
            markdown = try await PostmortemGenerator(templatePath: nil).markdown(for: incident.id, store: store)
        }
        var chrome = console.chrome("Post-mortem \(incident.id)", context, topics: [.postmortems])
        chrome.nav.incidents = true
        chrome.problem = problem
        chrome.flash = done.flatMap { ["published": "Published.", "in_review": "Saved for review."][$0] }
        if status != .ok { chrome.page = "/incidents/\(incident.id)/postmortem" }
        let page = PostmortemPage(
            chrome: chrome, incident: incident.id, title: incident.title, record: record, markdown: markdown,
            documentHTML: HTMLRenderer.safeFragment(record?.markdown ?? markdown),
            items: try await store.actionItems(incidentID: incident.id),
            canAct: context.canAct)
        return console.page("postmortem", page, status: status)
    }

    /// Saves the edited text for review or publishes it; the publish gate's refusal shows on the page, with the
    /// text kept in the editor.
    @Sendable func save(_ request: Request, context: FirebreakContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let incident = try await console.store.incident(id: id)
        let text = context.form["markdown"] ?? ""
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw APIError(.badRequest, "missing_field", "The post-mortem is empty; nothing to save.")
        }
        let status: PostmortemStatus = context.form["status"] == "published" ? .published : .inReview
        let label = "POST /incidents/\(incident.id)/postmortem (\(status.rawValue))"
        do {
            _ = try await PostmortemEditing.save(
                text, status: status, force: context.form["force"] == "true", incidentID: incident.id,
                by: context.consoleActor, at: Date(), store: console.store)
            await console.record(label, target: incident.id, result: "ok", context: context)
            return ConsolePage.redirect("/incidents/\(incident.id)/postmortem?done=\(status.rawValue)")
        } catch let error as PostmortemEditing.UnfinishedError {
            await console.record(label, target: incident.id, result: "409 unfinished", context: context)
            return try await render(
                context, edited: text,
                problem: error.message(
                    fix: "fill them in, or tick “Publish even with TODO placeholders” (recorded on the timeline)"),
                status: .conflict)
        }
    }

    @Sendable func addItem(_ request: Request, context: FirebreakContext) async throws -> Response {
        let incident = try await console.store.incident(id: try context.parameters.require("id"))
        let form = context.form
        guard let kind = ActionItem.Kind(rawValue: form["type"] ?? "") else {
            throw APIError(.badRequest, "invalid_field", "The type must be mitigate, prevent, process or other.")
        }
        let owner = (form["owner"] ?? "").trimmingCharacters(in: .whitespaces)
        let text = (form["text"] ?? "").trimmingCharacters(in: .whitespaces)
        guard !owner.isEmpty, !text.isEmpty else {
            throw APIError(.badRequest, "missing_field", "An action item needs an owner and what to do.")
        }
        let link = form["link"].flatMap { $0.isEmpty ? nil : $0 }
        if let link, ConsoleFormat.safeLink(link) == nil {
            throw APIError(.badRequest, "invalid_field", "The link must be an http or https URL.")
        }
        let item = try await console.store.addActionItem(
            ActionItem(incidentID: incident.id, type: kind, owner: owner, text: text, link: link, createdAt: Date()))
        await console.record(
            "POST /incidents/\(incident.id)/postmortem/actions", target: String(item.id), result: "ok",
            context: context)
        return ConsolePage.redirect("/incidents/\(incident.id)/postmortem")
    }

    @Sendable func markDone(_ request: Request, context: FirebreakContext) async throws -> Response {
        let incident = try await console.store.incident(id: try context.parameters.require("id"))
        let text = try context.parameters.require("item")
        guard let itemID = Int64(text) else {
            throw APIError(.badRequest, "invalid_id", "'\(text)' is not an action item id.")
        }
        guard try await console.store.actionItems(incidentID: incident.id).contains(where: { $0.id == itemID }) else {
            throw APIError(.notFound, "not_found", "\(incident.id) has no action item \(itemID).")
        }
        _ = try await console.store.setActionItemStatus(
            id: itemID, status: "done", by: context.consoleActor, at: Date())
        await console.record(
            "POST /incidents/\(incident.id)/postmortem/actions/\(itemID)/done", target: text, result: "ok",
            context: context)
        return ConsolePage.redirect("/incidents/\(incident.id)/postmortem")
    }
}
