import FirebreakTesting
import Foundation
import Notifications
import Testing

@Suite("email: the SMTP client against a real server (aiosmtpd) on loopback")
struct SMTPClientTests {
    /// Decodes a message with Python's `email` package: its headers and each part's decoded text, as JSON.
    static let reader = """
        import email, json, sys
        from email import policy
        message = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=policy.default)
        parts = {}
        for part in message.walk():
            if not part.is_multipart():
                parts[part.get_content_type()] = part.get_content()
        print(json.dumps({'subject': str(message['subject']), 'from': str(message['from']), 'to': str(message['to']),
                          'notification': message['x-firebreak-notification-id'], 'parts': parts}))
        """

    static func decode(_ mail: SMTPSink.Mail) async throws -> [String: Any] {
        let directory = TemporaryDirectory()
        let file = directory.write("message.eml", mail.raw)
        let script = directory.write("read.py", reader)
        let result = try await ExternalProgram.run("python3", [script, file])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    static func message(to: [String] = ["alice@example.com"]) -> EmailMessage {
        var message = EmailMessage(
            from: "firebreak@example.com", fromName: "Firebreak", to: to,
            subject: "[P1] Zahlungen schlagen fehl – INC-7",
            textBody: "INC-7 escalated.\n.\n..leading dots survive\nAcknowledge: https://fb.example/ack/x.y.z\n",
            htmlBody: "<p>INC-7 <b>escalated</b> &amp; paged you.</p>")
        message.headers = [("X-Firebreak-Notification-ID", "42\r\nBcc: evil@example.com")]
        return message
    }

    static func configuration(_ sink: SMTPSink, _ security: SMTPSecurity) -> SMTPConfiguration {
        var configuration = SMTPConfiguration(host: security == .none ? "127.0.0.1" : "localhost", port: sink.port)
        configuration.security = security
        configuration.trustRootsPath = security == .none ? nil : sink.caFile
        configuration.timeout = .seconds(10)
        return configuration
    }

    @Test("STARTTLS with AUTH: the message arrives over TLS with a text and an HTML part, intact")
    func startTLS() async throws {
        let sink = try await SMTPSink.start(.starttls, auth: ("alice", "s3cret pass"))
        defer { sink.stop() }
        var configuration = Self.configuration(sink, .starttls)
        configuration.username = "alice"
        configuration.password = "s3cret pass"
        try await SMTPClient(configuration: configuration).send(
            Self.message(to: ["alice@example.com", "bob@example.com"]))
        let mail = try #require(sink.mail.first)
        #expect(mail.tls)
        #expect(mail.authUser == "alice")
        #expect(mail.mailFrom == "firebreak@example.com")
        #expect(mail.recipients == ["alice@example.com", "bob@example.com"])
        let decoded = try await Self.decode(mail)
        #expect(decoded["subject"] as? String == "[P1] Zahlungen schlagen fehl – INC-7")
        #expect(decoded["from"] as? String == "Firebreak <firebreak@example.com>")
        #expect(decoded["notification"] as? String == "42 Bcc: evil@example.com", "CR and LF cannot add a header")
        let parts = try #require(decoded["parts"] as? [String: String])
        #expect(
            parts["text/plain"]
                == "INC-7 escalated.\n.\n..leading dots survive\nAcknowledge: https://fb.example/ack/x.y.z\n")
        #expect(parts["text/html"] == "<p>INC-7 <b>escalated</b> &amp; paged you.</p>")
    }

    @Test("implicit TLS (port 465 style) with AUTH LOGIN or PLAIN")
    func implicitTLS() async throws {
        let sink = try await SMTPSink.start(.tls, auth: ("ops", "pw"))
        defer { sink.stop() }
        var configuration = Self.configuration(sink, .tls)
        configuration.username = "ops"
        configuration.password = "pw"
        try await SMTPClient(configuration: configuration).send(Self.message())
        #expect(sink.mail.count == 1)
        #expect(sink.mail.first?.tls == true)
        #expect(sink.mail.first?.authUser == "ops")
    }

