import FirebreakTesting
import Foundation
import Incidents
import Store
import Testing

/// A storage engine under test. Every conformance test takes one as its argument (`@Test(arguments:
/// Engine.allCases)`) and runs once per case: a new engine (PostgreSQL) adds a case here and passes the whole suite.
enum Engine: String, CaseIterable, CustomStringConvertible, Sendable {
    /// ``SQLiteStore`` on a database file in a fresh temporary directory.
    case sqliteFile

    var description: String { rawValue }

    /// A fresh, empty store of this engine, and what removes it (call it when the test ends).
    func make() async throws -> (storage: any Storage, cleanup: @Sendable () -> Void) {
        switch self {
        case .sqliteFile:
            let directory = TemporaryDirectory(prefix: "firebreak-conformance")
            let store = try await SQLiteStore.open(directory: directory.url.appendingPathComponent("data"))
            return (store, { try? FileManager.default.removeItem(at: directory.url) })
        }
    }

    /// Whether the engine keeps its data in a directory (``Storage/directory`` is not `nil`).
    var isFileBacked: Bool {
        switch self {
        case .sqliteFile: true
        }
    }

    /// Whether the engine takes one write transaction at a time (SQLite), so that a write transaction in progress
    /// holds up the health probe.
    var hasOneWriter: Bool {
        switch self {
        case .sqliteFile: true
        }
    }

    /// Makes `storage` refuse writes from now on, as a broken disk or a lost database server would.
    func breakWrites(of storage: any Storage) throws {
        switch self {
        case .sqliteFile:
            let directory = try #require(storage.directory)
            try FileManager.default.removeItem(at: directory)
        }
    }

    /// The bugs this suite found in the engine and that are not fixed yet.
    var knownBugs: Set<KnownBug> {
        switch self {
        case .sqliteFile: []
        }
    }
}

/// A bug of an engine that a conformance test shows. The test runs inside ``expecting(_:on:sourceLocation:_:)``:
/// for an engine that lists the bug its failures are known issues, and once the bug is fixed the test fails with
/// "known issue was not recorded", which says to take the bug off the engine's list.
enum KnownBug: String, Sendable {
    /// `RunRecord`, `StepRecord` and `AttemptRecord` declare `databaseDateEncodingStrategy` as a static property,
    /// which GRDB 7 no longer reads (it asks `databaseDateEncodingStrategy(for:)`): the rows their record methods
    /// write (`createRun`, `approve`, `pauseRun`) hold dates as text, and `automaticRuns(since:)` compares that
    /// text with a number, so every run counts as recent and the limit of automatic runs per window never resets.
    case runDatesStoredAsText
    /// `claimDueNotifications` and `claimDueEscalations` look at only the first `2 × limit` due rows: when another
    /// owner holds those, the due items behind them are not handed out at all.
    case claimScanStopsAtHeldRows
    /// `release` forgets the claim's token, so the next claim starts again at token 1: the fencing token does not
    /// grow with every new owner, and a claim that was taken over is honoured again once its first owner claims the
    /// released work anew.
    case tokenRestartsAfterRelease
    /// `addActionItem` records nothing on the incident's timeline, though the protocol says it does.
    case actionItemNotRecorded
    /// `savePostmortem` returns a record that differs from the one it stored (`publishedAt` of an earlier
    /// publication).
    case savedPostmortemDiffers
}

/// Runs `body`, whose failures are known issues when `engine` has `bug`.
func expecting(
    _ bug: KnownBug, on engine: Engine, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> Void
) async throws {
    try await withKnownIssue(
        "\(engine) has the known bug \(bug.rawValue)", sourceLocation: sourceLocation, body,
        when: { engine.knownBugs.contains(bug) })
}

/// Expects `body` to throw a ``StoreError`` with `code`.
func expectStoreError<R>(
    _ code: StoreError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () async throws -> R
) async {
    let error = await #expect(throws: StoreError.self, comment, sourceLocation: sourceLocation) {
        try await body()
    }
    #expect(error?.code == code, comment, sourceLocation: sourceLocation)
}

/// The injected time every conformance test starts from: nothing sleeps, time is passed in.
let t0 = Date(timeIntervalSince1970: 1_800_000_000)

extension Date {
    /// This time plus `seconds`.
    func plus(_ seconds: TimeInterval) -> Date { addingTimeInterval(seconds) }
    /// This time less `seconds`.
    func minus(_ seconds: TimeInterval) -> Date { addingTimeInterval(-seconds) }
}

/// The rows tests start from, built the way the application builds them.
enum Given {
    /// The default incident rules: P0 escalates 300 s after opening, P1 900 s, P2 3600 s; P3 does not page; paging
    /// severities announce on `log`.
    static let engine = IncidentEngine()

    /// Opens an incident with ``IncidentEngine/open(id:title:severity:summary:dedupKey:by:at:)``.
    @discardableResult
    static func incident(
        _ store: any IncidentStorage, _ severity: Severity = .p1, title: String = "Orders down", at time: Date = t0,
        engine: IncidentEngine = Given.engine, requestID: String? = nil
    ) async throws -> Incident {
        try await store.openIncident(at: time, requestID: requestID) { id in
            engine.open(id: id, title: title, severity: severity, by: "alice", at: time)
        }.incident
    }

    /// A run of runbook `runbook` with pending steps of these names (as the executor's `prepareRun` builds it), put
    /// in `status` when that is not `pending`.
    static func run(
        _ store: any RunStorage, runbook: String = "restart-api", incidentID: String? = nil, mode: String = "automatic",
        status: RunStatus = .pending, steps: [String] = ["check", "restart", "verify"], at time: Date = t0,
        alert: String? = nil
    ) async throws -> RunRecord {
        var run = try await store.createRun(
            RunRecord(
                runbookID: runbook, runbookPath: "/runbooks/\(runbook).md", title: "Restart the API",
                source: "# Restart the API", mode: mode, params: #"{"region":"eu"}"#, incidentID: incidentID,
                startedAt: time, alert: alert),
            steps: steps.enumerated().map { StepRecord(runID: 0, index: $0, name: $1, kind: "sh") })
        if status != .pending {
            run.status = status
            try await store.commit(run: run)
        }
        return run
    }

    /// A claim owner: a process on a host.
    static func owner(_ name: String) -> ClaimOwner {
        ClaimOwner(host: "host-\(name)", process: 4242, nonce: name)
    }
}
