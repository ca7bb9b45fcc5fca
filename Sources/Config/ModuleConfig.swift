import Basics
import Foundation
import Incidents
import Modules
import Yams

/// A backup the server takes on a cron schedule (UTC), then prunes its source with the same retention.
public struct BackupSchedule: Sendable, Equatable {
    public var source: BackupSource
    public var cron: CronSchedule
    public var retention: Retention

    public init(source: BackupSource, cron: CronSchedule, retention: Retention = Retention()) {
        self.source = source
        self.cron = cron
        self.retention = retention
    }
}

/// A health check the server runs on an interval. After `failures` consecutive unhealthy results it raises an
/// internal alert (an incident, routed to runbooks); the next healthy result resolves it.
public struct Canary: Sendable, Equatable {
    public var check: HealthCheck
    public var every: Duration
    public var failures: Int
    /// The severity of the incident it opens.
    public var severity: Severity

    public init(check: HealthCheck, every: Duration, failures: Int = 2, severity: Severity = .p2) {
        self.check = check
        self.every = every
        self.failures = max(1, failures)
        self.severity = severity
    }
}

extension FirebreakConfig {
    static func readBackups(_ node: Node, into config: inout FirebreakConfig, _ reader: YAMLReader<ConfigError>)
        throws(ConfigError)
    {
        for (key, value) in try reader.mapping(
            node, at: "backups", known: ["repository", "keep_days", "keep_last", "schedules"])
        {
            switch key {
            case "repository": config.modules.repository = try reader.string(value, at: "backups.repository")
            case "keep_days":
                config.modules.retention.keepDays = try reader.int(value, at: "backups.keep_days", minimum: 1)
            case "keep_last":
                config.modules.retention.keepLast = try reader.int(value, at: "backups.keep_last", minimum: 1)
            default:
                guard let items = value.sequence else {
                    throw reader.fail(value, "'backups.schedules' must be a list of {source, cron} entries")
                }
                for item in items { config.backupSchedules.append(try readSchedule(item, reader)) }
            }
        }
        // Schedules without their own retention use the section's.
        for index in config.backupSchedules.indices
        where config.backupSchedules[index].retention == Retention(keepDays: nil, keepLast: nil) {
            config.backupSchedules[index].retention = config.modules.retention
        }
    }

    private static func readSchedule(_ node: Node, _ reader: YAMLReader<ConfigError>) throws(ConfigError)
        -> BackupSchedule
    {
        var source: String?
        var command: String?
        var cron: CronSchedule?
        var retention = Retention(keepDays: nil, keepLast: nil)
        for (key, value) in try reader.mapping(
            node, at: "backups.schedules", known: ["source", "command", "cron", "keep_days", "keep_last"])
        {
            let path = "backups.schedules.\(key)"
            switch key {
            case "source": source = try reader.string(value, at: path)
            case "command": command = try reader.string(value, at: path)
            case "cron":
                let text = try reader.string(value, at: path)
                do {
                    cron = try CronSchedule(parsing: text)
                } catch {
                    throw reader.fail(value, "'\(path)': \(error.message)")
                }
            case "keep_days": retention.keepDays = try reader.int(value, at: path, minimum: 1)
            default: retention.keepLast = try reader.int(value, at: path, minimum: 1)
            }
        }
        guard let source, let cron else {
            throw reader.fail(
                node,
                "a backup schedule needs 'source' and 'cron', like {source: sqlite:/var/lib/app.db, cron: \"0 2 * * *\"}"
            )
        }
        do {
            return BackupSchedule(
                source: try BackupSource(parsing: source, command: command), cron: cron, retention: retention)
        } catch {
            throw reader.fail(node, error.message)
        }
    }

    static func readHealth(_ node: Node, into config: inout FirebreakConfig, _ reader: YAMLReader<ConfigError>)
        throws(ConfigError)
    {
        for (key, value) in try reader.mapping(node, at: "health", known: ["checks", "breaker"]) {
            if key == "breaker" {
                for (field, setting) in try reader.mapping(
                    value, at: "health.breaker", known: ["failures", "cooldown", "successes"])
                {
                    let path = "health.breaker.\(field)"
                    switch field {
                    case "failures": config.modules.breaker.failures = try reader.int(setting, at: path, minimum: 1)
                    case "cooldown": config.modules.breaker.cooldown = try reader.duration(setting, at: path)
                    default: config.modules.breaker.successes = try reader.int(setting, at: path, minimum: 1)
                    }
                }
                continue
            }
            guard let items = value.sequence else {
                throw reader.fail(value, "'health.checks' must be a list of checks")
            }
            for item in items {
                let check: HealthCheck
                do {
                    check = try ModuleSpecs.healthCheck(item, defaultName: nil)
                } catch let error as SpecError {
                    throw ConfigError("\(reader.path):\(error.line): health.checks: \(error.message)")
                } catch {
                    throw reader.fail(item, "\(error)")
                }
                guard item.mapping?["name"] != nil else {
                    throw reader.fail(item, "every check under health.checks needs a 'name'")
                }
                guard !config.healthChecks.contains(where: { $0.name == check.name }) else {
                    throw reader.fail(item, "two health checks are named '\(check.name)'; names must be unique")
                }
                config.healthChecks.append(check)
            }
        }
    }

    static func readCanaries(_ node: Node, into config: inout FirebreakConfig, _ reader: YAMLReader<ConfigError>)
        throws(ConfigError)
    {
        guard let items = node.sequence else {
            throw reader.fail(node, "'canaries' must be a list of {check, every} entries")
        }
        for item in items {
            var name: String?
            var every = Duration.seconds(300)
            var failures = 2
            var severity = Severity.p2
            for (key, value) in try reader.mapping(
                item, at: "canaries", known: ["check", "every", "failures", "severity"])
            {
                let path = "canaries.\(key)"
                switch key {
                case "check": name = try reader.string(value, at: path)
                case "every": every = try reader.duration(value, at: path)
                case "failures": failures = try reader.int(value, at: path, minimum: 1)
                default:
                    let text = try reader.string(value, at: path)
                    guard let parsed = Severity(parsing: text) else {
                        throw reader.fail(value, "'\(path)' must be one of P0, P1, P2, P3, not '\(text)'")
                    }
                    severity = parsed
                }
            }
            guard let name else {
                throw reader.fail(item, "a canary needs 'check', the name of a check under health.checks")
            }
            guard let check = config.healthChecks.first(where: { $0.name == name }) else {
                throw reader.fail(
                    item,
                    "canary check '\(name)' is not defined under health.checks\(Suggestion.didYouMean(name, in: config.healthChecks.map(\.name)))"
                )
            }
            guard every >= .seconds(1) else { throw reader.fail(item, "a canary's 'every' must be at least 1s") }
            config.canaries.append(Canary(check: check, every: every, failures: failures, severity: severity))
        }
    }
}
