import Foundation
import Incidents

/// Everything Firebreak keeps, behind one interface: the concerns below, each a protocol with async methods.
///
/// An engine (SQLite today, PostgreSQL next) implements all of them and passes the conformance suite in
/// `Tests/StoreTests/Conformance`. Callers hold `any Storage`, or the narrowest concern they need, and never see
/// the engine's types: no SQL and no connection type crosses this interface.
///
/// ```swift
/// let store: any Storage = try SQLiteStore.open(directory: URL(fileURLWithPath: ".firebreak"))
/// let open = try await store.incidents(status: .triggered)
/// ```
public protocol Storage: IncidentStorage, AlertStorage, RunStorage, OutboxStorage, EscalationStorage,
    ModuleRecordStorage, TokenStorage, PostmortemStorage, ClaimStorage, StorageHealth, PeopleStorage, AuditStorage,
    SilenceStorage, SessionStorage
{
    /// The data directory of a file-backed engine (runs' scratch files live beside it), or `nil`.
    var directory: URL? { get }

    /// The executor the engine's writes run on, when it has one (SQLite: its write thread, which waits on the
    /// database itself), or `nil`. A task that writes a lot in a row (the alert writer, a terminal's run) prefers
    /// it, and reaches the database without a thread hop.
    var writeExecutor: (any TaskExecutor)? { get }

    /// What each commit changed, for the console's live pages.
    var changes: ChangeFeed { get }

    /// Publishes on ``changes`` what other processes committed since the last call (a terminal's command on the
    /// same database); the server calls it once a second.
    func announceForeignCommits() async
}

/// Incidents and their timelines.
public protocol IncidentStorage: Sendable {
    /// Opens an incident: allocates `INC-<n>`, lets `decide` build the transition, and writes the incident,
    /// its timeline entries and its outbox rows in one transaction.
    func openIncident(at time: Date, requestID: String?, _ decide: @escaping @Sendable (String) -> Transition)
        async throws -> Transition

    /// Applies `decide` to the stored incident and writes the result, its timeline and outbox rows in one
    /// transaction, so concurrent responders cannot lose each other's changes. A transition that closes a P0 or
    /// P1 incident is refused in that transaction unless its post-mortem is published (when `policy` asks).
    /// - Parameter claim: The escalation claim a scheduler holds; the write is refused when it was taken over.
    /// - Throws: ``StoreError`` `.notFound`, `.claimLost`; whatever `decide` throws (the engine's
    ///   `IncidentError.postmortemRequired` for the close gate).
    func updateIncident(
        id: String, at time: Date, requestID: String?, claim: Claim?,
        _ decide: @escaping @Sendable (Incident) throws -> Transition
    ) async throws -> Transition

    /// One incident.
    /// - Throws: ``StoreError`` `.notFound` for an unknown id.
    func incident(id: String) async throws -> Incident

    /// Incidents, newest first, optionally filtered.
    func incidents(status: IncidentStatus?, severity: Severity?, limit: Int, offset: Int) async throws -> [Incident]

    /// The incident's timeline, oldest first.
    func timeline(incidentID: String) async throws -> [IncidentEvent]

    /// One page of a timeline, newest first: events older than `beforeID` (all when `nil`), of `kind` when given.
    func timeline(incidentID: String, kind: TimelineKind?, beforeID: Int64?, limit: Int) async throws
        -> [IncidentEvent]

    /// The incidents in any of `statuses`: open ones first, then the most severe, then the newest.
    func incidents(in statuses: [IncidentStatus], severity: Severity?, limit: Int, offset: Int) async throws
        -> [Incident]

    /// The kinds of event an incident's timeline holds, sorted.
    func timelineKinds(incidentID: String) async throws -> [TimelineKind]

    /// Incidents counted by status and severity.
    func incidentCounts() async throws -> [IncidentStatus: [Severity: Int]]
}

extension IncidentStorage {
    /// Incidents, newest first (50 by default).
    public func incidents(
        status: IncidentStatus? = nil, severity: Severity? = nil, limit: Int = 50, offset: Int = 0
    ) async throws -> [Incident] {
        try await incidents(status: status, severity: severity, limit: limit, offset: offset)
    }

    /// Opens an incident with no request id.
    public func openIncident(at time: Date, _ decide: @escaping @Sendable (String) -> Transition) async throws
        -> Transition
    {
        try await openIncident(at: time, requestID: nil, decide)
    }

