/// Replaces secret values with `***` in text that is stored or printed.
public struct Redactor: Sendable {
    /// The replacement text.
    public static let mask = "***"
    /// Name fragments that make an environment variable secret.
    public static let secretNameFragments = ["TOKEN", "SECRET", "PASSWORD", "KEY"]

    private var secrets: [[UInt8]] = []

    /// Creates a redactor for these values; values shorter than 3 characters are ignored,
    /// because masking them would mask ordinary text.
    public init(secrets: some Sequence<String> = []) {
        add(secrets)
    }

    /// Adds more secret values.
    public mutating func add(_ values: some Sequence<String>) {
        for value in values where value.utf8.count >= 3 {
            let bytes = Array(value.utf8)
            if !secrets.contains(bytes) { secrets.append(bytes) }
        }
        secrets.sort { $0.count > $1.count }
    }

    /// Whether an environment variable name marks its value secret (TOKEN, SECRET, PASSWORD or KEY, any case).
    public static func isSecretName(_ name: String) -> Bool {
        let upper = name.utf8.map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
        return fragmentBytes.contains { Self.find($0, in: upper[...]) != nil }
    }

    private static let fragmentBytes = secretNameFragments.map { Array($0.utf8) }

    /// Whether there is anything to redact.
    public var isEmpty: Bool { secrets.isEmpty }

    /// `text` with every secret replaced by `***`.
    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var bytes = Array(text.utf8)
        var changed = false
        for secret in secrets {
            guard Self.find(secret, in: bytes[...]) != nil else { continue }
            changed = true
            var result: [UInt8] = []
            result.reserveCapacity(bytes.count)
            var rest = bytes[...]
            while let offset = Self.find(secret, in: rest) {
                result += rest[rest.startIndex..<(rest.startIndex + offset)]
                result += Self.maskBytes
                rest = rest[(rest.startIndex + offset + secret.count)...]
            }
            result += rest
            bytes = result
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : text
    }

    private static let maskBytes = Array(mask.utf8)

    /// Offset of `needle` in `haystack`, relative to its start.
    static func find(_ needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        return haystack.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { pin in
                let last = hay.count - pin.count
                var index = 0
                while index <= last {
                    if hay[index] == first {
                        var match = 1
                        while match < pin.count, hay[index + match] == pin[match] { match += 1 }
                        if match == pin.count { return index }
                    }
                    index += 1
                }
                return nil
            }
        }
    }
}
