/// A problem found while parsing or linting a runbook, with its position.
public struct Diagnostic: Sendable, Equatable, CustomStringConvertible {
    /// How serious a problem is.
    public enum Severity: String, Sendable, Equatable {
        case error
        case warning
    }

    /// 1-based line in the runbook file.
    public var line: Int
    /// 1-based column, when known.
    public var column: Int?
    /// Error or warning.
    public var severity: Severity
    /// What is wrong and how to fix it.
    public var message: String

    /// Creates a diagnostic.
    public init(line: Int, column: Int? = nil, severity: Severity = .error, message: String) {
        self.line = line
        self.column = column
        self.severity = severity
        self.message = message
    }

    /// `line[:column]: severity: message`.
    public var description: String {
        let position = column.map { "\(line):\($0)" } ?? "\(line)"
        return "\(position): \(severity.rawValue): \(message)"
    }

    /// `path:line[:column]: severity: message`, the format editors understand.
    public func formatted(path: String) -> String {
        "\(path):\(description)"
    }
}
