import Basics
import Foundation
import Incidents
import OnCall
import Yams

/// A person who can be paged: `users.<handle>` in `firebreak.yml`. Users live in the configuration (kept in git);
/// the API reads them and never changes them.
public struct User: Sendable, Equatable {
    /// The handle used everywhere: `user:alice`, `--user alice`, the actor on the timeline.
    public var handle: String
    /// The name people read.
    public var name: String
    /// The user's IANA time zone, for showing them their shifts.
    public var timeZone: TimeZone
    /// Where a page reaches them, in order.
    public var contacts: [ContactMethod]
    /// What the user may do after signing in to the console by email: `viewer`, `responder` (the default) or
    /// `admin`. A token's own role applies when signing in with a token.
    public var role = "responder"

    /// The roles `role` may name.
    public static let roles = ["viewer", "responder", "admin"]

    public init(handle: String, name: String, timeZone: TimeZone, contacts: [ContactMethod]) {
        self.handle = handle
        self.name = name
        self.timeZone = timeZone
        self.contacts = contacts
    }

    /// The notification channel a page to one contact method uses: `user:<handle>:<method id>`.
    public static func channelName(handle: String, method: String) -> String { "user:\(handle):\(method)" }

    /// The user and method a page channel names, or nil for an ordinary channel.
    public static func parseChannel(_ name: String) -> (handle: String, method: String)? {
        let parts = name.split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "user" else { return nil }
        return (parts[1], parts[2])
    }
}

/// One way to reach a user.
public struct ContactMethod: Sendable, Equatable {
    /// What the method does.
    public enum Kind: Sendable, Equatable {
        /// An email through `smtp:`.
        case email(address: String)
        /// A POST to a personal incoming webhook (Slack, Mattermost) or any URL.
        case webhook(url: String, format: NotificationChannel.WebhookFormat)
        /// A program (an SMS or phone gateway) run with the message on stdin and the number in the environment.
        case command(argv: [String], number: String?)
    }

    /// The method's id within the user: its type, numbered from the second of a kind (`email`, `email-2`).
    public var id: String
    /// What it does.
    public var kind: Kind

    public init(id: String, kind: Kind) {
        self.id = id
        self.kind = kind
    }

    /// `email`, `webhook` or `command`.
    public var type: String {
        switch kind {
        case .email: "email"
        case .webhook: "webhook"
        case .command: "command"
        }
    }

    /// Where it goes, for people (an address, a host, a number); never a secret path or query.
    public var target: String {
        switch kind {
        case .email(let address): address
        case .webhook(let url, _): URL(string: url)?.host ?? "webhook"
        case .command(let argv, let number): number ?? argv[0]
        }
    }
}

/// `smtp:` in `firebreak.yml`: how email leaves.
public struct SMTPSettings: Sendable, Equatable {
    /// How the connection is protected.
    public enum Security: String, Sendable, Equatable, CaseIterable {
        /// Plain text (only for a relay on the same host).
        case none
        /// Upgrade with STARTTLS after connecting (port 587).
        case starttls
        /// TLS from the first byte (port 465).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    /// The password, read from the file or from `password_env`; never printed.
    public var password: String?
    /// The sender, `Name <address>` or an address.
    public var from: String
    /// A PEM file of certificate authorities to trust instead of the system's.
    public var caFile: String?
    /// `password_env` named a variable that is not set when the file was read: only sending email needs it, so
    /// `serve` refuses to start with it (``missingPassword``) while the other commands work.
    public var missingPasswordVariable: String?
    /// Why email cannot be sent as configured, or nil.
    public var missingPassword: String? {
        missingPasswordVariable.map {
            "'smtp.password_env' names \($0), which is not set in the environment; set it before 'firebreak serve'"
        }
    }
    /// Each SMTP step's timeout.
    public var timeout: Duration

    public init(
        host: String, port: Int, security: Security, username: String? = nil, password: String? = nil, from: String,
        caFile: String? = nil, timeout: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.from = from
        self.caFile = caFile
        self.timeout = timeout
    }

