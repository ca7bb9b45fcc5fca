import Foundation
import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the built `firebreak` binary as a real child process.
public enum CommandLineTool {
    /// The result of one invocation.
    public struct Result: Sendable {
        /// Exit code (128+signal when killed).
        public var status: Int32
        /// Standard output.
        public var stdout: String
        /// Standard error.
        public var stderr: String
    }

    /// The binary: `$FIREBREAK_BIN`, or `firebreak` next to the test bundle in the build directory.
    public static var binary: String {
        if let path = ProcessInfo.processInfo.environment["FIREBREAK_BIN"] { return path }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("firebreak").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory.deleteLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return packageRoot.appendingPathComponent(".build/debug/firebreak").path
    }

    /// The package root (where `runbooks/` lives).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// Runs `firebreak ARGUMENTS` in `directory` with stdin closed.
    public static func run(
        _ arguments: [String], in directory: String, environment: [String: String] = [:]
    ) async throws -> Result {
        var env = ProcessInfo.processInfo.environment
        // Each test's directory holds its own data: without this the CLI would find the per-user default.
        env["FIREBREAK_DATA"] = directory + "/.firebreak"
        for (key, value) in environment { env[key] = value }
        let result = try await Subprocess.run(
            .path(FilePath(binary)), arguments: Arguments(arguments),
            environment: .custom(env.map { Array("\($0.key)=\($0.value)".utf8) + [0] }),
            workingDirectory: FilePath(directory),
            output: .string(limit: 16 << 20), error: .string(limit: 16 << 20))
        let status: Int32 =
            switch result.terminationStatus {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        return Result(status: status, stdout: result.standardOutput, stderr: result.standardError)
    }
}
