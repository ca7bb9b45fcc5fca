/// A declared runbook parameter.
public struct Param: Sendable, Equatable {
    /// The value type of a parameter.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case string
        case int
        case bool
    }

    /// Parameter name as written in the front matter.
    public var name: String
    /// Value type.
    public var kind: Kind
    /// Default value, as text.
    public var defaultValue: String?
    /// The only values accepted, when set.
    public var allowed: [String]?
    /// A regular expression the whole value must match, when set.
    public var pattern: String?
    /// Whether a value must be supplied (a default satisfies it).
    public var isRequired: Bool
    /// Whether the value is redacted from stored and printed output.
    public var isSecret: Bool
    /// One-line description shown in prompts and listings.
    public var summary: String?
    /// 1-based line of the declaration in the runbook file.
    public var line: Int

    /// Creates a parameter.
    public init(
        name: String, kind: Kind = .string, defaultValue: String? = nil, allowed: [String]? = nil,
        pattern: String? = nil, isRequired: Bool = false, isSecret: Bool = false, summary: String? = nil,
        line: Int = 0
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.allowed = allowed
        self.pattern = pattern
        self.isRequired = isRequired
        self.isSecret = isSecret
        self.summary = summary
        self.line = line
    }

    /// The environment variable a shell step sees this param as: upper-cased, with
    /// every character outside `[A-Z0-9_]` turned into `_`.
    public var environmentName: String {
        Param.environmentName(for: name)
    }

    /// The environment variable name for an arbitrary key (params, outputs).
    public static func environmentName(for key: String) -> String {
        var result = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "a"..."z": result.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            case "A"..."Z", "0"..."9", "_": result.unicodeScalars.append(scalar)
            default: result.append("_")
            }
        }
        return result
    }
}
