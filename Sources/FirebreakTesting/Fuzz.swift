import Foundation

/// A small, seeded random number generator (SplitMix64): the same seed gives the same inputs on every machine,
/// so a failing case is reproduced by its seed (printed in the test's failure).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Hostile input for property tests: mutations of real documents and random text, built from the tokens that
/// break parsers (brackets, quotes, escapes, fences, deep nesting, huge numbers, NUL, invalid UTF-8).
public enum Fuzz {
    /// Cases per property: `FIREBREAK_FUZZ_ITERATIONS`, else 200 (a few seconds per property on 2 cores).
    public static var iterations: Int {
        ProcessInfo.processInfo.environment["FIREBREAK_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 200
    }

    /// The first seed: `FIREBREAK_FUZZ_SEED`, else a fixed one, so that CI is repeatable.
    public static var seed: UInt64 {
        ProcessInfo.processInfo.environment["FIREBREAK_FUZZ_SEED"].flatMap(UInt64.init) ?? 0xF1AE_B4EA
    }

    static let tokens = [
        "{", "}", "[", "]", "(", ")", "\"", "'", "\\", "\\u00e9", "\\ud800", "\n", "\r\n", "\t", "---\n", "```",
        "```sh {",
        "#| when: ", "||", "&&", "!", "==", "~(a+)+$", "\u{0}", "\u{FFFF}", "é", "💥", "{{", "}}",
        "{{ alert.labels.x }}",
        ":", ": ", "- ", "- [ ] ", "    ", "null", "true", "1e309", "-0", "99999999999999999999", "0x", "*", "*/0",
        "1-",
        ",", "=", "name=", "timeout=", "onFailure=goto:", "&anchor ", "*anchor", "!!binary ", "%YAML 1.2\n", "? ",
        "|\n",
    ]

    /// A random mutation of `text`: deletions, duplications, inserted tokens, replaced characters, truncation, or
    /// one token repeated thousands of times (deep nesting).
    public static func mutate(_ text: String, using generator: inout SeededGenerator) -> String {
        var characters = Array(text)
        let rounds = Int.random(in: 1...4, using: &generator)
        for _ in 0..<rounds {
            let position = characters.isEmpty ? 0 : Int.random(in: 0...characters.count, using: &generator)
            switch Int.random(in: 0..<7, using: &generator) {
            case 0 where !characters.isEmpty:
                let end = min(characters.count, position + Int.random(in: 1...40, using: &generator))
                characters.removeSubrange(min(position, end)..<end)
            case 1 where !characters.isEmpty:
                let start = min(position, characters.count - 1)
                let end = min(characters.count, start + Int.random(in: 1...80, using: &generator))
                characters.insert(contentsOf: characters[start..<end], at: start)
            case 2, 3:
                characters.insert(contentsOf: tokens.randomElement(using: &generator)!, at: position)
            case 4 where !characters.isEmpty:
                let index = min(position, characters.count - 1)
                characters[index] = Character(UnicodeScalar(UInt8.random(in: 32...126, using: &generator)))
            case 5:
                characters = Array(characters.prefix(position))
            default:
                let token = ["(", "!", "[", "{", "- ", "  ", "((", "[["].randomElement(using: &generator)!
                let count = [64, 1_000, 20_000].randomElement(using: &generator)!
                characters.insert(contentsOf: String(repeating: token, count: count), at: position)
            }
        }
        return String(characters)
    }

    /// Random text of up to `length` characters drawn from the tokens and printable ASCII.
    public static func text(length: Int, using generator: inout SeededGenerator) -> String {
        var result = ""
        while result.count < length {
            if Bool.random(using: &generator) {
                result += tokens.randomElement(using: &generator)!
            } else {
                result.append(Character(UnicodeScalar(UInt8.random(in: 32...126, using: &generator))))
            }
        }
        return result
    }

    /// Random bytes, not necessarily UTF-8.
    public static func bytes(length: Int, using generator: inout SeededGenerator) -> Data {
        Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
