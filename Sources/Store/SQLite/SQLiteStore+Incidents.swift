import Foundation
import GRDB
import Incidents

/// A timeline event as stored.
public struct IncidentEvent: Sendable, Equatable, Codable {
    /// Row id, increasing in commit order.
    public var id: Int64
    /// What happened (`opened`, `acknowledged`, …).
    public var kind: TimelineKind
    /// Who did it.
    public var actor: String
    /// When.
    public var at: Date
    /// Details.
    public var details: [String: String]
    /// The HTTP request that caused it, when one did.
    public var requestID: String?

    public init(
        id: Int64, kind: TimelineKind, actor: String, at: Date, details: [String: String], requestID: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.actor = actor
        self.at = at
        self.details = details
        self.requestID = requestID
    }
}

extension SQLiteStore {
    public func openIncident(
        at time: Date, requestID: String?, _ decide: @escaping @Sendable (String) -> Transition
    ) async throws -> Transition {
        try await write { db in
            let next =
                (try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'incidents'") ?? 0) + 1
            let transition = decide("INC-\(next)")
            try Self.insert(transition.incident, db)
            try Self.perform(transition, db, at: time, requestID: requestID)
            return transition
        }
    }

    public func updateIncident(
        id: String, at time: Date, requestID: String?, claim: Claim?,
        _ decide: @escaping @Sendable (Incident) throws -> Transition
    ) async throws -> Transition {
        try await write { db in
            if let claim {
                try Self.ensureClaim(claim, isFor: WorkItem(.escalation, key: id.uppercased()))
                try Self.ensureHeld(claim, db)
            }
            let transition = try Self.applyUpdate(id: id, db, at: time, requestID: requestID, decide)
            if let claim { try Self.release(claim, completed: false, db) }
            return transition
        }
    }

    /// Reads the incident, decides, and writes the outcome, inside the caller's write transaction.
    static func applyUpdate(
        id: String, _ db: Database, at time: Date, requestID: String?, _ decide: (Incident) throws -> Transition
    ) throws -> Transition {
        guard var incident = try fetchIncident(id: id, db) else {
            throw StoreError(.notFound, "no incident \(id)", entity: .incident)
        }
        // The close gate reads the post-mortem in this transaction: a publication and a close cannot race.
        incident.postmortemPublished =
            try Bool.fetchOne(
                db, sql: "SELECT status = 'published' FROM postmortems WHERE incident_id = ?",
                arguments: [incident.id]) ?? false
        let transition = try decide(incident)
        try update(transition.incident, db)
        try perform(transition, db, at: time, requestID: requestID)
        return transition
    }

    /// One incident.
    /// - Throws: ``StoreError`` `.notFound` for an unknown id.
    public func incident(id: String) async throws -> Incident {
        try await read { db in
            guard let incident = try Self.fetchIncident(id: id, db) else {
                throw StoreError(.notFound, "no incident \(id)", entity: .incident)
            }
            return incident
        }
    }

    /// Incidents, newest first, optionally filtered.
    public func incidents(status: IncidentStatus?, severity: Severity?, limit: Int, offset: Int)
        async throws -> [Incident]
    {
        try await read { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let status {
                conditions.append("status = ?")
                arguments += [status.rawValue]
            }
            if let severity {
                conditions.append("severity = ?")
                arguments += [severity.rawValue]
            }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments += [limit, offset]
            return try Row.fetchAll(
                db, sql: "SELECT \(Self.selection) FROM incidents \(filter) ORDER BY seq DESC LIMIT ? OFFSET ?",
                arguments: arguments
            ).map(Self.incident(from:))
        }
    }

    /// The incident's timeline, oldest first.
    public func timeline(incidentID: String) async throws -> [IncidentEvent] {
        try await read { db in
            // By column index: a post-mortem reads every event of an incident, and name lookups cost more than the query.
            try Row.fetchAll(
                db.cachedStatement(
                    sql:
                        "SELECT id, kind, actor, at, details, request_id FROM incident_events WHERE incident_id = ? ORDER BY id"
                ),
                arguments: [incidentID.uppercased()]
            ).map { row in
                IncidentEvent(
                    id: row[0], kind: TimelineKind(rawValue: row[1]), actor: row[2],
                    at: Date(timeIntervalSince1970: row[3]),
                    details: Self.decodeDetails(row[4]), requestID: row[5])
            }
        }
    }

    // MARK: - Rows

    private static let columns = """
        id, title, summary, severity, status, triggered_at, acknowledged_at, mitigated_at, resolved_at, closed_at,
        commander, assignee, dedup_key, escalation_policy, escalation_level, escalation_cycle, escalation_due_at,
        communications, scribe
        """

    private static func arguments(_ incident: Incident) -> StatementArguments {
        [
            incident.id, incident.title, incident.summary, incident.severity.rawValue, incident.status.rawValue,
            incident.triggeredAt.timeIntervalSince1970, incident.acknowledgedAt?.timeIntervalSince1970,
            incident.mitigatedAt?.timeIntervalSince1970, incident.resolvedAt?.timeIntervalSince1970,
            incident.closedAt?.timeIntervalSince1970, incident.commander, incident.assignee, incident.dedupKey,
            incident.escalation?.policy, incident.escalation?.nextLevel, incident.escalation?.cycle,
            incident.escalation?.dueAt.timeIntervalSince1970, incident.communications, incident.scribe,
        ]
    }

    static func insert(_ incident: Incident, _ db: Database) throws {
        try db.execute(
            sql:
                "INSERT INTO incidents (\(columns)) VALUES (\(Array(repeating: "?", count: 19).joined(separator: ", ")))",
            arguments: arguments(incident))
    }

    static func update(_ incident: Incident, _ db: Database) throws {
        let assignments = columns.split(separator: ",")
            .map { "\($0.trimmingCharacters(in: .whitespacesAndNewlines)) = ?" }.joined(separator: ", ")
        var values = arguments(incident)
        values += [incident.id]
        try db.execute(sql: "UPDATE incidents SET \(assignments) WHERE id = ?", arguments: values)
    }

    static func perform(_ transition: Transition, _ db: Database, at time: Date, requestID: String?) throws {
        for effect in transition.effects {
            switch effect {
            case .record(let entry):
                try append(entry, to: transition.incident.id, requestID: requestID, db)
            case .notify(let channels, let event):
                // The notification carries the details of the timeline entry it announces (an escalation's level).
                var details: [String: String] = [:]
                for case .record(let entry) in transition.effects where entry.kind.rawValue == event {
                    details = entry.details
                }
                for channel in channels {
                    try db.execute(
                        sql: """
                            INSERT INTO notifications (incident_id, channel, event, details, next_attempt_at, created_at)
                            VALUES (?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            transition.incident.id, channel, event, encodeDetails(details),
                            time.timeIntervalSince1970, time.timeIntervalSince1970,
                        ])
                }
            case .scheduleEscalation, .cancelEscalation:
                break  // The escalation state is part of the incident row written above.
            }
        }
        // A run waiting for a human must not outlive its incident (docs/incidents.md, "Runs and the incident").
        for case .record(let entry) in transition.effects where entry.kind == .resolved || entry.kind == .closed {
            try cancelIdleRuns(incidentID: transition.incident.id, because: entry.kind.rawValue, at: time, db)
        }
    }

    /// Appends one timeline entry.
    static func append(_ entry: TimelineEntry, to incidentID: String, requestID: String? = nil, _ db: Database) throws {
        try db.cachedStatement(
            sql:
                "INSERT INTO incident_events (incident_id, kind, actor, at, details, request_id) VALUES (?, ?, ?, ?, ?, ?)"
        ).execute(arguments: [
            incidentID, entry.kind.rawValue, entry.actor, entry.at.timeIntervalSince1970,
            encodeDetails(entry.details), requestID,
        ])
    }

    static func encodeDetails(_ details: [String: String]) -> String {
        DetailsJSON.encode(details)
    }

    static func decodeDetails(_ text: String?) -> [String: String] {
        DetailsJSON.decode(text)
    }

    static func fetchIncident(id: String, _ db: Database) throws -> Incident? {
        try Row.fetchOne(db, sql: "SELECT \(selection) FROM incidents WHERE id = ?", arguments: [id.uppercased()]).map(
            incident(from:))
    }

    /// The columns ``incident(from:)`` reads, in the order it reads them by index: by-name lookups cost more than
    /// the query on the alert ingest path.
    static let selection = """
        id, title, summary, severity, status, triggered_at, acknowledged_at, mitigated_at, resolved_at, closed_at,
        commander, assignee, dedup_key, escalation_policy, escalation_level, escalation_cycle, escalation_due_at,
        communications, scribe
        """

    /// An incident from a row that selected ``selection``.
    static func incident(from row: Row) -> Incident {
        func date(_ index: Int) -> Date? {
            (row[index] as Double?).map(Date.init(timeIntervalSince1970:))
        }
        var incident = Incident(
            id: row[0], title: row[1], summary: row[2],
            severity: Severity(rawValue: row[3]) ?? .p3,
            status: IncidentStatus(rawValue: row[4]) ?? .triggered,
            triggeredAt: date(5) ?? Date(timeIntervalSince1970: 0), dedupKey: row[12])
        incident.acknowledgedAt = date(6)
        incident.mitigatedAt = date(7)
        incident.resolvedAt = date(8)
        incident.closedAt = date(9)
        incident.commander = row[10]
        incident.assignee = row[11]
        incident.communications = row[17]
        incident.scribe = row[18]
        if let policy = row[13] as String?, let due = date(16) {
            incident.escalation = EscalationState(
                policy: policy, nextLevel: row[14] ?? 0, cycle: row[15] ?? 0, dueAt: due)
        }
        return incident
    }
}
