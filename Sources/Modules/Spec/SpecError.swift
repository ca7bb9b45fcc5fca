import Basics

/// A problem in a module body or configuration section, at a line of the YAML it was read from (1-based).
public struct SpecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String

    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { message }
}

extension SpecError: YAMLReaderError {
    /// A node without a position is placed on the first line.
    public init(path: String, line: Int?, message: String) {
        self.init(line: line ?? 1, message)
    }
}
