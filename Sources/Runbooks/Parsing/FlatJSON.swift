/// A single pass over a flat JSON object whose values are strings, numbers or bools: Runme-style fence
/// attributes, `{"name": "restart", "timeout": "5m"}`.
///
/// Written by hand because it runs once per fence: Foundation's `JSONDecoder` (with a `JSONEncoder` to find each
/// key's column) was a sixth of a 5,000-step lint. It reads JSON as RFC 8259 writes it: every escape (`\u00e9`,
/// `\b`, surrogate pairs) means what it means there, numbers follow its grammar, and anything else is refused.
/// `FlatJSONTests` checks it against `JSONDecoder` on random and mutated objects: the same members, or both
/// refuse (`JSONDecoder` blamed a key for some syntax errors; this reader calls them syntax errors).
enum FlatJSON {
    /// One key and its value as text, with the byte offset of the key's opening quote.
    struct Member: Equatable {
        var key: String
        var value: String
        var offset: Int
    }

    enum Failure: Error, Equatable {
        /// Not JSON, or not one object.
        case syntax
        /// The value of this key is an object, an array or null.
        case notScalar(String)
    }

    /// The members in the order of their keys; a repeated key keeps its first value, as `JSONDecoder` did. A comma
    /// before a closing brace or bracket is accepted, as `JSONDecoder` accepts it.
    static func parse(_ text: Substring) throws(Failure) -> [Member] {
        var reader = Reader(bytes: Array(text.utf8))
        return try reader.object()
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func object() throws(Failure) -> [Member] {
            skipSpace()
            try expect(UInt8(ascii: "{"))
            var members: [Member] = []
            var places: [String: Int] = [:]
            var notScalar: String?
            skipSpace()
            if peek == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    skipSpace()
                    let offset = index
                    let key = try string()
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    skipSpace()
                    let value = try scalar()
                    // A repeated key is read (it must be JSON) and then ignored, whatever its value.
                    if places[key] == nil {
                        if let value {
                            places[key] = members.count
                            members.append(Member(key: key, value: value, offset: offset))
                        } else {
                            places[key] = -1
                            notScalar = notScalar ?? key
                        }
                    }
                    skipSpace()
                    if peek == UInt8(ascii: ",") {
                        index += 1
                        skipSpace()
                        if peek == UInt8(ascii: "}") {
                            index += 1
                            break
                        }
                        continue
                    }
                    try expect(UInt8(ascii: "}"))
                    break
                }
            }
            skipSpace()
            guard index == bytes.count else { throw .syntax }
            if let notScalar { throw .notScalar(notScalar) }
            return members
        }

        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            guard peek == byte else { throw .syntax }
            index += 1
        }

        mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        /// A string, number or bool as text; `nil` after skipping an object, array or null.
        mutating func scalar(depth: Int = 0) throws(Failure) -> String? {
            switch peek {
            case UInt8(ascii: "\""): return try string()
            case UInt8(ascii: "t"):
                try word("true")
                return "true"
            case UInt8(ascii: "f"):
                try word("false")
                return "false"
            case UInt8(ascii: "n"):
                try word("null")
                return nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                try skipValue(depth: depth + 1)
                return nil
            default: return try number()
            }
        }

        mutating func word(_ text: StaticString) throws(Failure) {
            let expected = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
            guard bytes.count - index >= expected.count, bytes[index..<index + expected.count].elementsEqual(expected)
            else { throw .syntax }
            index += expected.count
        }

        /// Any JSON value, checked and thrown away (an object or array where a scalar belongs). Nesting deeper than
        /// 64 is refused: it is never an attribute, and recursion without a bound would overflow the stack.
        mutating func skipValue(depth: Int = 0) throws(Failure) {
            guard depth < 64 else { throw .syntax }
            skipSpace()
            switch peek {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let close = peek == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                let isObject = close == UInt8(ascii: "}")
                index += 1
                skipSpace()
                if peek == close {
                    index += 1
                    return
                }
                while true {
                    skipSpace()
                    if isObject {
                        _ = try string()
                        skipSpace()
                        try expect(UInt8(ascii: ":"))
                    }
                    try skipValue(depth: depth + 1)
                    skipSpace()
                    if peek == UInt8(ascii: ",") {
                        index += 1
                        skipSpace()
                        if peek == close {
                            index += 1
                            return
                        }
                        continue
                    }
                    try expect(close)
                    return
                }
            default:
                _ = try scalar(depth: depth)
            }
        }

        /// A number as `JSONDecoder` into Int64-else-Double would print it.
        mutating func number() throws(Failure) -> String {
            let start = index
            if peek == UInt8(ascii: "-") { index += 1 }
            guard let first = peek, isDigit(first) else { throw .syntax }
            index += 1
            if first != UInt8(ascii: "0") { while let byte = peek, isDigit(byte) { index += 1 } }
            var integral = true
            if peek == UInt8(ascii: ".") {
                integral = false
                index += 1
                guard let byte = peek, isDigit(byte) else { throw .syntax }
                while let byte = peek, isDigit(byte) { index += 1 }
            }
            if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
                integral = false
                index += 1
                if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
                guard let byte = peek, isDigit(byte) else { throw .syntax }
                while let byte = peek, isDigit(byte) { index += 1 }
            }
            let text = String(decoding: bytes[start..<index], as: UTF8.self)
            if integral, let whole = Int64(text) { return String(whole) }
            guard let double = Double(text), double.isFinite else { throw .syntax }
            if let whole = Int64(exactly: double) { return String(whole) }
            return String(double)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func string() throws(Failure) -> String {
            try expect(UInt8(ascii: "\""))
            var scalars = String.UnicodeScalarView()
            var run = index
            func flush(_ end: Int) {
                scalars.append(contentsOf: String(decoding: bytes[run..<end], as: UTF8.self).unicodeScalars)
            }
            while true {
                guard let byte = peek else { throw .syntax }
                switch byte {
                case UInt8(ascii: "\""):
                    flush(index)
                    index += 1
                    return String(scalars)
                case UInt8(ascii: "\\"):
                    flush(index)
                    index += 1
                    scalars.append(try escape())
                    run = index
                case 0x00..<0x20:
                    throw .syntax
                default:
                    index += 1
                }
            }
        }

        mutating func escape() throws(Failure) -> Unicode.Scalar {
            guard let byte = peek else { throw .syntax }
            index += 1
            switch byte {
            case UInt8(ascii: "\""): return "\""
            case UInt8(ascii: "\\"): return "\\"
            case UInt8(ascii: "/"): return "/"
            case UInt8(ascii: "b"): return "\u{8}"
            case UInt8(ascii: "f"): return "\u{C}"
            case UInt8(ascii: "n"): return "\n"
            case UInt8(ascii: "r"): return "\r"
            case UInt8(ascii: "t"): return "\t"
            case UInt8(ascii: "u"):
                let unit = try hex4()
                if (0xD800..<0xDC00).contains(unit) {
                    try word("\\u")
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw .syntax }
                    let value = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    guard let scalar = Unicode.Scalar(value) else { throw .syntax }
                    return scalar
                }
                guard let scalar = Unicode.Scalar(UInt32(unit)) else { throw .syntax }
                return scalar
            default: throw .syntax
            }
        }

        mutating func hex4() throws(Failure) -> UInt16 {
            guard bytes.count - index >= 4 else { throw .syntax }
            var value: UInt16 = 0
            for byte in bytes[index..<index + 4] {
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw .syntax
                }
                value = value << 4 | UInt16(digit)
            }
            index += 4
            return value
        }
    }
}
