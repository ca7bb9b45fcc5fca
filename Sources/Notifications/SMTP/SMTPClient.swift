import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// How the SMTP connection is protected.
public enum SMTPSecurity: String, Sendable, Equatable {
    /// Plain text: only for a relay on the same host. Credentials are never sent this way.
    case none
    /// Plain, then upgraded with STARTTLS before anything else is said (port 587).
    case starttls
    /// TLS from the first byte (port 465).
    case tls
}

/// Where and how to send email.
public struct SMTPConfiguration: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var security: SMTPSecurity = .starttls
    public var username: String?
    /// Never printed, in errors or logs.
    public var password: String?
    /// The name the client gives in `EHLO`.
    public var heloName = "firebreak"
    /// The limit on connecting and on each reply.
    public var timeout: Duration = .seconds(30)
    /// A PEM file of certificate authorities to trust instead of the system's.
    public var trustRootsPath: String?

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}

/// Why an email was not sent: what failed, and how to fix it. Never contains the password.
public struct SMTPError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A small SMTP client (RFC 5321) on SwiftNIO: STARTTLS or implicit TLS through swift-nio-ssl, AUTH PLAIN or
/// LOGIN, one message per connection.
public struct SMTPClient: Sendable {
    let configuration: SMTPConfiguration
    let group: any EventLoopGroup

    public init(
        configuration: SMTPConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
    }

    var server: String { "SMTP server \(configuration.host):\(configuration.port)" }

    /// Sends `message` to its recipients.
    /// - Throws: ``SMTPError``.
    public func send(_ message: EmailMessage) async throws {
        if configuration.username != nil, configuration.security == .none {
            throw SMTPError(
                "\(server): refusing to send the SMTP password over an unencrypted connection; set smtp.security: starttls or tls"
            )
        }
        let session = try await SMTPSession.connect(self)
        do {
            try await converse(session, message)
            await session.close()
        } catch {
            await session.close()
            throw error
        }
    }

    private func converse(_ session: SMTPSession, _ message: EmailMessage) async throws {
        try await session.expect(220, after: "connecting")
        var capabilities = try await ehlo(session)
        if configuration.security == .starttls {
            guard capabilities.contains("STARTTLS") else {
                throw SMTPError("\(server) does not offer STARTTLS; set smtp.security: tls or none to match it")
            }
            try await session.command("STARTTLS", expect: 220)
            try await session.startTLS(try tlsContext(), serverName: configuration.host)
            capabilities = try await ehlo(session)
        }
        if let username = configuration.username {
            try await authenticate(session, username: username, capabilities: capabilities)
        }
        try await session.command("MAIL FROM:<\(message.from)>", expect: 250)
        for recipient in message.to { try await session.command("RCPT TO:<\(recipient)>", expect: 250, 251) }
        try await session.command("DATA", expect: 354)
        try await session.command(EmailMessage.dotStuffed(message.rendered()) + ".", expect: 250, label: "the message")
        try? await session.command("QUIT", expect: 221)
    }

    private func ehlo(_ session: SMTPSession) async throws -> Set<String> {
        let reply = try await session.command("EHLO \(configuration.heloName)", expect: 250)
        return Set(
            reply.lines.dropFirst().map { String($0.split(separator: " ").first ?? "").uppercased() }
                + reply.lines.dropFirst().filter { $0.uppercased().hasPrefix("AUTH") }.flatMap {
                    $0.uppercased().split(separator: " ").dropFirst().map { "AUTH=\($0)" }
                })
    }

    private func authenticate(_ session: SMTPSession, username: String, capabilities: Set<String>) async throws {
        let password = configuration.password ?? ""
        if capabilities.contains("AUTH=PLAIN") || !capabilities.contains("AUTH=LOGIN") {
            let credential = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
            try await session.command("AUTH PLAIN \(credential)", expect: 235, label: "AUTH")
        } else {
            try await session.command("AUTH LOGIN", expect: 334, label: "AUTH")
            try await session.command(Data(username.utf8).base64EncodedString(), expect: 334, label: "AUTH")
            try await session.command(Data(password.utf8).base64EncodedString(), expect: 235, label: "AUTH")
        }
    }

    func tlsContext() throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let path = configuration.trustRootsPath {
            tls.trustRoots = .file(path)
        }
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SMTPError("\(server): cannot set up TLS (\(error)); check smtp.ca_file")
        }
    }
}
