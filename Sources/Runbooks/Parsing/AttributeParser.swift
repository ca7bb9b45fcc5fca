import Foundation

/// One `key=value` attribute with its column on the line.
struct RawAttribute: Equatable {
    var key: String
    var value: String
    /// 1-based column on the line (fence attributes), or 1 for header lines.
    var column: Int
    /// 1-based file line.
    var line: Int
}

/// Parses fence attributes (`{key=value …}` or `{"key":"value"}`) and `#|` header lines.
enum AttributeParser {
    /// Parses the `{…}` part of a fence info string. `offset` is the column of `text` on the line.
    static func parseFence(_ text: Substring, line: Int, offset: Int) -> ([RawAttribute], [Diagnostic]) {
        let trimmed = text.trimmingSpaces()
        guard trimmed.first == "{" else { return ([], []) }
        guard trimmed.last == "}" else {
            return ([], [Diagnostic(line: line, column: offset, message: "attributes must be enclosed in '{' and '}'")])
        }
        let inner = trimmed.dropFirst().dropLast()
        if inner.trimmingSpaces().first == "\"" {
            return parseJSON(trimmed, line: line, offset: offset)
        }
        return parsePairs(inner, line: line, offset: offset + 1)
    }

    private static func parsePairs(_ text: Substring, line: Int, offset: Int) -> ([RawAttribute], [Diagnostic]) {
        var attributes: [RawAttribute] = []
        var diagnostics: [Diagnostic] = []
        let bytes = Array(text.utf8)
        var index = 0
        func isSeparator(_ byte: UInt8) -> Bool { byte == 32 || byte == 9 || byte == 44 }
        while index < bytes.count {
            while index < bytes.count, isSeparator(bytes[index]) { index += 1 }
            guard index < bytes.count else { break }
            let keyStart = index
            while index < bytes.count, bytes[index] != 61, !isSeparator(bytes[index]) { index += 1 }
            let key = String(decoding: bytes[keyStart..<index], as: UTF8.self)
            let column = offset + keyStart
            guard index < bytes.count, bytes[index] == 61 else {
                attributes.append(RawAttribute(key: key, value: "true", column: column, line: line))  // bare flag
                continue
            }
            index += 1
            var value: [UInt8] = []
            if index < bytes.count, bytes[index] == 34 || bytes[index] == 39 {
                let quote = bytes[index]
                index += 1
                var closed = false
                while index < bytes.count {
                    if bytes[index] == 92, index + 1 < bytes.count, bytes[index + 1] == quote {
                        value.append(quote)
                        index += 2
                        continue
                    }
                    if bytes[index] == quote {
                        closed = true
                        index += 1
                        break
                    }
                    value.append(bytes[index])
                    index += 1
                }
                if !closed {
                    diagnostics.append(
                        Diagnostic(
                            line: line, column: column, message: "attribute '\(key)' has an unterminated quoted value"))
                }
            } else {
                while index < bytes.count, !isSeparator(bytes[index]) {
                    value.append(bytes[index])
                    index += 1
                }
            }
            attributes.append(
                RawAttribute(
                    key: key, value: String(decoding: value, as: UTF8.self), column: column, line: line))
        }
        return (attributes, diagnostics)
    }

    /// A value of a JSON attribute object, as text: a string, a whole or decimal number, or a bool.
    /// Parses a flat JSON object whose values are strings, numbers or bools (Runme style), in one pass
    /// (``FlatJSON``). Attributes keep the order of their keys in the text.
    private static func parseJSON(_ text: Substring, line: Int, offset: Int) -> ([RawAttribute], [Diagnostic]) {
        do {
            let members = try FlatJSON.parse(text)
            return (
                members.map { RawAttribute(key: $0.key, value: $0.value, column: offset + $0.offset, line: line) }, []
            )
        } catch .notScalar(let key) {
            let message = "invalid JSON attributes: value of \"\(key)\" must be a string, number or bool"
            return ([], [Diagnostic(line: line, column: offset, message: message)])
        } catch {
            return (
                [],
                [
                    Diagnostic(
                        line: line, column: offset,
                        message:
                            "invalid JSON attributes: write a flat object such as {\"name\": \"restart\", \"timeout\": \"5m\"}"
                    )
                ]
            )
        }
    }

    /// Splits leading `#| key: value` lines off a block's content.
    static func splitHeader(_ content: [Substring], firstLine: Int) -> (
        [RawAttribute], [Diagnostic], ArraySlice<Substring>
    ) {
        var attributes: [RawAttribute] = []
        var diagnostics: [Diagnostic] = []
        var index = 0
        while index < content.count {
            let line = content[index].drop { $0 == " " || $0 == "\t" }
            guard line.hasPrefix("#|") else { break }
            let lineNumber = firstLine + index
            let body = line.dropFirst(2).trimmingSpaces()
            index += 1
            if body.isEmpty { continue }
            guard let colon = body.firstIndex(of: ":") else {
                diagnostics.append(
                    Diagnostic(
                        line: lineNumber, message: "invalid YAML in '#|' header: expected 'key: value', found '\(body)'"
                    ))
                continue
            }
            let key = String(body[..<colon].trimmingSpaces())
            var value = body[body.index(after: colon)...].trimmingSpaces()
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = value.dropFirst().dropLast()
            } else if let first = value.first, first == "\"" || first == "'" {
                diagnostics.append(
                    Diagnostic(
                        line: lineNumber, message: "invalid YAML in '#|' header: unterminated quoted value for '\(key)'"
                    ))
                continue
            }
            attributes.append(RawAttribute(key: key, value: String(value), column: 1, line: lineNumber))
        }
        return (attributes, diagnostics, content[index...])
    }
}
