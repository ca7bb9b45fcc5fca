import Basics
import Foundation
import Incidents
import Yams

/// Parses module bodies and configuration sections. The step modules, `firebreak.yml` and lint share these, so
/// one check is written the same way everywhere.
public enum ModuleSpecs {
    static let probeKeys = ["http", "tcp", "sqlite", "disk", "command", "backup_freshness"]
    static let checkKeys =
        probeKeys + [
            "name", "method", "expect_status", "body_contains", "query", "expect", "min_free", "max_age", "timeout",
            "degraded_after", "critical", "retries", "retry_delay",
        ]

    /// One health check from a mapping node; `defaultName` is used when it has no `name`.
    public static func healthCheck(_ node: Node, defaultName: String?, lineOffset: Int = 0, lint: Bool = false) throws
        -> HealthCheck
    {
        let reader = YAMLReader<SpecError>.moduleBody(lineOffset: lineOffset, lint: lint)
        var values: [String: Node] = [:]
        for (key, value) in try reader.mapping(node, at: "a health check", known: checkKeys) { values[key] = value }
        let (kind, target) = try probeKind(of: node, values, reader)
        let probe: HealthCheck.Probe
        switch kind {
        case "http":
            probe = try httpProbe(target, values, reader)
        case "tcp":
            probe = try tcpProbe(target, reader)
        case "sqlite":
            probe = .sqlite(
                path: try reader.string(target, at: "sqlite"),
                query: try values["query"].map { try reader.string($0, at: "query") } ?? "SELECT 1",
                expect: try values["expect"].map { try reader.string($0, at: "expect") })
        case "disk":
            probe = .disk(
                path: try reader.string(target, at: "disk"),
                minFreePercent: try values["min_free"].map { try reader.double($0, at: "min_free", range: 0...100) }
                    ?? 10)
        case "command":
            probe = .command(try reader.literalCommand(target, at: "command"))
        default:
            probe = try backupFreshnessProbe(target, values, reader)
        }
        let name = try values["name"].map { try reader.string($0, at: "name") } ?? defaultName ?? kind
        var check = HealthCheck(name: name, probe: probe)
        if let node = values["timeout"] { check.timeout = try reader.duration(node, at: "timeout") }
        if let node = values["degraded_after"] { check.degradedAfter = try reader.duration(node, at: "degraded_after") }
        if let node = values["critical"] { check.critical = try reader.bool(node, at: "critical") }
        if let node = values["retries"] { check.retries = try reader.int(node, at: "retries") }
        if let node = values["retry_delay"] { check.retryDelay = try reader.duration(node, at: "retry_delay") }
        return check
    }

    /// The check's one kind of probe and its target, with every kind-specific key checked against the kind.
    private static func probeKind(of node: Node, _ values: [String: Node], _ reader: YAMLReader<SpecError>) throws
        -> (String, Node)
    {
        let probes = probeKeys.filter { values[$0] != nil }
        guard probes.count == 1, let kind = probes.first, let target = values[kind] else {
            throw reader.fail(
                node,
                probes.isEmpty
                    ? "a health check needs one of: \(probeKeys.joined(separator: ", "))"
                    : "a health check has one kind, not \(probes.joined(separator: " and ")); split it into two checks")
        }
        let allowed: [String: [String]] = [
            "http": ["method", "expect_status", "body_contains"], "sqlite": ["query", "expect"], "disk": ["min_free"],
            "backup_freshness": ["max_age"], "tcp": [], "command": [],
        ]
        for specific in ["method", "expect_status", "body_contains", "query", "expect", "min_free", "max_age"]
        where values[specific] != nil && !(allowed[kind] ?? []).contains(specific) {
            throw reader.fail(values[specific], "'\(specific)' does not apply to a \(kind) check")
        }
        return (kind, target)
    }

