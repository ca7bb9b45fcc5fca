import Foundation

/// A `firebreak serve` child process on loopback, with its log in a file.
public final class ServerProcess: @unchecked Sendable {
    public let process: Process
    /// Where its standard error (the log) goes.
    public let logFile: URL
    /// The port it listens on.
    public let port: Int

    init(process: Process, logFile: URL, port: Int) {
        self.process = process
        self.logFile = logFile
        self.port = port
    }

    /// Starts `firebreak serve --port 0 ARGUMENTS` in `directory` and waits until it listens.
    public static func start(
        in directory: URL, arguments: [String] = [], environment: [String: String] = [:],
        logName: String = "serve.log"
    ) async throws -> ServerProcess {
        let logFile = directory.appendingPathComponent(logName)
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logFile)
        handle.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLineTool.binary)
        process.arguments = ["serve", "--port", "0"] + arguments
        process.currentDirectoryURL = directory
        var inherited = ProcessInfo.processInfo.environment
        inherited["FIREBREAK_DATA"] = directory.appendingPathComponent(".firebreak").path
        process.environment = inherited.merging(environment) { _, new in new }
        process.standardError = handle
        process.standardOutput = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let log = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
            if let range = log.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let port = Int(log[range].split(separator: ":").last!)!
                return ServerProcess(process: process, logFile: logFile, port: port)
            }
            if !process.isRunning {
                throw ServerProcessError("firebreak serve exited with \(process.terminationStatus): \(log)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        process.terminate()
        throw ServerProcessError("firebreak serve did not start listening within 30s")
    }

    /// The log so far.
    public var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// Sends a signal.
    public func signal(_ number: Int32) {
        kill(process.processIdentifier, number)
    }

    /// Waits for the process to exit; returns its status, or nil after `timeout` (then kills it).
    public func waitForExit(timeout: Duration = .seconds(20)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return process.terminationStatus
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
}

public struct ServerProcessError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
