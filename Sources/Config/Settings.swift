import Basics
import Foundation
import Yams

/// `server:` in `firebreak.yml`.
public struct ServerSettings: Sendable, Equatable {
    /// Address to listen on.
    public var host = "127.0.0.1"
    /// Port to listen on.
    public var port = 8080
    /// Largest accepted request body, in bytes.
    public var maxBodyBytes = 1 << 20
    /// Requests per second per token.
    public var rateLimit: Double = 100
    /// Requests a token may make at once before the rate applies.
    public var rateBurst: Double = 200
    /// Runs started through the API that may execute at the same time.
    public var concurrentRuns = 4
    /// The address users reach the server at, for links in notifications.
    public var publicURL: String?
    /// `/health` fails when the data directory has less free space than this, in bytes.
    public var minFreeDiskBytes = 64 << 20

    public init() {}

    static func read(_ node: Node, _ reader: YAMLReader<ConfigError>) throws(ConfigError) -> ServerSettings {
        var settings = ServerSettings()
        for (key, value) in try reader.mapping(
            node, at: "server",
            known: [
                "host", "port", "max_body", "rate_limit", "concurrent_runs", "public_url", "min_free_disk",
            ])
        {
            let path = "server.\(key)"
            switch key {
            case "host": settings.host = try reader.string(value, at: path)
            case "port": settings.port = try reader.int(value, at: path)
            case "max_body": settings.maxBodyBytes = try reader.size(value, at: path)
            case "concurrent_runs": settings.concurrentRuns = try reader.int(value, at: path, minimum: 1)
            case "public_url": settings.publicURL = try reader.string(value, at: path)
            case "min_free_disk": settings.minFreeDiskBytes = try reader.size(value, at: path)
            case "rate_limit":
                for (limitKey, limitValue) in try reader.mapping(value, at: path, known: ["rate", "burst"]) {
                    let number = try reader.double(limitValue, at: "\(path).\(limitKey)")
                    if limitKey == "rate" { settings.rateLimit = number } else { settings.rateBurst = number }
                }
            default: break
            }
        }
        guard (0...65535).contains(settings.port) else {
            throw reader.fail(node, "'server.port' must be between 0 and 65535")
        }
        return settings
    }
}

/// A notification channel.
public struct NotificationChannel: Sendable, Equatable {
    /// What a channel does with a message.
    public enum Kind: Sendable, Equatable {
        /// POST JSON to a URL.
        case webhook(url: String, format: WebhookFormat, headers: [String: String])
        /// Run a program with the message on stdin, and `environment` beside the message's own variables.
        case command([String], environment: [String: String] = [:])
        /// Write the message to the server log.
        case log
        /// Email these addresses through `smtp:`.
        case email(to: [String])
    }

    /// The body a webhook channel posts.
    public enum WebhookFormat: String, Sendable, Equatable {
        /// `{event, incident, links}`.
        case generic
        /// `{text}`, which Slack and Mattermost incoming webhooks accept.
        case slack
    }

    /// The name policies refer to.
    public var name: String
    /// What it does.
    public var kind: Kind
    /// Per-request timeout (webhook and command).
    public var timeout: Duration = .seconds(10)

    public init(name: String, kind: Kind, timeout: Duration = .seconds(10)) {
        self.name = name
        self.kind = kind
        self.timeout = timeout
    }