    /// `http: URL`, with `method`, `expect_status` and `body_contains`.
    private static func httpProbe(_ target: Node, _ values: [String: Node], _ reader: YAMLReader<SpecError>) throws
        -> HealthCheck.Probe
    {
        let url = try reader.string(target, at: "http")
        guard
            reader.deferred(target)
                || (URLComponents(string: url).map {
                    ["http", "https"].contains($0.scheme ?? "") && $0.host != nil
                } ?? false)
        else { throw reader.fail(target, "'http' must be an http:// or https:// URL, not '\(url)'") }
        var expect = [200]
        if let node = values["expect_status"] {
            let items = node.sequence ?? [node]
            expect = []
            for item in items { expect.append(try reader.int(item, at: "expect_status", minimum: 100)) }
        }
        return .http(
            url: url,
            method: try values["method"].map { try reader.string($0, at: "method").uppercased() } ?? "GET",
            expectStatus: expect,
            bodyContains: try values["body_contains"].map { try reader.string($0, at: "body_contains") })
    }

    /// `tcp: host:port`; an IPv6 host may be bracketed.
    private static func tcpProbe(_ target: Node, _ reader: YAMLReader<SpecError>) throws -> HealthCheck.Probe {
        let text = try reader.string(target, at: "tcp")
        if reader.deferred(target) { return .tcp(host: text, port: 1) }
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (1...65535).contains(port),
            colon > text.startIndex
        else { throw reader.fail(target, "'tcp' must be host:port, like db.internal:5432, not '\(text)'") }
        return .tcp(host: String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port: port)
    }

    /// `backup_freshness: SOURCE` with `max_age`.
    private static func backupFreshnessProbe(
        _ target: Node, _ values: [String: Node], _ reader: YAMLReader<SpecError>
    ) throws -> HealthCheck.Probe {
        guard let maxAge = values["max_age"] else {
            throw reader.fail(target, "a backup_freshness check needs 'max_age', like 26h")
        }
        let source = try reader.string(target, at: "backup_freshness")
        if reader.deferred(target) {
            return .backupFreshness(source: source, maxAge: try reader.duration(maxAge, at: "max_age"))
        }
        do {
            return .backupFreshness(
                source: try BackupSource(parsing: source, command: "-").description,
                maxAge: try reader.duration(maxAge, at: "max_age"))
        } catch let error as ModuleError {
            throw reader.fail(target, error.message)
        }
    }

    /// A `health` step body: one check, or `checks:` with a list of them.
    public static func healthStep(_ text: String, stepName: String, lineOffset: Int = 0, lint: Bool = false) throws
        -> [HealthCheck]
    {
        let reader = YAMLReader<SpecError>.moduleBody(lineOffset: lineOffset, lint: lint)
        let root = try reader.root(text)
        if let list = root.mapping?["checks"] {
            guard root.mapping?.count == 1 else {
                throw reader.fail(root, "with 'checks:', put every other key inside the checks")
            }
            guard let items = list.sequence, !items.isEmpty else {
                throw reader.fail(list, "'checks' must be a non-empty list of checks")
            }
            var checks: [HealthCheck] = []
            for (index, item) in items.enumerated() {
                checks.append(
                    try healthCheck(item, defaultName: "\(stepName)-\(index + 1)", lineOffset: lineOffset, lint: lint))
            }
            return checks
        }
        return [try healthCheck(root, defaultName: stepName, lineOffset: lineOffset, lint: lint)]
    }

    /// A `backup` step body.
    public struct BackupStep: Sendable, Equatable {
        public var source: BackupSource
        public var retention: Retention
        public var timeout: Duration?
    }

