import Foundation
import Incidents

/// Overrides of on-call schedules, the uses of acknowledge links, and the server's signing keys.
public protocol PeopleStorage: Sendable {
    /// Stores an override.
    /// - Returns: It, with its id.
    func addOverride(_ override: OverrideRecord) async throws -> OverrideRecord

    /// Overrides that overlap `[from, until)` (all when nil), of one schedule or all, earliest first.
    func overrides(schedule: String?, from: Date?, until: Date?) async throws -> [OverrideRecord]

    /// Deletes an override.
    /// - Returns: What was deleted.
    /// - Throws: ``StoreError`` `.notFound`.
    func deleteOverride(id: Int64) async throws -> OverrideRecord

    /// Uses an acknowledge link: marks it used and applies `decide` to its incident in one transaction, so a
    /// failed acknowledgement leaves the link usable, and a used link changes nothing.
    /// - Throws: ``StoreError`` `.conflict` when it was used before, naming when and by whom; whatever `decide`
    ///   throws (the link then stays unused).
    func useAckLink(
        notificationID: Int64, user: String, incidentID: String, at time: Date, requestID: String?,
        _ decide: @escaping @Sendable (Incident) throws -> Transition
    ) async throws -> Transition

    /// The named secret, created from `initial` the first time it is asked for. Every node of a cluster gets the
    /// same value, whichever created it.
    func secret(named name: String, initial: Data) async throws -> Data

    /// One notification.
    /// - Throws: ``StoreError`` `.notFound`.
    func notification(id: Int64) async throws -> NotificationRecord
}

/// The audit log: its own table, written by the adapters (API, CLI, acknowledge links).
public protocol AuditStorage: Sendable {
    /// Appends an entry.
    func recordAudit(_ entry: AuditRecord) async throws
    /// Entries at or after `since` (all when nil), newest first.
    func audit(since: Date?, limit: Int) async throws -> [AuditRecord]
}

extension PeopleStorage {
    /// Every override of a schedule (or all), earliest first.
    public func overrides(schedule: String? = nil) async throws -> [OverrideRecord] {
        try await overrides(schedule: schedule, from: nil, until: nil)
    }
}

/// Silences and the alerts they hold back.
public protocol SilenceStorage: Sendable {
    /// Stores a silence.
    /// - Returns: It, with its id.
    func addSilence(_ silence: Silence) async throws -> Silence
    /// Silences that have not ended by `time` (all of them when nil), newest first.
    func silences(endingAfter time: Date?) async throws -> [Silence]
    /// Ends a silence at `time`.
    /// - Throws: ``StoreError`` `.notFound` (entity `.silence`), or `.conflict` when it has ended already.
    func expireSilence(id: Int64, at time: Date) async throws -> Silence
    /// The alerts held back now, oldest first.
    func silencedAlerts() async throws -> [SilencedAlertRecord]
}
