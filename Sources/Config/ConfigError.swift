import Basics

/// A configuration file that cannot be used, with the place and the fix.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `path:line: message`, ready to print.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension ConfigError: YAMLReaderError {
    /// `path:line: message`, or `path: message` for a node without a position.
    public init(path: String, line: Int?, message: String) {
        self.init("\(path)\(line.map { ":\($0)" } ?? ""): \(message)")
    }
}
