import Foundation

/// How hard a commit works to survive power loss.
public enum Durability: String, Sendable {
    /// WAL with `synchronous=NORMAL`: every commit survives `kill -9`; power loss may lose the last commits.
    case normal
    /// WAL with `synchronous=FULL`: every commit is fsynced and survives power loss too.
    case full
}

/// Settings of the store.
public struct StoreConfiguration: Sendable {
    /// Commit durability.
    public var durability: Durability
    /// How long a writer waits for a lock held by another process.
    public var busyTimeout: TimeInterval

    /// Creates a configuration.
    public init(durability: Durability = .normal, busyTimeout: TimeInterval = 10) {
        self.durability = durability
        self.busyTimeout = busyTimeout
    }
}
