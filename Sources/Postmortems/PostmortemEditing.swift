import Foundation
import Store

/// Saving a post-mortem in review or published, the same way from the CLI and the console: the store's action
/// items are merged in, the status line is set, and publishing refuses while TODO placeholders are left (unless
/// forced, which the timeline records).
public enum PostmortemEditing {
    /// Publishing was refused: these sections still hold `_TODO_` placeholders.
    public struct UnfinishedError: Error, Sendable, Equatable {
        public var incidentID: String
        public var sections: [String]

        /// The refusal in words, ending with what to do: `fix` names how to fill them in.
        public func message(fix: String) -> String {
            "\(incidentID)'s post-mortem still has TODO placeholders in: \(sections.joined(separator: ", ")); \(fix)"
        }
    }

    /// Stores `markdown` (or the stored draft, or a fresh one) with `status`.
    /// - Returns: The stored record and how many TODO placeholders are left.
    /// - Throws: ``UnfinishedError`` for a publication with placeholders left and no `force`.
    public static func save(
        _ markdown: String?, status: PostmortemStatus, force: Bool, incidentID: String, by actor: String, at time: Date,
        store: any Storage
    ) async throws -> (record: PostmortemRecord, todos: Int) {
        let text: String
        if let markdown {
            text = markdown
        } else if let stored = try await store.postmortem(incidentID: incidentID) {
            text = stored.markdown
        } else {
            text = try await PostmortemGenerator(templatePath: nil).markdown(for: incidentID, store: store)
        }
        let merged = Publication.settingStatus(
            status.rawValue.replacingOccurrences(of: "_", with: " "),
            in: Publication.mergingActionItems(try await store.actionItems(incidentID: incidentID), into: text))
        let unfinished = Publication.unfinishedSections(in: merged)
        if status == .published, !unfinished.isEmpty, !force {
            throw UnfinishedError(incidentID: incidentID, sections: unfinished)
        }
        let record = try await store.savePostmortem(
            incidentID: incidentID, markdown: merged, status: status, by: actor, at: time,
            forcedOver: status == .published ? unfinished : [])
        return (record, merged.components(separatedBy: "_TODO").count - 1)
    }
}
