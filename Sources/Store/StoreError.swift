import Foundation

/// An error from the store.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public struct Code: Sendable, Equatable, CustomStringConvertible {
        enum Kind: String, Sendable {
            case notFound
            case conflict
            case unavailable
            case cancelled
            case claimLost
        }

        let kind: Kind
        /// The record does not exist.
        public static let notFound = Code(kind: .notFound)
        /// The change conflicts with the current state.
        public static let conflict = Code(kind: .conflict)
        /// The database cannot be used.
        public static let unavailable = Code(kind: .unavailable)
        /// The run was cancelled: its executor's write is refused, and the executor stops.
        public static let cancelled = Code(kind: .cancelled)
        /// The writer's claim on the work was taken over by another owner (its lease expired): the write is
        /// refused, and the writer stops.
        public static let claimLost = Code(kind: .claimLost)

        public var description: String { kind.rawValue }
    }

    /// What kind of record an error is about, so that each adapter can add its own way to find one (the CLI names a
    /// command, the API a route); the store's message never does.
    public struct Entity: Sendable, Equatable, CustomStringConvertible {
        /// The record's name.
        public let name: String
        init(_ name: String) { self.name = name }
        public static let incident = Entity("incident")
        public static let run = Entity("run")
        public static let token = Entity("token")
        public static let notification = Entity("notification")
        public static let backup = Entity("backup")
        public static let actionItem = Entity("action item")
        public static let override = Entity("override")
        public static let silence = Entity("silence")
        public static let session = Entity("session")
        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// The kind of record a `.notFound` (or `.conflict`) is about, when there is one.
    public var entity: Entity?
    /// What went wrong and how to fix it.
    public var message: String
    /// The underlying error.
    public var cause: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, entity: Entity? = nil, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.entity = entity
        self.cause = cause.map { "\($0)" }.map(CauseDescription.init)
    }

    public var description: String { message }
}

/// A sendable description of an underlying error.
struct CauseDescription: Error, Sendable {
    let text: String
    init(_ text: String) { self.text = text }
}
