/// An error from a module, with what went wrong and how to fix it.
public struct ModuleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; adapters choose exit codes and HTTP statuses from it.
    public enum Kind: String, Sendable {
        /// The request is wrong: a bad source, option or path.
        case invalid
        /// The module refused, to protect data: a corrupt or missing backup, a failed integrity check.
        case refused
        /// The work was attempted and failed: a dump tool exited non-zero, a disk is full.
        case failed
    }

    public var kind: Kind
    /// What went wrong and how to fix it.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
