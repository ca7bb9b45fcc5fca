import Store

/// What publishing does to the edited text: the action items come from the store (so an item added after the
/// draft was generated is never lost), and the `_TODO` placeholders a human must fill are counted.
public enum Publication {
    /// The `## ` sections that still hold a `_TODO` placeholder, in document order.
    public static func unfinishedSections(in markdown: String) -> [String] {
        var result: [String] = []
        var section = "(before the first section)"
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("## ") {
                section = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
            } else if line.contains("_TODO"), result.last != section {
                result.append(section)
            }
        }
        return result
    }

    /// `markdown` with its `## Action items` section's table replaced by `items` (appended when the section is
    /// missing). The prose a human wrote in the section, above the table, is kept.
    public static func mergingActionItems(_ items: [ActionItem], into markdown: String) -> String {
        let table = actionTable(items)
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let heading = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "## Action items" })
        else {
            if items.isEmpty { return markdown }
            let separator = markdown.hasSuffix("\n") ? "\n" : "\n\n"
            return markdown + separator + "## Action items\n\n" + table.joined(separator: "\n") + "\n"
        }
        let end = lines[(heading + 1)...].firstIndex { $0.hasPrefix("## ") } ?? lines.count
        let body = lines[(heading + 1)..<end]
        // The table: from its header row to its last row. Anything else in the section stays.
        let tableStart = body.firstIndex { $0.hasPrefix("| Type |") }
        let tableEnd = tableStart.map { start in (body[start...].firstIndex { !$0.hasPrefix("|") } ?? end) }
        if let tableStart, let tableEnd {
            lines.replaceSubrange(tableStart..<tableEnd, with: table)
        } else {
            lines.replaceSubrange((heading + 1)..<(heading + 1), with: [""] + table)
        }
        return lines.joined(separator: "\n")
    }

    /// `markdown` with its header table's `| Status | … |` row saying `status`, so that a published text does not
    /// still read "draft". The first such row only; a text without one is unchanged.
    public static func settingStatus(_ status: String, in markdown: String) -> String {
        var lines = markdown.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let row = lines.firstIndex(where: { $0.hasPrefix("| Status |") && $0.hasSuffix("|") }) else {
            return markdown
        }
        lines[row] = "| Status | \(status) |"
        return lines.joined(separator: "\n")
    }

    static func actionTable(_ items: [ActionItem]) -> [String] {
        var rows = ["| Type | Action | Owner | Status | Link |", "|---|---|---|---|---|"]
        for item in items {
            rows.append(
                "| \(item.type.rawValue) | \(PostmortemContext.cell(item.text)) | \(PostmortemContext.cell(item.owner)) | "
                    + "\(item.status) | \(item.link.map { "[link](\($0))" } ?? "-") |")
        }
        if items.isEmpty {
            rows.append(
                "| | none recorded (`firebreak postmortem action add INC-n --type prevent --owner NAME \"text\"`) | | | |"
            )
        }
        return rows
    }
}
