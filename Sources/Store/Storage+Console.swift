import Foundation
import Synchronization

/// The web console's sessions and emailed sign-in links.
public protocol SessionStorage: Sendable {
    /// Stores a new session.
    /// - Returns: It with its id.
    func createSession(_ session: SessionRecord) async throws -> SessionRecord
    /// The sessions whose cookie starts with `prefix` (the caller compares hashes in constant time).
    func sessions(prefix: String) async throws -> [SessionRecord]
    /// The sessions live at `time`, newest first.
    func liveSessions(at time: Date) async throws -> [SessionRecord]
    /// Revokes one session; revoking it again changes nothing.
    /// - Throws: ``StoreError`` `.notFound` for an unknown id.
    func revokeSession(id: Int64, at time: Date) async throws -> SessionRecord
    /// Revokes every live session of a user.
    /// - Returns: How many were revoked.
    func revokeSessions(user: String, at time: Date) async throws -> Int
    /// Stores a new sign-in link.
    func createSignInLink(_ link: SignInLinkRecord) async throws -> SignInLinkRecord
    /// The links whose token starts with `prefix`.
    func signInLinks(prefix: String) async throws -> [SignInLinkRecord]
    /// Marks a link used, once: `false` when it was used already (a second click, a replay).
    func useSignInLink(id: Int64, at time: Date) async throws -> Bool
}

/// Announces what each committed transaction changed, to whoever listens in this process (the console's live
/// pages). The engine publishes after its own commits, and when it sees another process commit (a terminal's
/// `firebreak incident ack` against the same database).
public final class ChangeFeed: Sendable {
    private struct State {
        var sequence: UInt64 = 0
        var listeners: [UInt64: AsyncStream<StoreChange>.Continuation] = [:]
        var nextListener: UInt64 = 0
    }

    private let state = Mutex<State>(State())

    public init() {}

    /// A stream of changes from now on; it ends when `cancel` is called or the listener's task goes away. A slow
    /// listener keeps the newest changes only: each says what changed, not how, so the latest is enough.
    public func listen() -> (stream: AsyncStream<StoreChange>, cancel: @Sendable () -> Void) {
        let (stream, continuation) = AsyncStream.makeStream(of: StoreChange.self, bufferingPolicy: .bufferingNewest(8))
        let id = state.withLock { state in
            state.nextListener += 1
            state.listeners[state.nextListener] = continuation
            return state.nextListener
        }
        let cancel: @Sendable () -> Void = { [weak self] in
            let removed = self?.state.withLock { $0.listeners.removeValue(forKey: id) }
            removed?.finish()
        }
        continuation.onTermination = { _ in cancel() }
        return (stream, cancel)
    }

    /// The number of the last change published (0 before the first).
    public var sequence: UInt64 { state.withLock { $0.sequence } }

    /// How many listen now.
    public var listenerCount: Int { state.withLock { $0.listeners.count } }

    /// Tells every listener that `topics` changed.
    public func publish(_ topics: Set<StoreChange.Topic>) {
        guard !topics.isEmpty else { return }
        let (change, listeners) = state.withLock { state in
            state.sequence += 1
            return (StoreChange(sequence: state.sequence, topics: topics), Array(state.listeners.values))
        }
        for listener in listeners { listener.yield(change) }
    }
}

/// What one commit changed, by kind of record.
public struct StoreChange: Sendable, Equatable {
    /// A kind of record a page shows.
    public struct Topic: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let incidents = Topic("incidents")
        public static let timeline = Topic("timeline")
        public static let alerts = Topic("alerts")
        public static let runs = Topic("runs")
        public static let notifications = Topic("notifications")
        public static let postmortems = Topic("postmortems")
        public static let oncall = Topic("oncall")
        public static let silences = Topic("silences")
        /// Every topic: what another process committed is not known in detail.
        public static let all: Set<Topic> = [
            .incidents, .timeline, .alerts, .runs, .notifications, .postmortems, .oncall, .silences,
        ]
    }

    /// Increases by one per change published in this process.
    public var sequence: UInt64
    /// What changed.
    public var topics: Set<Topic>
}