    static func read(name: String, _ node: Node, _ reader: YAMLReader<ConfigError>) throws(ConfigError)
        -> NotificationChannel
    {
        let path = "channels.\(name)"
        var fields: [String: Node] = [:]
        for (key, value) in try reader.mapping(
            node, at: path, known: ["type", "url", "format", "headers", "command", "timeout", "to"])
        {
            fields[key] = value
        }
        guard let typeNode = fields["type"] else {
            throw reader.fail(
                node, "channel '\(name)' needs 'type: webhook', 'type: email', 'type: command' or 'type: log'")
        }
        var channel = NotificationChannel(name: name, kind: .log)
        if let timeout = fields["timeout"] { channel.timeout = try reader.duration(timeout, at: "\(path).timeout") }
        switch try reader.string(typeNode, at: "\(path).type") {
        case "webhook":
            guard let urlNode = fields["url"] else { throw reader.fail(node, "webhook channel '\(name)' needs 'url'") }
            let url = try reader.string(urlNode, at: "\(path).url")
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else {
                throw reader.fail(urlNode, "'\(path).url' must be an http:// or https:// URL, not '\(url)'")
            }
            var format = WebhookFormat.generic
            if let formatNode = fields["format"] {
                let text = try reader.string(formatNode, at: "\(path).format")
                guard let parsedFormat = WebhookFormat(rawValue: text) else {
                    throw reader.fail(formatNode, "'\(path).format' must be generic or slack, not '\(text)'")
                }
                format = parsedFormat
            }
            var headers: [String: String] = [:]
            if let headerNode = fields["headers"] {
                for (header, value) in try reader.mapping(headerNode, at: "\(path).headers", known: []) {
                    headers[header] = try reader.string(value, at: "\(path).headers.\(header)")
                }
            }
            channel.kind = .webhook(url: url, format: format, headers: headers)
        case "command":
            guard let commandNode = fields["command"] else {
                throw reader.fail(node, "command channel '\(name)' needs 'command: [program, arg, …]'")
            }
            let argv = try reader.strings(commandNode, at: "\(path).command")
            guard !argv.isEmpty, !argv[0].isEmpty else { throw reader.fail(commandNode, "'\(path).command' is empty") }
            channel.kind = .command(argv)
        case "log":
            channel.kind = .log
        case "email":
            guard let toNode = fields["to"] else {
                throw reader.fail(node, "email channel '\(name)' needs 'to: [address, …]'")
            }
            let addresses = try reader.strings(toNode, at: "\(path).to")
            for address in addresses where EmailAddress.parse(address) == nil {
                throw reader.fail(toNode, "'\(path).to' has '\(address)', which is not an email address")
            }
            guard !addresses.isEmpty else { throw reader.fail(toNode, "'\(path).to' is empty") }
            channel.kind = .email(to: addresses)
        case let other:
            throw reader.fail(typeNode, "channel type '\(other)' is not webhook, email, command or log")
        }
        return channel
    }
}

/// `delivery:` in `firebreak.yml`: retries and the circuit breaker.
public struct DeliverySettings: Sendable, Equatable {
    /// Attempts before a notification becomes a dead letter.
    public var attempts = 5
    /// Delay before the first retry; doubles each time, with full jitter.
    public var initialBackoff: Duration = .seconds(1)
    /// Longest delay between retries.
    public var maxBackoff: Duration = .seconds(300)
    /// Consecutive failures that open a channel's circuit.
    public var breakerFailures = 5
    /// How long an open circuit waits before letting one trial through.
    public var breakerCooldown: Duration = .seconds(30)
    /// How often the dispatcher looks at the outbox.
    public var pollInterval: Duration = .milliseconds(250)

    public init() {}

    static func read(_ node: Node, _ reader: YAMLReader<ConfigError>) throws(ConfigError) -> DeliverySettings {
        var settings = DeliverySettings()
        for (key, value) in try reader.mapping(
            node, at: "delivery",
            known: [
                "attempts", "initial_backoff", "max_backoff", "breaker_failures", "breaker_cooldown", "poll_interval",
            ])
        {
            let path = "delivery.\(key)"
            switch key {
            case "attempts": settings.attempts = try reader.int(value, at: path, minimum: 1)
            case "initial_backoff": settings.initialBackoff = try reader.duration(value, at: path)
            case "max_backoff": settings.maxBackoff = try reader.duration(value, at: path)
            case "breaker_failures": settings.breakerFailures = try reader.int(value, at: path, minimum: 1)
            case "breaker_cooldown": settings.breakerCooldown = try reader.duration(value, at: path)
            case "poll_interval": settings.pollInterval = try reader.duration(value, at: path)
            default: break
            }
        }
        return settings
    }
}
