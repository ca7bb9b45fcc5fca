import Foundation
import Subprocess
import SystemPackage

/// Runs a program other than `firebreak` (python3, openssl) found on `PATH`, with stdin closed.
public enum ExternalProgram {
    public static func run(_ name: String, _ arguments: [String], in directory: String? = nil) async throws
        -> CommandLineTool.Result
    {
        let result = try await Subprocess.run(
            .name(name), arguments: Arguments(arguments), workingDirectory: directory.map { FilePath($0) },
            output: .string(limit: 16 << 20), error: .string(limit: 16 << 20))
        let status: Int32 =
            switch result.terminationStatus {
            case .exited(let code): code
            case .signaled(let signal): 128 + signal
            }
        return CommandLineTool.Result(
            status: status, stdout: result.standardOutput ?? "", stderr: result.standardError ?? "")
    }
}
