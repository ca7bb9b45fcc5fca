import Basics
import Foundation
import Incidents
import Modules
import OnCall
import Yams

/// Everything `firebreak.yml` can set. Every field has a default, so no file at all is a valid configuration.
public struct FirebreakConfig: Sendable, Equatable {
    /// The HTTP server.
    public var server = ServerSettings()
    /// Severities, escalation policies, announcements.
    public var policy = IncidentPolicy()
    /// Notification channels by name. `log` always exists.
    public var channels: [String: NotificationChannel] = ["log": NotificationChannel(name: "log", kind: .log)]
    /// How notifications are delivered.
    public var delivery = DeliverySettings()
    /// Where runbooks live.
    public var runbooksDirectory = "runbooks"
    /// How alerts become incidents and runs.
    public var alerts = AlertPolicy()
    /// Recurring quiet periods for matching alerts.
    public var maintenanceWindows: [MaintenanceWindow] = []
    /// How alert senders are let in.
    public var webhooks = WebhookSettings()
    /// Backup repository, retention and health-check breakers.
    public var modules = ModuleSettings()
    /// Backups the server takes on schedules.
    public var backupSchedules: [BackupSchedule] = []
    /// Dependency checks: `firebreak health` and `GET /health` run them.
    public var healthChecks: [HealthCheck] = []
    /// Checks the server runs on intervals, raising alerts after consecutive failures.
    public var canaries: [Canary] = []
    /// People who can be paged, by handle.
    public var users: [String: User] = [:]
    /// On-call schedules, by name.
    public var schedules: [String: Schedule] = [:]
    /// How email leaves; nil when no email is sent.
    public var smtp: SMTPSettings?
    /// Where the configuration came from, or nil for the built-in defaults.
    public var source: String?

    /// The defaults.
    public init() {}

    /// Loads `path`. A missing file gives the defaults unless `required` (an explicit `--config`).
    /// - Throws: ``ConfigError`` naming the file, the line and the fix.
    public static func load(path: String, required: Bool) throws(ConfigError) -> FirebreakConfig {
        guard FileManager.default.fileExists(atPath: path) else {
            if required { throw ConfigError("\(path): no such configuration file; omit --config to use the defaults") }
            return FirebreakConfig()
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("\(path): cannot be read; check its permissions")
        }
        var config = try parse(String(decoding: data, as: UTF8.self), path: path)
        config.source = path
        return config
    }

    /// Parses configuration text.
    public static func parse(
        _ text: String, path: String = "firebreak.yml",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> FirebreakConfig {
        let reader = YAMLReader<ConfigError>(path: path)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError("\(path): invalid YAML: \(error)")
        }
        var config = FirebreakConfig()
        guard let root else { return config }
        for (key, value) in try reader.mapping(
            root, at: "top level",
            known: [
                "server", "runbooks", "channels", "delivery", "severities", "escalation_policies", "announce", "alerts",
                "webhooks", "backups", "health", "canaries", "users", "schedules", "smtp", "maintenance_windows",
            ])
        {
            switch key {
            case "server": config.server = try ServerSettings.read(value, reader)
            case "runbooks": config.runbooksDirectory = try reader.string(value, at: "runbooks")
            case "channels":
                for (name, body) in try reader.mapping(value, at: "channels", known: []) {
                    config.channels[name] = try NotificationChannel.read(name: name, body, reader)
                }
            case "delivery": config.delivery = try DeliverySettings.read(value, reader)
            case "severities": try readSeverities(value, into: &config.policy, reader)
            case "escalation_policies":
                var policies: [String: EscalationPolicy] = [:]
                for (name, body) in try reader.mapping(value, at: "escalation_policies", known: []) {
                    policies[name] = try readEscalation(name: name, body, reader)
                }
                config.policy.escalationPolicies.merge(policies) { _, new in new }
            case "announce": config.policy.announce = try reader.strings(value, at: "announce")
            case "alerts": config.alerts = try AlertPolicy.read(value, reader)
            case "webhooks": config.webhooks = try WebhookSettings.read(value, reader)
            case "backups": try readBackups(value, into: &config, reader)
            case "health": try readHealth(value, into: &config, reader)
            case "smtp": config.smtp = try SMTPSettings.read(value, reader, environment: environment)
            case "maintenance_windows": config.maintenanceWindows = try MaintenanceReader.read(value, reader)
            case "users":
                for (handle, body) in try reader.mapping(value, at: "users", known: []) {
                    config.users[handle] = try User.read(handle: handle, body, reader)
                }
            default: break
            }
        }
        // Canaries name health checks, wherever the two sections are in the file.
        if let canaries = root.mapping?["canaries"] { try readCanaries(canaries, into: &config, reader) }
        // Schedules name users, wherever the two sections are in the file.
        if let schedules = root.mapping?["schedules"] {
            for (name, body) in try reader.mapping(schedules, at: "schedules", known: []) {
                config.schedules[name] = try ScheduleReader.read(name: name, body, users: config.users, reader)
            }
        }
        try config.validate(root, reader)
        return config
    }

