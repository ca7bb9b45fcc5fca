import Foundation

/// Who holds a claim: a process on a host. Engines compare owners whole; the parts let a caller on the same host
/// recognise an owner it knows to be dead (see ``ClaimStorage/claim(_:owner:lease:at:takingOverFrom:)``).
public struct ClaimOwner: Sendable, Hashable, CustomStringConvertible {
    /// The host name.
    public var host: String
    /// The process id on that host.
    public var process: Int32
    /// Tells apart two claimants in one process (and a pid reused after a restart).
    public var nonce: String

    /// Creates an owner.
    public init(host: String, process: Int32, nonce: String) {
        self.host = host
        self.process = process
        self.nonce = nonce
    }

    /// This process: one owner for every claim it takes.
    public static let process = ClaimOwner.current()

    /// This process, with a fresh nonce: each claimant (a dispatcher, a scheduler) takes its own.
    public static func current() -> ClaimOwner {
        ClaimOwner(
            host: localHost, process: ProcessInfo.processInfo.processIdentifier,
            nonce: String(UInt32.random(in: 0...UInt32.max), radix: 36))
    }

    /// The host name and this boot of its kernel (`/proc/sys/kernel/random/boot_id`): two owners with the same
    /// `host` run on one kernel, so a file lock proves whether one of them is alive. Two machines that share a
    /// name differ in their boot id. `gethostname`, not a lookup in DNS.
    public static let localHost: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let name =
            gethostname(&buffer, buffer.count) == 0
            ? String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) : "localhost"
        let boot =
            (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))
            .map { String($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(8)) } ?? "noboot"
        return "\(name.replacingOccurrences(of: "/", with: "_"))#\(boot)"
    }()

    /// `host/pid/nonce`, the form engines store.
    public var description: String { "\(host)/\(process)/\(nonce)" }

    /// Parses ``description``.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let process = Int32(parts[1]) else { return nil }
        self.init(host: String(parts[0]), process: process, nonce: String(parts[2]))
    }
}

/// A piece of background work that one owner at a time may do.
public struct WorkItem: Sendable, Hashable, CustomStringConvertible {
    /// The kind of work.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        /// The stored name.
        public let name: String
        init(_ name: String) { self.name = name }
        /// A due notification in the outbox (key: its id).
        public static let notification = Kind("notification")
        /// A due escalation timer (key: the incident id).
        public static let escalation = Kind("escalation")
        /// A pending or interrupted run (key: its row id).
        public static let run = Kind("run")
        /// One slot of a schedule: a cron backup or a canary tick (key: `schedule@epoch-seconds`).
        public static let slot = Kind("slot")

        public var description: String { name }
    }

    /// The kind of work.
    public var kind: Kind
    /// Which one.
    public var key: String

    /// Creates a work item.
    public init(_ kind: Kind, key: String) {
        self.kind = kind
        self.key = key
    }

    /// A run.
    public static func run(_ id: Int64) -> WorkItem { WorkItem(.run, key: String(id)) }

    /// One slot of a schedule; a slot that was completed can never be claimed again.
    public static func slot(_ schedule: String, at time: Date) -> WorkItem {
        WorkItem(.slot, key: "\(schedule)@\(Int64(time.timeIntervalSince1970.rounded(.down)))")
    }

    public var description: String { "\(kind) \(key)" }
}

/// A claim held on a work item until `expiresAt`. `token` is the fencing token: it grows with every new owner, and
/// an engine refuses a write whose claim token is no longer the current one.
public struct Claim: Sendable, Hashable {
    /// What is claimed.
    public var work: WorkItem
    /// Who holds it.
    public var owner: ClaimOwner
    /// The fencing token.
    public var token: Int64
    /// When the lease ends unless renewed.
    public var expiresAt: Date

    /// Creates a claim (engines do; callers receive them).
    public init(work: WorkItem, owner: ClaimOwner, token: Int64, expiresAt: Date) {
        self.work = work
        self.owner = owner
        self.token = token
        self.expiresAt = expiresAt
    }
}

/// A due notification with the claim its deliverer holds.
public struct ClaimedNotification: Sendable, Equatable {
    /// The notification.
    public var notification: NotificationRecord
    /// The claim to write its outcome with.
    public var claim: Claim

    /// Pairs a notification with its claim.
    public init(notification: NotificationRecord, claim: Claim) {
        self.notification = notification
        self.claim = claim
    }
}

/// Work is claimed, not found: background work (the outbox, escalation timers, runs, schedule slots) is taken
/// with a claim that carries an owner and a lease, and every action checks its claim in the same transaction as
/// its effect.
///
/// The rules every engine keeps (the conformance suite checks each):
/// - Of owners racing for one item, exactly one gets it.
/// - An unexpired claim is refused to another owner; an expired one is taken over, with a greater token.
/// - A write with a claim that was taken over is refused with `.claimLost`, and changes nothing.
/// - A released claim can be taken at once; a completed slot never again (engines may forget a completed slot
///   after a day: no schedule asks for a slot that old).
/// - A token is never handed out twice; the same owner renewing keeps its token.
public protocol ClaimStorage: Sendable {
    /// Takes (or renews, for the same owner) the claim on `work` for `lease` from `time`.
    /// - Parameter takingOverFrom: Says of the current holder's owner whether it is known to be dead (a process on
    ///   this host that no longer holds the run's lock); such a claim is taken over before its lease ends.
    /// - Returns: The claim, or `nil` when another live owner holds it or the slot was completed.
    func claim(
        _ work: WorkItem, owner: ClaimOwner, lease: TimeInterval, at time: Date,
        takingOverFrom dead: (@Sendable (ClaimOwner) -> Bool)?
    ) async throws -> Claim?

    /// Extends a held claim's lease from `time`.
    /// - Throws: ``StoreError`` `.claimLost` when another owner took it over.
    func renew(_ claim: Claim, lease: TimeInterval, at time: Date) async throws -> Claim

    /// Gives a claim up; `completed` marks the work done for good (a schedule slot that ran).
    /// - Throws: ``StoreError`` `.claimLost` when another owner took it over.
    func release(_ claim: Claim, completed: Bool) async throws

    /// The current claim on `work`, expired or not, if any.
    func currentClaim(on work: WorkItem) async throws -> Claim?
}

extension ClaimStorage {
    /// Takes the claim on `work` unless another owner holds an unexpired one.
    public func claim(_ work: WorkItem, owner: ClaimOwner, lease: TimeInterval, at time: Date) async throws -> Claim? {
        try await claim(work, owner: owner, lease: lease, at: time, takingOverFrom: nil)
    }

    /// Gives a claim up.
    public func release(_ claim: Claim) async throws {
        try await release(claim, completed: false)
    }
}