    static func read(_ node: Node, _ reader: YAMLReader<ConfigError>, environment: [String: String]) throws(ConfigError)
        -> SMTPSettings
    {
        var fields: [String: Node] = [:]
        for (key, value) in try reader.mapping(
            node, at: "smtp",
            known: ["host", "port", "security", "username", "password", "password_env", "from", "ca_file", "timeout"])
        {
            fields[key] = value
        }
        guard let hostNode = fields["host"] else { throw reader.fail(node, "'smtp' needs 'host'") }
        guard let fromNode = fields["from"] else {
            throw reader.fail(node, "'smtp' needs 'from', the sender address, such as 'Firebreak <oncall@example.com>'")
        }
        var security = Security.starttls
        if let securityNode = fields["security"] {
            let text = try reader.string(securityNode, at: "smtp.security")
            guard let parsed = Security(rawValue: text) else {
                throw reader.fail(securityNode, "'smtp.security' must be none, starttls or tls, not '\(text)'")
            }
            security = parsed
        }
        let defaultPort = security == .tls ? 465 : (security == .starttls ? 587 : 25)
        var settings = SMTPSettings(
            host: try reader.string(hostNode, at: "smtp.host"),
            port: try fields["port"].map { node throws(ConfigError) in try reader.int(node, at: "smtp.port") }
                ?? defaultPort,
            security: security, from: try reader.string(fromNode, at: "smtp.from"))
        guard (1...65535).contains(settings.port) else {
            throw reader.fail(fields["port"], "'smtp.port' must be between 1 and 65535")
        }
        guard EmailAddress.parse(settings.from) != nil else {
            throw reader.fail(fromNode, "'smtp.from' is not an email address: '\(settings.from)'")
        }
        if let node = fields["username"] { settings.username = try reader.string(node, at: "smtp.username") }
        if let node = fields["password"] { settings.password = try reader.string(node, at: "smtp.password") }
        if let node = fields["password_env"] {
            let name = try reader.string(node, at: "smtp.password_env")
            if let value = environment[name], !value.isEmpty {
                settings.password = value
            } else {
                settings.missingPasswordVariable = name
            }
        }
        if let node = fields["ca_file"] { settings.caFile = try reader.string(node, at: "smtp.ca_file") }
        if let node = fields["timeout"] { settings.timeout = try reader.duration(node, at: "smtp.timeout") }
        if settings.username != nil, settings.password == nil, settings.missingPasswordVariable == nil {
            throw reader.fail(node, "'smtp.username' is set without a password; add 'password_env: VARIABLE'")
        }
        return settings
    }
}

/// The address part of `Name <address>` or a bare address, checked loosely (one `@`, no spaces or brackets).
public enum EmailAddress {
    /// The display name (if any) and the address.
    public static func parse(_ text: String) -> (name: String?, address: String)? {
        var name: String?
        var address = text.trimmingCharacters(in: .whitespaces)
        if let open = address.lastIndex(of: "<"), address.hasSuffix(">") {
            let display = address[..<open].trimmingCharacters(in: .whitespaces)
            name = display.isEmpty ? nil : display.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            address = String(address[address.index(after: open)..<address.index(before: address.endIndex)])
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !address.contains(where: { $0.isWhitespace || "<>,;\"\r\n".contains($0) })
        else { return nil }
        return (name, address)
    }
}

extension User {
    static func read(handle: String, _ node: Node, _ reader: YAMLReader<ConfigError>) throws(ConfigError) -> User {
        let path = "users.\(handle)"
        guard Self.isHandle(handle) else {
            throw reader.fail(node, "user handle '\(handle)' must be 1–64 lowercase letters, digits, '-', '_' or '.'")
        }
        var user = User(handle: handle, name: handle, timeZone: TimeZone(identifier: "UTC")!, contacts: [])
        for (key, value) in try reader.mapping(node, at: path, known: ["name", "time_zone", "contact", "role"]) {
            switch key {
            case "name": user.name = try reader.string(value, at: "\(path).name")
            case "role":
                let text = try reader.string(value, at: "\(path).role")
                guard Self.roles.contains(text) else {
                    throw reader.fail(value, "'\(path).role' must be viewer, responder or admin, not '\(text)'")
                }
                user.role = text
            case "time_zone":
                let text = try reader.string(value, at: "\(path).time_zone")
                guard let zone = TimeZone(identifier: text) else {
                    throw reader.fail(
                        value, "'\(path).time_zone' is not an IANA time zone such as Europe/Berlin: '\(text)'")
                }
                user.timeZone = zone
            case "contact":
                guard let items = value.sequence else {
                    throw reader.fail(value, "'\(path).contact' must be a list such as [{email: alice@example.com}]")
                }
                for item in items {
                    var method = try ContactMethod.read(item, at: "\(path).contact", reader)
                    let count = user.contacts.filter { $0.type == method.type }.count
                    if count > 0 { method.id = "\(method.type)-\(count + 1)" }
                    user.contacts.append(method)
                }
            default: break
            }
        }
        return user
    }