    @Test("a local relay without TLS or AUTH")
    func plainRelay() async throws {
        let sink = try await SMTPSink.start(.plain)
        defer { sink.stop() }
        try await SMTPClient(configuration: Self.configuration(sink, .none)).send(Self.message())
        #expect(sink.mail.count == 1)
        #expect(sink.mail.first?.tls == false)
    }

    @Test("refusals say what failed and how to fix it, and never contain the password")
    func refusals() async throws {
        let sink = try await SMTPSink.start(.starttls, auth: ("alice", "right"))
        defer { sink.stop() }
        var wrong = Self.configuration(sink, .starttls)
        wrong.username = "alice"
        wrong.password = "wrong-password"
        let refused = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: wrong).send(Self.message())
        }
        #expect(refused?.message.contains("refused AUTH: 535") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains("smtp.username") == true)
        #expect(refused?.message.contains("wrong-password") == false)

        var untrusted = Self.configuration(sink, .starttls)
        untrusted.trustRootsPath = nil
        let tls = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: untrusted).send(Self.message())
        }
        #expect(tls?.message.contains("TLS failed") == true, "\(tls?.message ?? "")")
        #expect(tls?.message.contains("smtp.ca_file") == true)

        var clear = Self.configuration(sink, .none)
        clear.username = "alice"
        clear.password = "right"
        let plain = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: clear).send(Self.message())
        }
        #expect(plain?.message.contains("unencrypted") == true)

        var noAuth = Self.configuration(sink, .starttls)
        noAuth.username = nil
        let anonymous = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: noAuth).send(Self.message())
        }
        #expect(anonymous?.message.contains("530") == true, "\(anonymous?.message ?? "")")
        #expect(sink.mail.isEmpty, "nothing was delivered")
    }

    @Test("a server without STARTTLS, and a port where nothing listens")
    func unreachable() async throws {
        let sink = try await SMTPSink.start(.plain)
        defer { sink.stop() }
        let missing = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(sink, .starttls)).send(Self.message())
        }
        #expect(missing?.message.contains("does not offer STARTTLS") == true, "\(missing?.message ?? "")")
        sink.stop()
        try await Task.sleep(for: .milliseconds(200))
        let closed = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: Self.configuration(sink, .none)).send(Self.message())
        }
        #expect(closed?.message.contains("cannot connect") == true, "\(closed?.message ?? "")")
    }
}

@Suite("email: a server that injects replies around STARTTLS")
struct STARTTLSInjectionTests {
    /// A fake server: answers EHLO with STARTTLS, then to STARTTLS sends `220` and, in the same packet, replies
    /// meant to be read as if they came from inside TLS.
    static let server = """
        import socket, sys
        s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
        print("READY %d" % s.getsockname()[1], flush=True)
        c, _ = s.accept(); f = c.makefile("rb")
        c.sendall(b"220 fake ESMTP\\r\\n")
        f.readline(); c.sendall(b"250-fake\\r\\n250 STARTTLS\\r\\n")
        f.readline(); c.sendall(b"220 go ahead\\r\\n250-injected\\r\\n250 AUTH PLAIN\\r\\n")
        c.recv(4096); c.close()
        """

    @Test("plain-text replies after the STARTTLS 220 refuse the connection")
    func injected() async throws {
        let directory = TemporaryDirectory()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory.write("fake.py", Self.server)]
        let out = directory.path("fake.out")
        FileManager.default.createFile(atPath: out, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        try process.run()
        defer { process.terminate() }
        let line = try await FirstLine.read(from: out, process: process)
        let port = try #require(Int(line.dropFirst(6)), "\(line)")
        var configuration = SMTPConfiguration(host: "127.0.0.1", port: port)
        configuration.security = .starttls
        configuration.timeout = .seconds(5)
        let message = EmailMessage(from: "a@example.com", to: ["b@example.com"], subject: "s", textBody: "t")
        let refused = await #expect(throws: SMTPError.self) {
            try await SMTPClient(configuration: configuration).send(message)
        }
        #expect(refused?.message.contains("sent data after agreeing to STARTTLS") == true, "\(refused?.message ?? "")")
    }
}
