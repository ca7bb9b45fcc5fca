import Foundation
import GRDB
import Incidents

/// Where a post-mortem stands.
public enum PostmortemStatus: String, Sendable, Codable, CaseIterable {
    case draft
    case inReview = "in_review"
    case published
}

/// A stored post-mortem: the current Markdown and its status.
public struct PostmortemRecord: Sendable, Equatable {
    public var incidentID: String
    public var status: PostmortemStatus
    public var markdown: String
    public var updatedAt: Date
    public var updatedBy: String
    public var publishedAt: Date?
}

/// One saved version of a post-mortem.
public struct PostmortemVersion: Sendable, Equatable {
    public var id: Int64
    public var status: PostmortemStatus
    public var markdown: String
    public var at: Date
    public var actor: String
}

/// A follow-up from a post-mortem.
public struct ActionItem: Sendable, Equatable {
    /// `mitigate`, `prevent`, `process` or `other`.
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case mitigate, prevent, process, other
    }

    public var id: Int64
    public var incidentID: String
    public var type: Kind
    public var owner: String
    /// `open` or `done`.
    public var status: String
    public var text: String
    public var link: String?
    public var createdAt: Date

    public init(
        id: Int64 = 0, incidentID: String, type: Kind, owner: String, status: String = "open", text: String,
        link: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.incidentID = incidentID
        self.type = type
        self.owner = owner
        self.status = status
        self.text = text
        self.link = link
        self.createdAt = createdAt
    }
}

extension SQLiteStore {
    /// The incident's post-mortem, or `nil` when none was saved.
    public func postmortem(incidentID: String) async throws -> PostmortemRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM postmortems WHERE incident_id = ?", arguments: [incidentID]).map {
                row in
                PostmortemRecord(
                    incidentID: row["incident_id"], status: PostmortemStatus(rawValue: row["status"]) ?? .draft,
                    markdown: row["markdown"], updatedAt: Date(timeIntervalSince1970: row["updated_at"]),
                    updatedBy: row["updated_by"],
                    publishedAt: (row["published_at"] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    /// Saves a version of the post-mortem (replacing the current one, keeping history) and, when published, records
    /// `postmortem_published` on the incident's timeline, in one transaction.
    /// - Parameter forcedOver: The unfinished sections a `--force` publication went past; recorded as
    ///   `postmortem_forced`.
    /// - Throws: ``StoreError`` `.notFound` for an unknown incident.
    @discardableResult
    public func savePostmortem(
        incidentID: String, markdown: String, status: PostmortemStatus, by actor: String, at time: Date,
        forcedOver: [String]
    ) async throws -> PostmortemRecord {
        try await write { db in
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM incidents WHERE id = ?", arguments: [incidentID]) != nil
            else {
                throw StoreError(.notFound, "no incident \(incidentID)", entity: .incident)
            }
            let publishedAt: Double? = status == .published ? time.timeIntervalSince1970 : nil
            try db.execute(
                sql: """
                    INSERT INTO postmortems (incident_id, status, markdown, updated_at, updated_by, published_at)
                    VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT(incident_id) DO UPDATE SET status = excluded.status, markdown = excluded.markdown,
                        updated_at = excluded.updated_at, updated_by = excluded.updated_by,
                        published_at = COALESCE(excluded.published_at, postmortems.published_at)
                    """,
                arguments: [incidentID, status.rawValue, markdown, time.timeIntervalSince1970, actor, publishedAt])
            try db.execute(
                sql: "INSERT INTO postmortem_history (incident_id, status, markdown, at, actor) VALUES (?, ?, ?, ?, ?)",
                arguments: [incidentID, status.rawValue, markdown, time.timeIntervalSince1970, actor])
            if !forcedOver.isEmpty {
                try Self.append(
                    TimelineEntry(
                        kind: .postmortemForced, actor: actor, at: time,
                        details: ["unfinished": forcedOver.joined(separator: ", ")]), to: incidentID, db)
            }
            try Self.append(
                TimelineEntry(
                    kind: .postmortem(status.rawValue), actor: actor, at: time,
                    details: ["bytes": String(markdown.utf8.count)]), to: incidentID, db)
            // An earlier publication's time stays (COALESCE above): answer what is stored, not what was asked.
            let stored = try Double.fetchOne(
                db, sql: "SELECT published_at FROM postmortems WHERE incident_id = ?", arguments: [incidentID])
            return PostmortemRecord(
                incidentID: incidentID, status: status, markdown: markdown, updatedAt: time, updatedBy: actor,
                publishedAt: stored.map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// Every saved version, oldest first.
    public func postmortemHistory(incidentID: String) async throws -> [PostmortemVersion] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM postmortem_history WHERE incident_id = ? ORDER BY id", arguments: [incidentID]
            ).map { row in
                PostmortemVersion(
                    id: row["id"], status: PostmortemStatus(rawValue: row["status"]) ?? .draft,
                    markdown: row["markdown"],
                    at: Date(timeIntervalSince1970: row["at"]), actor: row["actor"])
            }
        }
    }

    /// Adds an action item.
    /// - Throws: ``StoreError`` `.notFound` for an unknown incident.
    public func addActionItem(_ item: ActionItem) async throws -> ActionItem {
        try await write { db in
            guard
                try Bool.fetchOne(db, sql: "SELECT 1 FROM incidents WHERE id = ?", arguments: [item.incidentID]) != nil
            else {
                throw StoreError(
                    .notFound, "no incident \(item.incidentID)", entity: .incident)
            }
            try db.execute(
                sql:
                    "INSERT INTO action_items (incident_id, type, owner, status, text, link, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                arguments: [
                    item.incidentID, item.type.rawValue, item.owner, item.status, item.text, item.link,
                    item.createdAt.timeIntervalSince1970,
                ])
            var stored = item
            stored.id = db.lastInsertedRowID
            try Self.append(
                TimelineEntry(
                    kind: .actionItem(item.status), actor: item.owner, at: item.createdAt,
                    details: ["action_item": String(stored.id), "type": item.type.rawValue, "text": item.text]),
                to: item.incidentID, db)
            return stored
        }
    }

    /// The incident's action items, oldest first.
    public func actionItems(incidentID: String) async throws -> [ActionItem] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM action_items WHERE incident_id = ? ORDER BY id", arguments: [incidentID]
            ).map { row in
                ActionItem(
                    id: row["id"], incidentID: row["incident_id"],
                    type: ActionItem.Kind(rawValue: row["type"]) ?? .other,
                    owner: row["owner"], status: row["status"], text: row["text"], link: row["link"],
                    createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    /// Sets an action item's status (`open` or `done`), with a timeline entry on its incident.
    /// - Throws: ``StoreError`` `.notFound` for an unknown item.
    public func setActionItemStatus(id: Int64, status: String, by actor: String, at time: Date) async throws
        -> ActionItem
    {
        try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM action_items WHERE id = ?", arguments: [id]) else {
                throw StoreError(
                    .notFound, "no action item \(id)", entity: .actionItem)
            }
            try db.execute(sql: "UPDATE action_items SET status = ? WHERE id = ?", arguments: [status, id])
            let item = ActionItem(
                id: row["id"], incidentID: row["incident_id"], type: ActionItem.Kind(rawValue: row["type"]) ?? .other,
                owner: row["owner"], status: status, text: row["text"], link: row["link"],
                createdAt: Date(timeIntervalSince1970: row["created_at"]))
            try Self.append(
                TimelineEntry(
                    kind: .actionItem(status), actor: actor, at: time,
                    details: ["action_item": String(id), "text": item.text]), to: item.incidentID, db)
            return item
        }
    }
}