    /// Parses a `backup` step body: `source`, and `command` for `command:` sources, `keep_days`, `keep_last`,
    /// `timeout`.
    public static func backupStep(_ text: String, lineOffset: Int = 0, lint: Bool = false) throws -> BackupStep {
        let reader = YAMLReader<SpecError>.moduleBody(lineOffset: lineOffset, lint: lint)
        let root = try reader.root(text)
        var values: [String: Node] = [:]
        for (key, value) in try reader.mapping(
            root, at: "a backup step", known: ["source", "command", "keep_days", "keep_last", "timeout"])
        {
            values[key] = value
        }
        guard let sourceNode = values["source"] else {
            throw reader.fail(root, "a backup step needs 'source: sqlite:PATH' (or dir:, file:, command:NAME)")
        }
        let command = try values["command"].map { try reader.literalCommand($0, at: "command") }
        let source: BackupSource
        do {
            let text = try reader.string(sourceNode, at: "source")
            source = try BackupSource(
                parsing: reader.deferred(sourceNode) && !text.contains(":") ? "file:\(text)" : text, command: command)
        } catch let error as ModuleError {
            throw reader.fail(sourceNode, error.message)
        }
        if command != nil, source.kind != "command" {
            throw reader.fail(values["command"], "'command' applies only to a command:NAME source")
        }
        var retention = Retention()
        if let node = values["keep_days"] { retention.keepDays = try reader.int(node, at: "keep_days", minimum: 1) }
        if let node = values["keep_last"] { retention.keepLast = try reader.int(node, at: "keep_last", minimum: 1) }
        return BackupStep(
            source: source, retention: retention,
            timeout: try values["timeout"].map { try reader.duration($0, at: "timeout") })
    }

    /// A `restore` step body.
    public struct RestoreStep: Sendable, Equatable {
        /// Restore: which backup. `nil` for a drill.
        public var selection: RestoreEngine.Selection
        /// Restore target; `nil` for a drill.
        public var target: String?
        public var dryRun: Bool
        /// A drill of this source instead of a restore.
        public var drillSource: String?
    }

    /// Parses a `restore` step body: `backup` (an id or `latest`), `source`, `to`, `at`, `dry_run`; or
    /// `drill: true` with `source`.
    public static func restoreStep(_ text: String, lineOffset: Int = 0, lint: Bool = false) throws -> RestoreStep {
        let reader = YAMLReader<SpecError>.moduleBody(lineOffset: lineOffset, lint: lint)
        let root = try reader.root(text)
        var values: [String: Node] = [:]
        for (key, value) in try reader.mapping(
            root, at: "a restore step", known: ["backup", "source", "to", "at", "dry_run", "drill"])
        {
            values[key] = value
        }
        func source() throws -> String? {
            guard let node = values["source"] else { return nil }
            if reader.deferred(node) { return try reader.string(node, at: "source") }
            do {
                return try BackupSource(parsing: try reader.string(node, at: "source"), command: "-").description
            } catch let error as ModuleError {
                throw reader.fail(node, error.message)
            }
        }
        if let drill = values["drill"], try reader.bool(drill, at: "drill") {
            for key in ["backup", "to", "at", "dry_run"] where values[key] != nil {
                throw reader.fail(
                    values[key],
                    "'\(key)' does not apply to a drill, which restores the latest backup to a scratch directory")
            }
            guard let name = try source() else {
                throw reader.fail(drill, "a drill needs 'source', the source whose latest backup it restores")
            }
            return RestoreStep(selection: .latest(source: name, at: nil), target: nil, dryRun: false, drillSource: name)
        }
        guard let to = values["to"] else {
            throw reader.fail(root, "a restore step needs 'to', the path to restore to")
        }
        var at: Date?
        if let node = values["at"] {
            let text = try reader.string(node, at: "at")
            if reader.deferred(node) {
                return RestoreStep(
                    selection: .latest(source: try source(), at: nil), target: "-", dryRun: false, drillSource: nil)
            }
            guard let date = Timestamp.parse(text) else {
                throw reader.fail(node, "'at' must be an RFC 3339 time like 2026-11-23T02:00:00Z, not '\(text)'")
            }
            at = date
        }
        let backup = try values["backup"].map { try reader.string($0, at: "backup") } ?? "latest"
        let selection: RestoreEngine.Selection
        if backup == "latest" {
            selection = .latest(source: try source(), at: at)
        } else {
            if values["at"] != nil {
                throw reader.fail(values["at"], "'at' picks among backups; it cannot go with backup: \(backup)")
            }
            selection = .id(backup)
        }
        return RestoreStep(
            selection: selection, target: try reader.string(to, at: "to"),
            dryRun: try values["dry_run"].map { try reader.bool($0, at: "dry_run") } ?? false, drillSource: nil)
    }
}