    /// Every channel and policy named anywhere must exist.
    private func validate(_ root: Node, _ reader: YAMLReader<ConfigError>) throws(ConfigError) {
        for channel in channels.values.sorted(by: { $0.name < $1.name }) {
            if case .email = channel.kind, smtp == nil {
                throw ConfigError(
                    "\(reader.path): channel '\(channel.name)' sends email, but no 'smtp:' section says how email leaves"
                )
            }
        }
        let known = channels.keys.sorted()
        func check(_ channel: String, _ context: String) throws(ConfigError) {
            if let target = PageTarget(channel) {
                try checkTarget(target, context, reader)
                return
            }
            guard channels[channel] != nil else {
                throw ConfigError(
                    "\(reader.path): \(context) names channel '\(channel)', which is not configured\(Suggestion.didYouMean(channel, in: known))"
                )
            }
        }
        for channel in policy.announce {
            guard PageTarget(channel) == nil else {
                throw ConfigError(
                    "\(reader.path): announce names '\(channel)'; announcements go to channels, pages to people go in escalation_policies"
                )
            }
            try check(channel, "announce")
        }
        for (name, escalation) in policy.escalationPolicies.sorted(by: { $0.key < $1.key }) {
            for level in escalation.levels {
                for channel in level.notify { try check(channel, "escalation policy '\(name)'") }
            }
        }
        for severity in Severity.allCases {
            let name = policy.policy(for: severity).escalationPolicy
            if policy.policy(for: severity).pages, policy.escalationPolicies[name] == nil {
                throw ConfigError(
                    "\(reader.path): severity \(severity.rawValue) uses escalation policy '\(name)', which is not defined under escalation_policies"
                )
            }
        }
    }

    private static func readSeverities(
        _ node: Node, into policy: inout IncidentPolicy, _ reader: YAMLReader<ConfigError>
    )
        throws(ConfigError)
    {
        for (name, body) in try reader.mapping(node, at: "severities", known: []) {
            guard let severity = Severity(parsing: name) else {
                throw reader.fail(body, "'\(name)' under severities is not one of P0, P1, P2, P3")
            }
            var rule = policy.policy(for: severity)
            for (key, value) in try reader.mapping(
                body, at: "severities.\(name)",
                known: ["acknowledge_within", "escalation", "pages", "postmortem_required"])
            {
                let path = "severities.\(name).\(key)"
                switch key {
                case "acknowledge_within": rule.acknowledgeWithin = try reader.duration(value, at: path)
                case "escalation": rule.escalationPolicy = try reader.string(value, at: path)
                case "pages": rule.pages = try reader.bool(value, at: path)
                case "postmortem_required":
                    if try reader.bool(value, at: path) {
                        policy.postmortemRequiredToClose.insert(severity)
                    } else {
                        policy.postmortemRequiredToClose.remove(severity)
                    }
                default: break
                }
            }
            if rule.pages && rule.acknowledgeWithin == nil { rule.acknowledgeWithin = .zero }
            policy.severities[severity] = rule
        }
    }

    private static func readEscalation(name: String, _ node: Node, _ reader: YAMLReader<ConfigError>)
        throws(ConfigError)
        -> EscalationPolicy
    {
        var policy = EscalationPolicy(name: name, levels: [])
        for (key, value) in try reader.mapping(node, at: "escalation_policies.\(name)", known: ["levels", "repeat"]) {
            let path = "escalation_policies.\(name).\(key)"
            switch key {
            case "repeat": policy.repeat = try reader.int(value, at: path)
            case "levels":
                guard let items = value.sequence, !items.isEmpty else {
                    throw reader.fail(value, "'\(path)' must be a non-empty list of {after, notify} levels")
                }
                for item in items {
                    var after = Duration.zero
                    var notify: [String] = []
                    for (levelKey, levelValue) in try reader.mapping(item, at: path, known: ["after", "notify"]) {
                        if levelKey == "after" { after = try reader.duration(levelValue, at: "\(path).after") }
                        if levelKey == "notify" { notify = try reader.strings(levelValue, at: "\(path).notify") }
                    }
                    guard !notify.isEmpty else {
                        throw reader.fail(item, "a level in '\(path)' needs 'notify: [channel, …]'")
                    }
                    policy.levels.append(.init(after: after, notify: notify))
                }
            default: break
            }
        }
        guard !policy.levels.isEmpty else {
            throw reader.fail(node, "escalation policy '\(name)' needs 'levels'")
        }
        return policy
    }
}
