import Foundation
import GRDB

/// Turns SQLite's commits into ``ChangeFeed`` announcements: it notes which tables a transaction touched and
/// publishes their topics once the transaction commits (never for a rollback).
///
/// GRDB calls a transaction observer on the writer's queue, one transaction at a time, so `touched` is never
/// used by two threads at once.
final class ChangeObserver: TransactionObserver, @unchecked Sendable {
    static let topics: [String: StoreChange.Topic] = [
        "incidents": .incidents, "incident_events": .timeline, "alerts": .alerts, "silenced_alerts": .alerts,
        "runs": .runs, "run_steps": .runs, "step_attempts": .runs, "notifications": .notifications,
        "postmortems": .postmortems, "action_items": .postmortems, "schedule_overrides": .oncall,
        "silences": .silences,
    ]

    let feed: ChangeFeed
    private var touched: Set<StoreChange.Topic> = []

    init(feed: ChangeFeed) {
        self.feed = feed
    }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        Self.topics[eventKind.tableName] != nil
    }

    func databaseDidChange(with event: DatabaseEvent) {
        if let topic = Self.topics[event.tableName] { touched.insert(topic) }
    }

    func databaseDidCommit(_ db: Database) {
        let topics = touched
        touched = []
        feed.publish(topics)
    }

    func databaseDidRollback(_ db: Database) {
        touched = []
    }
}

extension SQLiteStore {
    /// Publishes every topic when another process (a terminal's command) committed since the last look: the
    /// writer connection's `data_version` changes only for commits of other connections (SQLite's file change
    /// counter), so this process's own writes, already announced, do not count. Called by the server once a
    /// second; the pages' live updates then reach a terminal's changes too.
    public func announceForeignCommits() async {
        let writer = self.writer
        let version = try? await writer.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA data_version")
        }
        guard let version else { return }
        let changed = lastDataVersion.withLock { last in
            defer { last = version }
            return last != nil && last != version
        }
        if changed { changes.publish(StoreChange.Topic.all) }
    }
}
