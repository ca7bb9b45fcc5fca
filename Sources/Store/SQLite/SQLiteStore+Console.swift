import Foundation
import GRDB
import Incidents

extension SQLiteStore {
    public func timeline(incidentID: String, kind: TimelineKind?, beforeID: Int64?, limit: Int) async throws
        -> [IncidentEvent]
    {
        try await read { db in
            var sql = "SELECT id, kind, actor, at, details, request_id FROM incident_events WHERE incident_id = ?"
            var arguments: StatementArguments = [incidentID.uppercased()]
            if let kind {
                sql += " AND kind = ?"
                arguments += [kind.rawValue]
            }
            if let beforeID {
                sql += " AND id < ?"
                arguments += [beforeID]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                IncidentEvent(
                    id: row[0], kind: TimelineKind(rawValue: row[1]), actor: row[2],
                    at: Date(timeIntervalSince1970: row[3]), details: Self.decodeDetails(row[4]), requestID: row[5])
            }
        }
    }

    public func incidents(in statuses: [IncidentStatus], severity: Severity?, limit: Int, offset: Int)
        async throws -> [Incident]
    {
        guard !statuses.isEmpty else { return [] }
        return try await read { db in
            var sql =
                "SELECT \(Self.selection) FROM incidents WHERE status IN ("
                + Array(repeating: "?", count: statuses.count).joined(separator: ", ") + ")"
            var arguments = StatementArguments(statuses.map(\.rawValue))
            if let severity {
                sql += " AND severity = ?"
                arguments += [severity.rawValue]
            }
            // Open incidents first, then the most severe ('P0' < 'P1' as text), then the newest.
            sql += " ORDER BY status IN ('resolved', 'closed'), severity, seq DESC LIMIT ? OFFSET ?"
            arguments += [limit, offset]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.incident(from:))
        }
    }

    public func timelineKinds(incidentID: String) async throws -> [TimelineKind] {
        try await read { db in
            try String.fetchAll(
                db, sql: "SELECT DISTINCT kind FROM incident_events WHERE incident_id = ? ORDER BY kind",
                arguments: [incidentID.uppercased()]
            ).map(TimelineKind.init(rawValue:))
        }
    }

    public func alertCounts(incidentIDs: [String]) async throws -> [String: Int] {
        guard !incidentIDs.isEmpty else { return [:] }
        return try await read { db in
            let marks = Array(repeating: "?", count: incidentIDs.count).joined(separator: ", ")
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT incident_id, count(*) FROM alerts WHERE incident_id IN (\(marks)) GROUP BY incident_id",
                arguments: StatementArguments(incidentIDs.map { $0.uppercased() }))
            return Dictionary(uniqueKeysWithValues: rows.map { ($0[0] as String, $0[1] as Int) })
        }
    }
}
