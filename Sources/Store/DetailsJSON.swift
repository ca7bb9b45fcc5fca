import Foundation

/// The one codec of every flat `{"key":"value",…}` column: timeline and notification details, alert labels and
/// annotations, run params, step outputs and a run's alert context. Written and read without JSONEncoder/JSONDecoder:
/// the encoder runs several times per alert on the ingest path, and a post-mortem reads ten thousand details.
/// Anything else (nested values, numbers) read back falls back to JSONDecoder.
public enum DetailsJSON {
    /// `details` as a JSON object with sorted keys. Hand-written: it runs several times per alert on the ingest
    /// path, where JSONEncoder cost more than the SQLite work.
    public static func encode(_ details: [String: String]) -> String {
        if details.isEmpty { return "{}" }
        var text = "{"
        for (index, key) in details.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            appendJSONString(key, to: &text)
            text += ":"
            appendJSONString(details[key]!, to: &text)
        }
        text += "}"
        return text
    }

    static func appendJSONString(_ value: String, to text: inout String) {
        text += "\""
        var plain = true
        for byte in value.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            plain = false
            break
        }
        if plain {
            text += value
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "\n": text += "\\n"
                case "\r": text += "\\r"
                case "\t": text += "\\t"
                case let c where c.value < 0x20: text += String(format: "\\u%04x", c.value)
                default: text.unicodeScalars.append(scalar)
                }
            }
        }
        text += "\""
    }

    public static func decode(_ text: String?) -> [String: String] {
        guard let text else { return [:] }
        var copy = text
        if let parsed = copy.withUTF8({ parse($0) }) { return parsed }
        return (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> [String: String]? {
        var scanner = Scanner(bytes: bytes)
        return scanner.flatObject()
    }

    /// Reads a flat JSON object of strings from UTF-8 bytes; each method returns `nil` for anything else.
    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        /// `{"key":"value",…}`, after optional white space; what follows the closing brace is not read.
        mutating func flatObject() -> [String: String]? {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { return nil }
            index += 1
            var result: [String: String] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { return result }
            while true {
                skipSpace()
                guard let key = string() else { return nil }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpace()
                guard let value = string() else { return nil }
                result[key] = value
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                if bytes[index] == UInt8(ascii: "}") { return result }
                return nil
            }
        }

        mutating func skipSpace() {
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
            {
                index += 1
            }
        }

        /// A string literal; without escapes it is decoded straight from the bytes.
        mutating func string() -> String? {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
            index += 1
            let start = index
            // Fast path: no escapes.
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                index += 1
            }
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            return escapedString(startingWith: Array(bytes[start..<index]))
        }

        /// The rest of a string literal with escapes, from its first backslash; `scalars` holds the bytes before.
        private mutating func escapedString(startingWith scalars: [UInt8]) -> String? {
            var scalars = scalars
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return String(decoding: scalars, as: UTF8.self)
                }
                if byte != UInt8(ascii: "\\") {
                    scalars.append(byte)
                    index += 1
                    continue
                }
                index += 1
                guard index < bytes.count else { return nil }
                let escaped = bytes[index]
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
                case UInt8(ascii: "n"): scalars.append(0x0A)
                case UInt8(ascii: "r"): scalars.append(0x0D)
                case UInt8(ascii: "t"): scalars.append(0x09)
                case UInt8(ascii: "b"): scalars.append(0x08)
                case UInt8(ascii: "f"): scalars.append(0x0C)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: return nil
                }
            }
            return nil
        }

        /// The scalar of a `\uXXXX` escape after its `\u`, with the low half of a surrogate pair.
        private mutating func unicodeEscape() -> Unicode.Scalar? {
            guard var code = hex4() else { return nil }
            if (0xD800..<0xDC00).contains(code) {
                guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                else { return nil }
                index += 2
                guard let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            }
            return Unicode.Scalar(code)
        }

        private mutating func hex4() -> UInt32? {
            guard index + 4 <= bytes.count else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[index]
                let digit: UInt32
                switch byte {
                case 0x30...0x39: digit = UInt32(byte - 0x30)
                case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
                case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
                default: return nil
                }
                value = value * 16 + digit
                index += 1
            }
            return value
        }
    }
}
