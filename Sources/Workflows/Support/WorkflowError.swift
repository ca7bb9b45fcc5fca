/// An error from the workflow engine, with a message that says how to fix it.
public struct WorkflowError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Sendable, Equatable, CustomStringConvertible {
        enum Kind: String, Sendable {
            case invalidInput
            case invalidRunbook
            case notFound
            case conflict
            case execution
        }

        let kind: Kind
        /// Bad params or arguments.
        public static let invalidInput = Code(kind: .invalidInput)
        /// The runbook has lint errors.
        public static let invalidRunbook = Code(kind: .invalidRunbook)
        /// No such run, runbook or step.
        public static let notFound = Code(kind: .notFound)
        /// The run cannot do that in its current state (or another process holds it).
        public static let conflict = Code(kind: .conflict)
        /// The engine could not execute a step.
        public static let execution = Code(kind: .execution)

        public var description: String { kind.rawValue }
    }

    /// The kind of failure.
    public var code: Code
    /// What is wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