    /// Updates an incident outside any claim.
    public func updateIncident(
        id: String, at time: Date, requestID: String? = nil,
        _ decide: @escaping @Sendable (Incident) throws -> Transition
    ) async throws -> Transition {
        try await updateIncident(id: id, at: time, requestID: requestID, claim: nil, decide)
    }
}

/// Alerts: the group-commit ingest transaction, the alert rows and SNS subscriptions.
public protocol AlertStorage: Sendable {
    /// One write transaction for a batch of alert deliveries (group commit: many requests, one fsync).
    ///
    /// `body` is synchronous on purpose: the pure decisions between its reads and writes stay inside one
    /// transaction, and the engine runs it off the cooperative pool (SQLite on its writer queue).
    func ingest<T: Sendable>(_ body: @escaping @Sendable (any AlertTransaction) throws -> T) async throws -> T

    /// The alerts of an incident, in the order they first fired.
    func alerts(incidentID: String) async throws -> [AlertRecord]

    /// How many alerts each of the incidents has; an incident without any is absent.
    func alertCounts(incidentIDs: [String]) async throws -> [String: Int]

    /// The latest alerts, newest first.
    func recentAlerts(limit: Int) async throws -> [AlertRecord]

    /// Alert rows and deliveries (first firings plus repeats) stored so far.
    func alertTotals() async throws -> (alerts: Int, deliveries: Int)

    /// Records an SNS subscription confirmation that arrived.
    func recordSubscription(topicArn: String, messageID: String, subscribeURL: String, at time: Date) async throws

    /// Records the outcome of confirming a subscription.
    func markSubscription(messageID: String, confirmedAt: Date?, error: String?) async throws

    /// Every SNS subscription confirmation, newest first.
    func subscriptions() async throws -> [SNSSubscription]
}

/// The ingest path's view of one write transaction: loads what a decision needs and stores what was decided.
/// Valid only inside ``AlertStorage/ingest(_:)``.
public protocol AlertTransaction {
    /// What the store holds for an incident key and one of its alerts.
    func snapshot(incidentKey: String, alertKey: String) throws -> AlertSnapshot
    /// The id the next incident gets.
    func nextIncidentID() throws -> String
    /// Stores a decision: the incident (inserted or updated), its timeline and outbox rows, and the alert row.
    func store(_ decision: AlertDecision, alert: Alert, severity: Severity, at time: Date, requestID: String?) throws
    /// Whether `runbook` already has a run for the incident.
    func hasRun(incidentID: String, runbook: String) throws -> Bool
    /// Automatic (alert-started) runs of `runbook` since `time`.
    func automaticRuns(runbook: String, since time: Date) throws -> Int
    /// Inserts a run and its pending steps.
    func createRun(_ run: RunRecord, steps: [StepRecord]) throws -> RunRecord
    /// Appends a timeline entry.
    func append(_ entry: TimelineEntry, to incidentID: String, requestID: String?) throws
    /// Runs `body` in a savepoint: when it throws, its writes are undone and the rest of the transaction stays.
    func savepoint<T>(_ body: () throws -> T) throws -> T
    /// The silences active at `time`.
    func activeSilences(at time: Date) throws -> [Silence]
    /// Records (or counts again) an alert held back by a silence.
    /// - Returns: Its count of deliveries while silenced.
    func holdSilenced(_ record: SilencedAlertRecord) throws -> Int
    /// Removes the held-back alert, returning it: it resolved, or it is let through.
    func releaseSilenced(incidentKey: String, alertKey: String) throws -> SilencedAlertRecord?
}

/// Runs, their steps and attempts.
public protocol RunStorage: Sendable {
    /// Inserts a new run and all of its pending steps in one transaction.
    /// - Returns: The run with its id.
    func createRun(_ run: RunRecord, steps: [StepRecord]) async throws -> RunRecord

    /// Commits the run (when given) and step and attempt changes in one transaction, in order; `incidentEvents`
    /// go to the timeline of `incidentID` in the same transaction.
    ///
    /// The write is refused with `.cancelled` once the run is cancelled, and with `.claimLost` when `claim` (the
    /// executor's claim on the run) was taken over by another owner.
    func commit(
        run: RunRecord?, steps: [StepRecord], attempts: [AttemptRecord], incidentID: String?,
        incidentEvents: [TimelineEntry], claim: Claim?
    ) async throws

    /// The run with its steps and attempts.
    /// - Throws: ``StoreError`` `.notFound` when there is no such run.
    func runDetail(id: Int64) async throws -> RunDetail

    /// Runs, newest first, optionally of one incident.
    func runs(incidentID: String?, limit: Int) async throws -> [RunRecord]

