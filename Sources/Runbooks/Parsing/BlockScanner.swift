/// Splits a Markdown body into the blocks the engine cares about: headings, fenced
/// code, task-list items and everything else (prose). Discount has no public syntax
/// tree, so this small scanner finds the steps; Discount only renders HTML.
struct BlockScanner {
    /// One block of the body.
    enum Block {
        case heading(text: String, line: Int)
        case fence(info: String, content: [Substring], line: Int, raw: [Substring])
        case unclosedFence(line: Int, marker: String)
        case task(text: String, checked: Bool, line: Int)
        case prose(Substring)
    }

    /// Scans `lines`, where `lines[0]` is on file line `firstLine`.
    static func scan(_ lines: ArraySlice<Substring>, firstLine: Int, into visit: (Block) -> Void) {
        var index = lines.startIndex
        while index < lines.endIndex {
            let line = lines[index]
            let lineNumber = firstLine + (index - lines.startIndex)
            if let (marker, count, info) = fenceOpening(line) {
                var close = index + 1
                while close < lines.endIndex, !isFenceClosing(lines[close], marker: marker, count: count) {
                    close += 1
                }
                if close == lines.endIndex {
                    visit(.unclosedFence(line: lineNumber, marker: String(repeating: Character(UnicodeScalar(marker)), count: count)))
                    return
                }
                visit(.fence(info: info, content: Array(lines[(index + 1)..<close]), line: lineNumber,
                             raw: Array(lines[index...close])))
                index = close + 1
                continue
            }
            if let heading = atxHeading(line) {
                visit(.heading(text: heading, line: lineNumber))
            } else if let (text, checked) = taskItem(line) {
                visit(.task(text: text, checked: checked, line: lineNumber))
            } else {
                visit(.prose(line))
            }
            index += 1
        }
    }

    /// `(marker byte, marker count, info string)` when `line` opens a fence.
    static func fenceOpening(_ line: Substring) -> (UInt8, Int, String)? {
        let utf8 = line.utf8
        var cursor = utf8.startIndex
        var indent = 0
        while cursor < utf8.endIndex, utf8[cursor] == 32, indent < 4 {
            indent += 1
            cursor = utf8.index(after: cursor)
        }
        guard indent < 4, cursor < utf8.endIndex else { return nil }
        let marker = utf8[cursor]
        guard marker == 96 || marker == 126 else { return nil }  // ` or ~
        var count = 0
        while cursor < utf8.endIndex, utf8[cursor] == marker {
            count += 1
            cursor = utf8.index(after: cursor)
        }
        guard count >= 3 else { return nil }
        let info = Substring(utf8[cursor...])
        if marker == 96, info.utf8.contains(96) { return nil }  // backticks may not appear in a ` info string
        return (marker, count, String(info.trimmingSpaces()))
    }

    static func isFenceClosing(_ line: Substring, marker: UInt8, count: Int) -> Bool {
        let utf8 = line.utf8
        var cursor = utf8.startIndex
        var indent = 0
        while cursor < utf8.endIndex, utf8[cursor] == 32 {
            indent += 1
            cursor = utf8.index(after: cursor)
        }
        guard indent < 4 else { return false }
        var run = 0
        while cursor < utf8.endIndex, utf8[cursor] == marker {
            run += 1
            cursor = utf8.index(after: cursor)
        }
        guard run >= count else { return false }
        while cursor < utf8.endIndex {
            if utf8[cursor] != 32 && utf8[cursor] != 9 && utf8[cursor] != 13 { return false }
            cursor = utf8.index(after: cursor)
        }
        return true
    }

    static func atxHeading(_ line: Substring) -> String? {
        let trimmed = line.drop { $0 == " " }
        guard line.count - trimmed.count < 4, trimmed.first == "#" else { return nil }
        let hashes = trimmed.prefix { $0 == "#" }
        guard hashes.count <= 6 else { return nil }
        let rest = trimmed.dropFirst(hashes.count)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var text = rest.trimmingSpaces()
        // An optional closing sequence of #s is not part of the heading.
        if let lastNonHash = text.lastIndex(where: { $0 != "#" }), text.last == "#",
            text[lastNonHash] == " "
        {
            text = text[...lastNonHash].trimmingSpaces()
        } else if text.allSatisfy({ $0 == "#" }) {
            text = ""
        }
        return String(text)
    }

    static func taskItem(_ line: Substring) -> (String, Bool)? {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        let utf8 = Array(trimmed.utf8.prefix(6))
        guard utf8.count >= 5, utf8[0] == 45 || utf8[0] == 42 || utf8[0] == 43, utf8[1] == 32, utf8[2] == 91,
            utf8[4] == 93
        else { return nil }
        let mark = utf8[3]
        guard mark == 32 || mark == 120 || mark == 88 else { return nil }
        guard utf8.count == 5 || utf8[5] == 32 else { return nil }
        let text = trimmed.dropFirst(5).trimmingSpaces()
        return (String(text), mark != 32)
    }
}

extension Substring {
    /// The substring without leading and trailing spaces, tabs and carriage returns.
    func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" || first == "\r" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" || last == "\r" { result = result.dropLast() }
        return result
    }
}

extension String {
    /// The string without leading and trailing whitespace.
    func trimmed() -> String {
        String(Substring(self).trimmingSpaces())
    }
}
