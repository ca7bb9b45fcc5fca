import FirebreakTesting
import Foundation
import Testing

@Suite("Help output")
struct HelpSnapshotTests {
    static let snapshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Snapshots")

    /// Compares `firebreak ARGS --help` to `Snapshots/NAME.txt`. To update after an intended change:
    /// `COLUMNS=100 .build/debug/firebreak ARGS --help > Tests/FirebreakCLITests/Snapshots/NAME.txt`.
    @Test(
        "help matches its snapshot", arguments: [("help", [String]()), ("help-run", ["run"]), ("help-lint", ["lint"])])
    func snapshot(name: String, arguments: [String]) async throws {
        let expected = try String(contentsOf: Self.snapshots.appendingPathComponent("\(name).txt"), encoding: .utf8)
        let result = try await CommandLineTool.run(arguments + ["--help"], in: "/tmp", environment: ["COLUMNS": "100"])
        #expect(result.status == 0)
        #expect(result.stdout == expected)
    }

    @Test("--version prints the version and exits 0")
    func version() async throws {
        let result = try await CommandLineTool.run(["--version"], in: "/tmp")
        #expect(result.status == 0)
        #expect(result.stdout == "0.1.0\n")
    }

    @Test("a usage error exits 2 with a message, not ArgumentParser's 64")
    func usageError() async throws {
        let result = try await CommandLineTool.run(["runs", "show"], in: "/tmp")
        #expect(result.status == 2)
        #expect(result.stderr.contains("Missing expected argument '<run>'"))
    }
}