    /// Handles are plain, so they are safe in channel names, URLs and logs.
    public static func isHandle(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 64
            && text.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)
            }
    }
}

extension ContactMethod {
    static func read(_ node: Node, at path: String, _ reader: YAMLReader<ConfigError>) throws(ConfigError)
        -> ContactMethod
    {
        var fields: [String: Node] = [:]
        for (key, value) in try reader.mapping(
            node, at: path, known: ["email", "webhook", "format", "command", "number"])
        {
            fields[key] = value
        }
        let kinds = ["email", "webhook", "command"].filter { fields[$0] != nil }
        guard kinds.count == 1 else {
            throw reader.fail(node, "each entry of '\(path)' needs exactly one of email, webhook or command")
        }
        switch kinds[0] {
        case "email":
            let address = try reader.string(fields["email"]!, at: "\(path).email")
            guard let parsed = EmailAddress.parse(address), parsed.name == nil else {
                throw reader.fail(fields["email"], "'\(path).email' is not an email address: '\(address)'")
            }
            return ContactMethod(id: "email", kind: .email(address: address))
        case "webhook":
            let url = try reader.string(fields["webhook"]!, at: "\(path).webhook")
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil
            else {
                throw reader.fail(fields["webhook"], "'\(path).webhook' must be an http:// or https:// URL")
            }
            var format = NotificationChannel.WebhookFormat.slack
            if let node = fields["format"] {
                let text = try reader.string(node, at: "\(path).format")
                guard let chosen = NotificationChannel.WebhookFormat(rawValue: text) else {
                    throw reader.fail(node, "'\(path).format' must be generic or slack, not '\(text)'")
                }
                format = chosen
            }
            return ContactMethod(id: "webhook", kind: .webhook(url: url, format: format))
        default:
            let argv = try reader.strings(fields["command"]!, at: "\(path).command")
            guard !argv.isEmpty, !argv[0].isEmpty else {
                throw reader.fail(fields["command"], "'\(path).command' is empty")
            }
            let number = try fields["number"].map { node throws(ConfigError) in
                try reader.string(node, at: "\(path).number")
            }
            return ContactMethod(id: "command", kind: .command(argv: argv, number: number))
        }
    }
}

extension FirebreakConfig {
    /// A `user:` or `schedule:` entry must name a configured user or schedule, and email needs `smtp:`.
    func checkTarget(_ target: PageTarget, _ context: String, _ reader: YAMLReader<ConfigError>) throws(ConfigError) {
        switch target {
        case .user(let handle):
            guard let user = users[handle] else {
                throw ConfigError(
                    "\(reader.path): \(context) pages user '\(handle)', who is not under users\(Suggestion.didYouMean(handle, in: users.keys.sorted()))"
                )
            }
            try checkReachable(user, reader)
        case .schedule(let name):
            guard let schedule = schedules[name] else {
                throw ConfigError(
                    "\(reader.path): \(context) pages schedule '\(name)', which is not under schedules\(Suggestion.didYouMean(name, in: schedules.keys.sorted()))"
                )
            }
            for handle in Set(schedule.layers.flatMap(\.participants)).sorted() {
                if let user = users[handle] { try checkReachable(user, reader) }
            }
        }
    }

    private func checkReachable(_ user: User, _ reader: YAMLReader<ConfigError>) throws(ConfigError) {
        if smtp == nil, user.contacts.contains(where: { $0.type == "email" }) {
            throw ConfigError(
                "\(reader.path): user '\(user.handle)' has an email contact method, but no 'smtp:' section says how email leaves"
            )
        }
    }
}
