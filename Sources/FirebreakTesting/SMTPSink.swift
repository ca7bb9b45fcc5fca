import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real SMTP server on loopback (`scripts/smtp-sink.py`, aiosmtpd): plain, STARTTLS or implicit TLS, optionally
/// with AUTH. Each message it accepts lands in `mail/<n>.eml` with `mail/<n>.json` (envelope, TLS, user).
public final class SMTPSink: @unchecked Sendable {
    public enum Mode: String, Sendable { case plain, starttls, tls }

    /// One accepted message.
    public struct Mail: Sendable {
        public var raw: String
        public var mailFrom: String
        public var recipients: [String]
        public var authUser: String?
        public var tls: Bool
    }

    public let directory = TemporaryDirectory()
    public private(set) var port = 0
    let process = Process()
    /// Its stdin: the sink exits when this closes, even if the test process dies.
    let lifeline = Pipe()

    /// The CA certificate to trust (in the TLS modes).
    public var caFile: String { directory.path("ca.pem") }

    /// Starts the sink and waits (off the cooperative pool) for its `READY <port>` line.
    public static func start(_ mode: Mode, auth: (user: String, password: String)? = nil) async throws -> SMTPSink {
        let sink = SMTPSink()
        let script = CommandLineTool.packageRoot.appendingPathComponent("scripts/smtp-sink.py").path
        sink.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", script, "--dir", sink.directory.path, "--mode", mode.rawValue]
        if let auth { arguments += ["--auth", "\(auth.user):\(auth.password)"] }
        sink.process.arguments = arguments
        let out = sink.directory.path("sink.out")
        FileManager.default.createFile(atPath: out, contents: nil)
        sink.process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        sink.process.standardInput = sink.lifeline
        try sink.process.run()
        let line = try await FirstLine.read(from: out, process: sink.process)
        guard line.hasPrefix("READY "), let port = Int(line.dropFirst(6).trimmingCharacters(in: .whitespaces)) else {
            throw ServerProcessError("smtp-sink did not start: \(line)")
        }
        sink.port = port
        return sink
    }

    /// The messages accepted so far, in order.
    public var mail: [Mail] {
        var found: [Mail] = []
        var number = 1
        while let meta = directory.read("mail/\(number).json"), let raw = directory.read("mail/\(number).eml") {
            let json = (try? JSONSerialization.jsonObject(with: Data(meta.utf8))) as? [String: Any] ?? [:]
            found.append(
                Mail(
                    raw: raw, mailFrom: json["mail_from"] as? String ?? "",
                    recipients: json["rcpt_tos"] as? [String] ?? [],
                    authUser: json["auth_user"] as? String, tls: json["tls"] as? Bool ?? false))
            number += 1
        }
        return found
    }

    /// Waits until `count` messages have arrived (a delivery in another task), or the timeout.
    public func wait(for count: Int, timeout: Duration = .seconds(10)) async -> [Mail] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let found = mail
            if found.count >= count { return found }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return mail
    }

    public func stop() {
        try? lifeline.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
    }

    deinit { stop() }
}

/// The first line a child process writes to a file: polled by path, so no descriptor of ours is involved (a pipe's
/// can be closed under a reader when another test frees a Pipe whose descriptor number was reused).
public enum FirstLine {
    public static func read(from path: String, process: Process, timeout: Duration = .seconds(60)) async throws
        -> String
    {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let end = text.firstIndex(of: "\n") {
                return String(text[..<end])
            }
            guard process.isRunning else {
                throw ServerProcessError(
                    "\(process.arguments ?? []) exited with \(process.terminationStatus) before its first line")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ServerProcessError("\(process.arguments ?? []) printed no line within \(timeout)")
    }
}

extension FileHandle {
    /// Reads one line (without the newline), byte by byte, so nothing after it is consumed. A read interrupted by a
    /// signal (the suite's many child processes send SIGCHLD) is retried, not taken for the end of the stream.
    public func availableLine() -> String {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(fileDescriptor, &byte, 1)
            if count < 0, errno == EINTR { continue }
            guard count == 1, byte != 0x0A else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
