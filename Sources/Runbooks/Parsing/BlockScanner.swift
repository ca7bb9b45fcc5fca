/// Splits a Markdown body into the blocks the engine cares about: headings, fenced
/// code, task-list items and everything else (prose). Discount has no public syntax
/// tree, so this small scanner finds the steps; Discount only renders HTML.
struct BlockScanner {
    /// One block of the body.
    enum Block {
        case heading(text: String, line: Int)
        case fence(info: String, content: [Substring], line: Int, raw: [Substring])
        case unclosedFence(line: Int, marker: String)
        case task(text: String, checked: Bool, line: Int, raw: Substring)
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
                    visit(
                        .unclosedFence(
                            line: lineNumber, marker: String(repeating: Character(UnicodeScalar(marker)), count: count))
                    )
                    return
                }
                visit(
                    .fence(
                        info: info, content: Array(lines[(index + 1)..<close]), line: lineNumber,
                        raw: Array(lines[index...close])))
                index = close + 1
                continue
            }
            if let heading = atxHeading(line) {
                visit(.heading(text: heading, line: lineNumber))
            } else if let (text, checked) = taskItem(line) {
                visit(.task(text: text, checked: checked, line: lineNumber, raw: line))
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
        guard skipRun(of: 32, in: utf8, from: &cursor) < 4, cursor < utf8.endIndex else { return nil }
        let marker = utf8[cursor]
        guard marker == 96 || marker == 126 else { return nil }  // ` or ~
        let count = skipRun(of: marker, in: utf8, from: &cursor)
        guard count >= 3 else { return nil }
        let info = Substring(utf8[cursor...])
        if marker == 96, info.utf8.contains(96) { return nil }  // backticks may not appear in a ` info string
        return (marker, count, String(info.trimmingSpaces()))
    }

    /// Skips a run of `byte` from `cursor`; returns how many there were.
    static func skipRun(of byte: UInt8, in utf8: Substring.UTF8View, from cursor: inout Substring.UTF8View.Index) -> Int
    {
        var count = 0
        while cursor < utf8.endIndex, utf8[cursor] == byte {
            count += 1
            cursor = utf8.index(after: cursor)
        }
        return count
    }

    static func isFenceClosing(_ line: Substring, marker: UInt8, count: Int) -> Bool {
        let utf8 = line.utf8
        var cursor = utf8.startIndex
        guard skipRun(of: 32, in: utf8, from: &cursor) < 4, skipRun(of: marker, in: utf8, from: &cursor) >= count else {
            return false
        }
        while cursor < utf8.endIndex {
            if utf8[cursor] != 32 && utf8[cursor] != 9 && utf8[cursor] != 13 { return false }
            cursor = utf8.index(after: cursor)
        }
        return true
    }

    static func atxHeading(_ line: Substring) -> String? {
        let utf8 = line.utf8
        var cursor = utf8.startIndex
        guard skipRun(of: 32, in: utf8, from: &cursor) < 4 else { return nil }
        let hashes = skipRun(of: 35, in: utf8, from: &cursor)  // #
        guard hashes >= 1, hashes <= 6 else { return nil }
        guard cursor == utf8.endIndex || utf8[cursor] == 32 || utf8[cursor] == 9 || utf8[cursor] == 13 else {
            return nil
        }
        var text = Substring(utf8[cursor...]).trimmingSpaces()
        // An optional closing sequence of #s is not part of the heading.
        let bytes = text.utf8
        var end = bytes.endIndex
        while end > bytes.startIndex, bytes[bytes.index(before: end)] == 35 { end = bytes.index(before: end) }
        if end == bytes.startIndex {
            text = ""
        } else if end < bytes.endIndex, bytes[bytes.index(before: end)] == 32 {
            text = Substring(bytes[..<end]).trimmingSpaces()
        }
        return String(text)
    }

    static func taskItem(_ line: Substring) -> (String, Bool)? {
        let utf8 = line.utf8
        var cursor = utf8.startIndex
        while cursor < utf8.endIndex, utf8[cursor] == 32 || utf8[cursor] == 9 { cursor = utf8.index(after: cursor) }
        let start = cursor
        var prefix: [UInt8] = []
        while cursor < utf8.endIndex, prefix.count < 6 {
            prefix.append(utf8[cursor])
            cursor = utf8.index(after: cursor)
        }
        guard prefix.count >= 5, prefix[0] == 45 || prefix[0] == 42 || prefix[0] == 43, prefix[1] == 32,
            prefix[2] == 91, prefix[4] == 93
        else { return nil }
        let mark = prefix[3]
        guard mark == 32 || mark == 120 || mark == 88 else { return nil }
        guard prefix.count == 5 || prefix[5] == 32 || prefix[5] == 13 else { return nil }
        let textStart = utf8.index(start, offsetBy: 5)
        return (String(Substring(utf8[textStart...]).trimmingSpaces()), mark != 32)
    }

    /// Splits text into lines on `\n` bytes (a trailing `\r` stays and is trimmed where it matters).
    static func lines(_ text: String) -> [Substring] {
        var text = text
        text.makeContiguousUTF8()
        let utf8 = text.utf8
        var result: [Substring] = []
        result.reserveCapacity(utf8.count / 32 + 1)
        var offsets: [Int] = []
        offsets.reserveCapacity(utf8.count / 32 + 1)
        utf8.withContiguousStorageIfAvailable { bytes in
            for index in 0..<bytes.count where bytes[index] == 10 { offsets.append(index) }
        }
        var start = utf8.startIndex
        for offset in offsets {
            let end = utf8.index(utf8.startIndex, offsetBy: offset)
            result.append(Substring(utf8[start..<end]))
            start = utf8.index(after: end)
        }
        result.append(Substring(utf8[start...]))
        return result
    }
}

extension Substring {
    /// The substring without leading and trailing spaces, tabs and carriage returns.
    func trimmingSpaces() -> Substring {
        let utf8 = self.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        func isSpace(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 13 }
        while start < end, isSpace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, isSpace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return Substring(utf8[start..<end])
    }
}

extension String {
    /// The string without leading and trailing whitespace.
    func trimmed() -> String {
        String(Substring(self).trimmingSpaces())
    }
}
