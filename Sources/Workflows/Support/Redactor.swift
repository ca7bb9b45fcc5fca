/// Replaces secret values with `***` in text that is stored or printed.
public struct Redactor: Sendable {
    /// The replacement text.
    public static let mask = "***"
    /// Name fragments that make an environment variable secret.
    public static let secretNameFragments = ["TOKEN", "SECRET", "PASSWORD", "KEY"]

    private var secrets: [String]

    /// Creates a redactor for these values; values shorter than 3 characters are ignored,
    /// because masking them would mask ordinary text.
    public init(secrets: some Sequence<String> = []) {
        self.secrets = []
        add(secrets)
    }

    /// Adds more secret values.
    public mutating func add(_ values: some Sequence<String>) {
        for value in values where value.count >= 3 && !secrets.contains(value) {
            secrets.append(value)
        }
        secrets.sort { $0.count > $1.count }
    }

    /// Whether an environment variable name marks its value secret.
    public static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return secretNameFragments.contains { upper.contains($0) }
    }

    /// Whether there is anything to redact.
    public var isEmpty: Bool { secrets.isEmpty }

    /// `text` with every secret replaced by `***`.
    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacing(secret, with: Self.mask)
        }
        return result
    }
}
