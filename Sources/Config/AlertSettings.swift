import Basics
import Foundation
import Incidents
import Yams

/// `webhooks:` in `firebreak.yml`: how alert senders are let in.
public struct WebhookSettings: Sendable, Equatable {
    /// Webhook requests per second (per token), separate from the API's limit: alert storms are bursty.
    public var rateLimit: Double = 50_000
    /// Requests a sender may make at once before the rate applies.
    public var rateBurst: Double = 100_000
    /// Grafana's HMAC-SHA256 secret; when set, `X-Grafana-Alerting-Signature` is required and checked.
    public var grafanaSecret: String?
    /// CloudWatch through SNS.
    public var cloudwatch = CloudWatchSettings()

    public init() {}
}

/// `webhooks.cloudwatch:`.
public struct CloudWatchSettings: Sendable, Equatable {
    /// Verify SNS signatures (on by default; switching it off logs a warning at start-up).
    public var verifySignatures = true
    /// A PEM file or a directory of PEM files with the SNS signing certificates to trust (offline mode). Without
    /// it, the certificate at each message's `SigningCertURL` is fetched (Amazon's hosts only), checked and cached.
    public var certificates: String?
    /// A PEM file of trust roots for fetched certificates and their HTTPS; the system's roots when unset.
    public var trustRoots: String?
    /// An HTTP proxy (`http://host:port`) for fetching certificates, as egress often requires.
    public var proxy: String?
    /// TopicArns accepted; empty accepts any topic.
    public var topics: [String] = []
    /// Confirm subscriptions by fetching `SubscribeURL` (outbound HTTPS); off by default.
    public var confirmSubscriptions = false

    public init() {}
}

extension AlertPolicy {
    static func read(_ node: Node, _ reader: YAMLReader<ConfigError>) throws(ConfigError) -> AlertPolicy {
        var policy = AlertPolicy()
        func severity(_ value: Node, _ path: String) throws(ConfigError) -> Severity {
            let text = try reader.string(value, at: path)
            guard let severity = Severity(parsing: text) else {
                throw reader.fail(value, "'\(path)' must be one of P0, P1, P2, P3, not '\(text)'")
            }
            return severity
        }
        for (key, value) in try reader.mapping(
            node, at: "alerts",
            known: [
                "severity_map", "default_severity", "auto_resolve", "reopen_window", "fallback_runbook", "run_window",
                "max_runs_per_window",
            ])
        {
            let path = "alerts.\(key)"
            switch key {
            case "severity_map":
                var map: [String: Severity] = [:]
                for (word, target) in try reader.mapping(value, at: path, known: []) {
                    map[word.lowercased()] = try severity(target, "\(path).\(word)")
                }
                policy.severityMap = map
            case "default_severity": policy.defaultSeverity = try severity(value, path)
            case "auto_resolve":
                if value.sequence != nil {
                    var set: Set<Severity> = []
                    for item in value.sequence ?? [] { set.insert(try severity(item, path)) }
                    policy.autoResolve = set
                } else {
                    policy.autoResolve = try reader.bool(value, at: path) ? Set(Severity.allCases) : []
                }
            case "reopen_window": policy.reopenWindow = try reader.duration(value, at: path)
            case "fallback_runbook": policy.fallbackRunbook = try reader.string(value, at: path)
            case "run_window": policy.runWindow = try reader.duration(value, at: path)
            case "max_runs_per_window": policy.maxRunsPerWindow = try reader.int(value, at: path, minimum: 1)
            default: break
            }
        }
        return policy
    }
}

extension WebhookSettings {
    static func read(_ node: Node, _ reader: YAMLReader<ConfigError>) throws(ConfigError) -> WebhookSettings {
        var settings = WebhookSettings()
        for (key, value) in try reader.mapping(node, at: "webhooks", known: ["rate_limit", "grafana", "cloudwatch"]) {
            let path = "webhooks.\(key)"
            switch key {
            case "rate_limit":
                for (limitKey, limitValue) in try reader.mapping(value, at: path, known: ["rate", "burst"]) {
                    let number = try reader.double(limitValue, at: "\(path).\(limitKey)")
                    if limitKey == "rate" { settings.rateLimit = number } else { settings.rateBurst = number }
                }
            case "grafana":
                for (grafanaKey, grafanaValue) in try reader.mapping(value, at: path, known: ["secret"])
                where grafanaKey == "secret" {
                    settings.grafanaSecret = try reader.string(grafanaValue, at: "\(path).secret")
                }
            case "cloudwatch":
                for (cwKey, cwValue) in try reader.mapping(
                    value, at: path,
                    known: [
                        "verify_signatures", "certificates", "topics", "confirm_subscriptions", "trust_roots", "proxy",
                    ])
                {
                    let cwPath = "\(path).\(cwKey)"
                    switch cwKey {
                    case "verify_signatures":
                        settings.cloudwatch.verifySignatures = try reader.bool(cwValue, at: cwPath)
                    case "certificates": settings.cloudwatch.certificates = try reader.string(cwValue, at: cwPath)
                    case "topics": settings.cloudwatch.topics = try reader.strings(cwValue, at: cwPath)
                    case "confirm_subscriptions":
                        settings.cloudwatch.confirmSubscriptions = try reader.bool(cwValue, at: cwPath)
                    case "trust_roots": settings.cloudwatch.trustRoots = try reader.string(cwValue, at: cwPath)
                    case "proxy":
                        let text = try reader.string(cwValue, at: cwPath)
                        guard let url = URL(string: text), url.scheme == "http", url.host != nil, url.port != nil else {
                            throw reader.fail(cwValue, "'\(cwPath)' must be http://HOST:PORT, not '\(text)'")
                        }
                        settings.cloudwatch.proxy = text
                    default: break
                    }
                }
            default: break
            }
        }
        return settings
    }
}
