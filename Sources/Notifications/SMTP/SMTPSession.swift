import Foundation
import NIOCore
import NIOExtras
import NIOPosix
import NIOSSL
import Synchronization

/// One SMTP reply: its code and its lines, without the `250-` prefixes.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
    var text: String { "\(code) \(lines.joined(separator: " / "))" }
}

/// One connection to an SMTP server: lines in, commands out, each reply awaited with the timeout. Used by one task
/// at a time (a conversation is sequential), so it is not Sendable.
final class SMTPSession {
    let channel: any Channel
    let client: SMTPClient
    private var lines: AsyncThrowingStream<String, any Error>.AsyncIterator
    /// Lines the connection has delivered, and how many replies have read.
    private let forwarded: LineCount
    private var consumed = 0

    private init(
        channel: any Channel, lines: AsyncThrowingStream<String, any Error>, forwarded: LineCount, client: SMTPClient
    ) {
        self.channel = channel
        self.lines = lines.makeAsyncIterator()
        self.forwarded = forwarded
        self.client = client
    }

    static func connect(_ client: SMTPClient) async throws -> SMTPSession {
        let configuration = client.configuration
        let (stream, continuation) = AsyncThrowingStream<String, any Error>.makeStream()
        let forwarded = LineCount()
        let tls = configuration.security == .tls ? try client.tlsContext() : nil
        let hostname = Self.isIPAddress(configuration.host) ? nil : configuration.host
        let bootstrap = ClientBootstrap(group: client.group)
            .connectTimeout(.milliseconds(Int64(configuration.timeout.components.seconds * 1000)))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: tls, serverHostname: hostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(LineBasedFrameDecoder(), maximumBufferSize: 64 * 1024))
                    try channel.pipeline.syncOperations.addHandler(
                        LineForwarder(continuation: continuation, count: forwarded))
                }
            }
        do {
            let channel = try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
            return SMTPSession(channel: channel, lines: stream, forwarded: forwarded, client: client)
        } catch {
            throw SMTPError("\(client.server): cannot connect (\(error)); check smtp.host and smtp.port")
        }
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// Reads one reply, however many lines it has.
    func reply(after step: String) async throws -> SMTPReply {
        let channel = self.channel
        let timeout = client.configuration.timeout
        let timer = Task {
            try await Task.sleep(for: timeout)
            try? await channel.close()
        }
        defer { timer.cancel() }
        var collected: [String] = []
        while true {
            let line: String?
            do {
                line = try await lines.next()
                consumed += 1
            } catch {
                throw SMTPError(Self.describe(error, server: client.server, after: step))
            }
            guard let line else {
                throw SMTPError(
                    "\(client.server) closed the connection, or did not answer within \(timeout), after \(step)")
            }
            guard line.count >= 3, let code = Int(line.prefix(3)), collected.count < 100 else {
                throw SMTPError(
                    "\(client.server) answered something that is not SMTP after \(step): \(line.prefix(80))")
            }
            let rest = line.dropFirst(4)
            collected.append(String(rest))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " {
                return SMTPReply(code: code, lines: collected)
            }
        }
    }

    /// Waits for a reply with one of `codes`.
    func expect(_ codes: Int..., after step: String) async throws {
        let answer = try await reply(after: step)
        guard codes.contains(answer.code) else {
            throw SMTPError("\(client.server) refused the connection: \(answer.text)")
        }
    }

    /// Sends a command and waits for a reply with one of `codes`. Errors name the step, never the command's text
    /// (it may carry credentials).
    @discardableResult
    func command(_ text: String, expect codes: Int..., label: String? = nil) async throws
        -> SMTPReply
    {
        let name = label ?? String(text.prefix { $0 != " " && $0 != ":" })
        do {
            try await channel.writeAndFlush(ByteBuffer(string: text + "\r\n"))
        } catch {
            // The connection failed under the write (a TLS alert, a reset): its reason is in the line stream.
            _ = try await reply(after: name)
            throw SMTPError(Self.describe(error, server: client.server, after: name))
        }
        let answer = try await reply(after: name)
        guard codes.contains(answer.code) else {
            throw SMTPError("\(client.server) refused \(name): \(answer.text)\(Self.advice(name, answer.code))")
        }
        return answer
    }

    /// Puts TLS under the connection (after `220` to `STARTTLS`). Anything the server sent in plain text after
    /// that `220` would be read as a reply from inside TLS: someone between us and the server may have injected
    /// it, so the connection is refused.
    func startTLS(_ context: NIOSSLContext, serverName: String) async throws {
        let hostname = Self.isIPAddress(serverName) ? nil : serverName
        let handler = try NIOSSLClientHandler(context: context, serverHostname: hostname)
        try await channel.pipeline.addHandler(handler, position: .first)
        guard forwarded.value == consumed else {
            throw SMTPError(
                "\(client.server) sent data after agreeing to STARTTLS, before TLS began; refusing the connection (someone on the path may be tampering with it)"
            )
        }
    }

    func close() async {
        try? await channel.close()
    }

    static func advice(_ step: String, _ code: Int) -> String {
        switch (step, code) {
        case ("AUTH", _): "; check smtp.username and the password"
        case (_, 530): "; the server wants STARTTLS or AUTH: set smtp.security: starttls, and smtp.username"
        case ("RCPT", _): "; check the recipient's address"
        case ("MAIL", _): "; check smtp.from"
        default: ""
        }
    }

    static func describe(_ error: any Error, server: String, after step: String) -> String {
        let text = String(describing: error)
        if error is NIOSSLError || text.contains("SSL") || text.contains("certificate") || text.contains("handshake") {
            return
                "\(server): TLS failed after \(step) (\(text)); the certificate must be trusted (smtp.ca_file) and name the host"
        }
        return "\(server): connection failed after \(step): \(text)"
    }
}

/// How many lines a connection has delivered.
final class LineCount: Sendable {
    private let count = Mutex(0)
    var value: Int { count.withLock { $0 } }
    func increment() { count.withLock { $0 += 1 } }
}

/// Hands each line (without CRLF) to the session.
final class LineForwarder: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let continuation: AsyncThrowingStream<String, any Error>.Continuation
    let count: LineCount

    init(continuation: AsyncThrowingStream<String, any Error>.Continuation, count: LineCount) {
        self.continuation = continuation
        self.count = count
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var line = String(buffer: unwrapInboundIn(data))
        if line.hasSuffix("\r") { line.removeLast() }
        count.increment()
        continuation.yield(line)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
    }
}
