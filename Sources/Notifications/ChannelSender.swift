import AsyncHTTPClient
import Basics
import Config
import Foundation
import Logging
import NIOCore
import Subprocess
import SystemPackage

/// Delivers one message to one channel, or throws why it could not.
public protocol ChannelSender: Sendable {
    func send(_ message: Message, to channel: NotificationChannel) async throws
}

/// A delivery that failed; the message is stored as the notification's `last_error`.
public struct DeliveryError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The real senders: webhooks over HTTP, commands as subprocesses, and the log.
public struct DefaultSender: ChannelSender {
    let client: HTTPClient
    let logger: Logger
    /// How email leaves, when configured.
    let smtp: SMTPSettings?

    /// The client for notifications: like `.shared`, but a receiver that refuses connections fails after 2 s of
    /// retrying, not the 10 s default, so a dead page moves the escalation on promptly. Never shut down (it lives
    /// as long as the process).
    public static let notificationClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout.connect = .seconds(2)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// Creates the sender. The HTTP client needs no shutdown.
    public init(client: HTTPClient = DefaultSender.notificationClient, smtp: SMTPSettings? = nil, logger: Logger) {
        self.client = client
        self.smtp = smtp
        self.logger = logger
    }

    public func send(_ message: Message, to channel: NotificationChannel) async throws {
        switch channel.kind {
        case .log:
            var logger = self.logger
            logger[metadataKey: "incident.id"] = .string(message.incident.id)
            logger.notice(
                "\(message.text)", metadata: ["channel": .string(channel.name), "event": .string(message.event)])
        case .webhook(let url, let format, let headers):
            try await post(message, url: url, format: format, headers: headers, timeout: channel.timeout)
        case .command(let argv, let environment):
            try await runCommand(argv, environment: environment, message: message, timeout: channel.timeout)
        case .email(let addresses):
            try await sendEmail(message, to: addresses, timeout: channel.timeout)
        }
    }

    private func post(
        _ message: Message, url: String, format: NotificationChannel.WebhookFormat, headers: [String: String],
        timeout: Duration
    ) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "firebreak")
        request.headers.add(name: "X-Firebreak-Notification-ID", value: String(message.notificationID))
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: format == .slack ? message.slackJSON() : message.json()))
        let response: HTTPClientResponse
        // Webhook URLs are often secrets themselves (Slack's are): errors name the scheme and host only.
        let shown = Self.redacted(url)
        do {
            response = try await client.execute(request, timeout: .milliseconds(timeout.milliseconds))
        } catch {
            throw DeliveryError("POST \(shown) failed: \(error)")
        }
        let body = (try? await response.body.collect(upTo: 4096)).map { String(buffer: $0) } ?? ""
        guard (200..<300).contains(response.status.code) else {
            let excerpt = body.prefix(200).trimmingCharacters(in: .whitespacesAndNewlines)
            throw DeliveryError(
                "POST \(shown) answered \(response.status.code)\(excerpt.isEmpty ? "" : ": \(excerpt)")")
        }
    }

    /// `https://hooks.slack.com/…`: a URL without its path and query, which may hold a secret.
    static func redacted(_ url: String) -> String {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host
        else { return "the webhook" }
        let port = components.port.map { ":\($0)" } ?? ""
        let hidden = (components.path.isEmpty || components.path == "/") && components.query == nil
        return "\(scheme)://\(host)\(port)\(hidden ? "" : "/…")"
    }

    private func runCommand(_ argv: [String], environment extra: [String: String], message: Message, timeout: Duration)
        async throws
    {
        let executable: Executable = argv[0].contains("/") ? .path(FilePath(argv[0])) : .name(argv[0])
        // The message goes in through an unlinked temporary file rather than a pipe, so a program that exits
        // without reading its input is no error of ours.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "firebreak-message-\(UUID().uuidString)"
        ).path
        guard
            FileManager.default.createFile(
                atPath: path, contents: message.json(), attributes: [.posixPermissions: 0o600])
        else {
            throw DeliveryError("cannot write the message for \(argv[0]) to \(path)")
        }
        let input = try FileDescriptor.open(FilePath(path), .readOnly)
        unlink(path)
        var variables = extra
        variables.merge([
            "FIREBREAK_EVENT": message.event, "FIREBREAK_INCIDENT_ID": message.incident.id,
            "FIREBREAK_INCIDENT_SEVERITY": message.incident.severity, "FIREBREAK_MESSAGE": message.text,
        ]) { _, fixed in fixed }
        if let link = message.links["acknowledge"] { variables["FIREBREAK_ACK_URL"] = link }
        let environment = Environment.inherit.updating(
            Dictionary(
                uniqueKeysWithValues: variables.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) }))
        let result = try await withThrowingTaskGroup(of: (Bool, String)?.self) { group in
            group.addTask {
                let outcome = try await Subprocess.run(
                    executable, arguments: Arguments(Array(argv.dropFirst())), environment: environment,
                    input: .fileDescriptor(input, closeAfterSpawningProcess: true), output: .string(limit: 64 * 1024),
                    error: .combinedWithOutput)
                return (outcome.terminationStatus.isSuccess, outcome.standardOutput)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let (success, output) = result else {
            throw DeliveryError("\(argv[0]) did not finish within \(timeout)")
        }
        guard success else {
            var tail = output.split(separator: "\n").suffix(3).joined(separator: " | ")
            // A program that echoes its environment must not put a working acknowledge link into the error.
            if let link = message.links["acknowledge"] {
                tail = tail.replacingOccurrences(of: link, with: "<acknowledge link>")
            }
            throw DeliveryError("\(argv[0]) failed\(tail.isEmpty ? "" : ": \(tail)")")
        }
    }
}
