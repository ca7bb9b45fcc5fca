import Foundation
import Modules
import Store

/// A catalogued backup as JSON (CLI `--json`).
public struct BackupJSON: Encodable, Sendable {
    public var id: String
    public var source: String
    public var kind: String
    public var path: String
    public var bytes: Int64
    public var sha256: String
    public var createdAt: Date
    public var expiresAt: Date?
    public var verifiedAt: Date?
    public var status: String
    public var error: String?
    public var reason: String
    public var run: String?
    public var manifest: SQLiteManifest?

    public init(_ backup: BackupRecord) {
        id = backup.id
        source = backup.source
        kind = backup.kind
        path = backup.path
        bytes = backup.bytes
        sha256 = backup.sha256
        createdAt = backup.createdAt
        expiresAt = backup.expiresAt
        verifiedAt = backup.verifiedAt
        status = backup.status.rawValue
        error = backup.error
        reason = backup.reason
        run = backup.runID
        manifest = backup.manifest
    }
}

/// A restore drill as JSON.
public struct DrillJSON: Encodable, Sendable {
    public var id: String
    public var source: String
    public var backup: String?
    public var startedAt: Date
    public var rtoMs: Int64?
    public var rpoMs: Int64?
    public var status: String
    public var message: String
    public var run: String?

    public init(_ drill: DrillRecord) {
        id = drill.id
        source = drill.source
        backup = drill.backupID
        startedAt = drill.startedAt
        rtoMs = drill.rtoMs
        rpoMs = drill.rpoMs
        status = drill.status
        message = drill.message
        run = drill.runID
    }
}

/// One health check's result as JSON.
public struct HealthResultJSON: Encodable, Sendable {
    public var name: String
    public var kind: String
    public var status: String
    public var latencyMs: Int64
    public var message: String
    public var attempts: Int
    public var breaker: String
    public var critical: Bool

    public init(_ result: HealthResult) {
        name = result.name
        kind = result.kind
        status = result.status.rawValue
        latencyMs = result.latencyMs
        message = result.message
        attempts = result.attempts
        breaker = result.breaker
        critical = result.critical
    }
}

/// A set of health checks as JSON: the aggregate status and every result.
public struct HealthSummaryJSON: Encodable, Sendable {
    public var status: String
    public var checks: [HealthResultJSON]

    public init(_ summary: HealthSummary) {
        status = summary.status.rawValue
        checks = summary.results.map(HealthResultJSON.init)
    }
}