    /// Records who approved a waiting step.
    /// - Throws: ``StoreError`` `.notFound` for an unknown run or step, `.conflict` when the step is not waiting.
    func approve(runID: Int64, stepName: String, by approver: String, at date: Date) async throws -> StepRecord

    /// Marks a running run `waiting` (Ctrl-C at a prompt); a step left `running` between attempts goes back to
    /// `pending`.
    func pauseRun(id: Int64) async throws

    /// Cancels a run that has not ended: the run becomes `cancelled`, a running step `failed`, the steps not
    /// reached `skipped`, and later writes of its executor are refused.
    /// - Throws: ``StoreError`` `.notFound`, `.conflict` when it already ended.
    func cancelRun(id: Int64, by actor: String, reason: String?, at date: Date) async throws -> RunRecord

    /// Resets a failed run's failed step and the unfinished steps after it, and marks the run `waiting`.
    /// - Returns: The name of the step it continues from.
    func prepareRetry(runID: Int64, by actor: String, at date: Date) async throws -> String

    /// Automatic runs that have not ended and wait for no human: `pending` or `running` (their process died).
    func unfinishedAutomaticRuns() async throws -> [RunRecord]

    /// Writes the final step and attempt records of steps that ended before their run was cancelled.
    func commitFinished(steps: [StepRecord], attempts: [AttemptRecord]) async throws

    /// Runs counted by status.
    func runCounts() async throws -> [RunStatus: Int]
}

extension RunStorage {
    /// Commits one transition: any of the run, a step and an attempt, atomically.
    public func commit(
        run: RunRecord? = nil, step: StepRecord? = nil, attempt: AttemptRecord? = nil, claim: Claim? = nil
    ) async throws {
        try await commit(
            run: run, steps: step.map { [$0] } ?? [], attempts: attempt.map { [$0] } ?? [], incidentID: nil,
            incidentEvents: [], claim: claim)
    }

    /// Commits a run and several steps and attempts, with no timeline entries.
    public func commit(
        run: RunRecord?, steps: [StepRecord], attempts: [AttemptRecord] = [], claim: Claim? = nil
    ) async throws {
        try await commit(
            run: run, steps: steps, attempts: attempts, incidentID: nil, incidentEvents: [], claim: claim)
    }

    /// Runs, newest first (50 by default).
    public func runs(incidentID: String? = nil, limit: Int = 50) async throws -> [RunRecord] {
        try await runs(incidentID: incidentID, limit: limit)
    }
}

/// The notification outbox: rows written with their incident's transition, delivered by a claimant.
public protocol OutboxStorage: Sendable {
    /// The incident's notifications, oldest first.
    func notifications(incidentID: String) async throws -> [NotificationRecord]

    /// Claims up to `limit` pending notifications due at `time` that no other owner holds, for `lease`.
    /// Each one's delivery outcome is then written with its claim.
    func claimDueNotifications(at time: Date, owner: ClaimOwner, lease: TimeInterval, limit: Int) async throws
        -> [ClaimedNotification]

    /// When the next pending notification is due, if any.
    func nextNotificationDue() async throws -> Date?

    /// Marks a notification delivered and releases its claim.
    /// - Throws: ``StoreError`` `.claimLost` when another owner took the claim over (the row is not touched).
    func markNotificationSent(id: Int64, at time: Date, claim: Claim) async throws

    /// Records a failed attempt: due again at `retryAt`, or a dead letter when it is `nil`; releases the claim.
    func markNotificationFailed(id: Int64, error: String, retryAt: Date?, claim: Claim) async throws

    /// Moves a notification's next attempt to `time` without counting an attempt (an open circuit breaker).
    func postponeNotification(id: Int64, until time: Date, claim: Claim) async throws

    /// Dead letters, oldest first.
    func deadLetters() async throws -> [NotificationRecord]

    /// Re-queues dead letters (all when `id` is nil) for delivery at `time` with a fresh count of attempts.
    /// - Returns: The notifications as they are now: pending, with no attempts.
    /// - Throws: ``StoreError`` `.notFound` when `id` is not a dead letter.
    @discardableResult
    func replayDeadLetters(id: Int64?, at time: Date) async throws -> [NotificationRecord]

    /// Notifications counted by status.
    func notificationCounts() async throws -> [NotificationRecord.Status: Int]
}

