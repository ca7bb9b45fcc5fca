import Foundation
import Store

/// A post-mortem: the rendered document, its action items, and the editor.
public struct PostmortemPage: Sendable {
    public struct Item: Sendable {
        public var id: Int64
        public var type: String
        public var owner: String
        public var text: String
        public var link: String?
        public var status: String
        public var open: Bool
    }

    public var chrome: Chrome
    public var incident: String
    public var title: String
    public var status: String
    public var updated: String?
    public var markdown: String
    /// Rendered by Discount with raw HTML escaped and only safe links.
    public var documentHTML: String
    public var items: [Item]
    public var hasItems: Bool
    public var canAct: Bool

    public init(
        chrome: Chrome, incident: String, title: String, record: PostmortemRecord?, markdown: String,
        documentHTML: String, items: [ActionItem], canAct: Bool
    ) {
        self.chrome = chrome
        self.incident = incident
        self.title = title
        status = record.map { $0.status.rawValue.replacingOccurrences(of: "_", with: " ") } ?? "not saved yet (a draft)"
        updated = record.map { "\(ConsoleFormat.time($0.updatedAt)) by \($0.updatedBy)" }
        self.markdown = markdown
        self.documentHTML = documentHTML
        self.items = items.map {
            Item(
                id: $0.id, type: $0.type.rawValue, owner: $0.owner, text: $0.text,
                link: ConsoleFormat.safeLink($0.link),
                status: $0.status, open: $0.status != "done")
        }
        hasItems = !items.isEmpty
        self.canAct = canAct
    }
}