/// Escalation timers: each open incident's `escalationDueAt`, fired by a claimant.
public protocol EscalationStorage: Sendable {
    /// Claims the escalation timers due at `time` that no other owner holds, earliest first. The claimant fires
    /// each with ``IncidentStorage/updateIncident(id:at:requestID:claim:_:)``, which checks and releases the claim.
    func claimDueEscalations(at time: Date, owner: ClaimOwner, lease: TimeInterval, limit: Int) async throws
        -> [Claim]

    /// When the next escalation is due, if any is planned.
    func nextEscalationDue() async throws -> Date?
}

/// The backup catalog and restore drills.
public protocol ModuleRecordStorage: Sendable {
    /// Adds a backup to the catalog.
    func insertBackup(_ backup: BackupRecord) async throws -> BackupRecord
    /// One backup.
    /// - Throws: ``StoreError`` `.notFound`.
    func backup(id: String) async throws -> BackupRecord
    /// Backups, newest first, optionally of one source or run.
    func backups(source: String?, runID: String?) async throws -> [BackupRecord]
    /// The newest verified-or-unverified good backup of a source, at or before `time` when given.
    func latestBackup(source: String, at time: Date?) async throws -> BackupRecord?
    /// Records a verification: `error` nil means it verified.
    func recordVerification(backupID: String, at time: Date, error: String?) async throws
    /// Removes backups from the catalog.
    func deleteBackups(ids: [String]) async throws
    /// Records a restore drill.
    func insertDrill(_ drill: DrillRecord) async throws -> DrillRecord
    /// Drills, newest first, optionally of one source or run.
    func drills(source: String?, runID: String?) async throws -> [DrillRecord]
}

extension ModuleRecordStorage {
    /// Every backup, newest first.
    public func backups(source: String? = nil, runID: String? = nil) async throws -> [BackupRecord] {
        try await backups(source: source, runID: runID)
    }

    /// The newest good backup of a source.
    public func latestBackup(source: String) async throws -> BackupRecord? {
        try await latestBackup(source: source, at: nil)
    }

    /// Every drill, newest first.
    public func drills(source: String? = nil, runID: String? = nil) async throws -> [DrillRecord] {
        try await drills(source: source, runID: runID)
    }
}

/// API tokens, stored hashed.
public protocol TokenStorage: Sendable {
    /// Stores a new token.
    /// - Throws: ``StoreError`` `.conflict` when the name is taken, even by a revoked token.
    func createToken(_ token: TokenRecord) async throws
    /// Every token, active and revoked, by name.
    func tokens() async throws -> [TokenRecord]
    /// Tokens whose prefix matches, active or not.
    func tokens(prefix: String) async throws -> [TokenRecord]
    /// Revokes a token by name; console sessions signed in with the token end with it.
    /// - Throws: ``StoreError`` `.notFound`, `.conflict` when it is already revoked.
    func revokeToken(name: String, at time: Date) async throws
}

/// Post-mortems, their history and action items.
public protocol PostmortemStorage: Sendable {
    /// The incident's post-mortem, or `nil` when none was saved.
    func postmortem(incidentID: String) async throws -> PostmortemRecord?
    /// Saves a version and records it on the timeline.
    /// - Parameter forcedOver: The unfinished sections a `--force` publication went past.
    @discardableResult
    func savePostmortem(
        incidentID: String, markdown: String, status: PostmortemStatus, by actor: String, at time: Date,
        forcedOver: [String]
    ) async throws -> PostmortemRecord
    /// Every saved version, oldest first.
    func postmortemHistory(incidentID: String) async throws -> [PostmortemVersion]
    /// Adds an action item and records it on the timeline.
    func addActionItem(_ item: ActionItem) async throws -> ActionItem
    /// The incident's action items, in the order they were added.
    func actionItems(incidentID: String) async throws -> [ActionItem]
    /// Sets an action item's status (`open` or `done`).
    func setActionItemStatus(id: Int64, status: String, by actor: String, at time: Date) async throws -> ActionItem
}

extension PostmortemStorage {
    /// Saves a version without a forced publication.
    @discardableResult
    public func savePostmortem(
        incidentID: String, markdown: String, status: PostmortemStatus, by actor: String, at time: Date
    ) async throws -> PostmortemRecord {
        try await savePostmortem(
            incidentID: incidentID, markdown: markdown, status: status, by: actor, at: time, forcedOver: [])
    }
}

/// What `/health` asks of the engine.
public protocol StorageHealth: Sendable {
    /// Writes and commits a probe row, waiting at most `timeout` for a lock.
    /// - Throws: ``StoreError`` `.unavailable` when the engine does not take writes.
    func probeWrite(at time: Date, timeout: TimeInterval) async throws
}
