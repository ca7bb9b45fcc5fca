import FirebreakTesting
import Foundation
import Testing

@Suite("backup, restore, drill and health commands")
struct ModuleCLITests {
    let directory = TemporaryDirectory(prefix: "firebreak-cli-modules")

    func firebreak(_ arguments: String...) async throws -> CommandLineTool.Result {
        try await CommandLineTool.run(arguments, in: directory.path)
    }

    @Test("backup, list, verify, restore with a safety backup, a refused corrupt restore (exit 2), drill")
    func lifecycle() async throws {
        let file = directory.write("state.json", #"{"version": 1}"#)
        let created = try await firebreak("backup", "create", "file:state.json", "--json")
        #expect(created.status == 0, "\(created.stderr)")
        let backup = try #require(try JSONSerialization.jsonObject(with: Data(created.stdout.utf8)) as? [String: Any])
        #expect(backup["id"] as? String == "BK-1")
        #expect(backup["source"] as? String == "file:\(file)")
        let path = try #require(backup["path"] as? String)
        #expect(path.hasPrefix(directory.url.appendingPathComponent(".firebreak/backups").path))

        let listed = try await firebreak("backup", "list")
        #expect(listed.stdout.contains("BK-1") && listed.stdout.contains("manual"))
        #expect(try await firebreak("backup", "verify", "BK-1").status == 0)

        directory.write("state.json", #"{"version": 2}"#)
        let restored = try await firebreak("restore", "latest", "--to", "state.json")
        #expect(restored.status == 0, "\(restored.stderr)")
        #expect(restored.stdout.contains("the previous \(file) is kept as BK-2"))
        #expect(directory.read("state.json") == #"{"version": 1}"#)

        let dry = try await firebreak("restore", "BK-2", "--to", "state.json", "--dry-run", "--json")
        #expect(dry.stdout.contains("\"dry_run\" : true"))
        #expect(directory.read("state.json") == #"{"version": 1}"#)

        // Damage BK-1: verify exits 1, restore is refused with exit 2 and the file is untouched.
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        try handle.seek(toOffset: 12)
        try handle.write(contentsOf: Data([0x00, 0x01, 0x02]))
        try handle.close()
        let verify = try await firebreak("backup", "verify", "--all")
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("BK-1  FAILED: checksum mismatch"))
        let refused = try await firebreak("restore", "BK-1", "--to", "state.json")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("BK-1 is marked corrupt"))
        #expect(directory.read("state.json") == #"{"version": 1}"#)

        let drill = try await firebreak("drill", "restore", "file:state.json")
        #expect(drill.status == 1, "only the corrupt backup is not a safety backup: the drill fails")
        #expect(drill.stdout.contains("DR-1 FAILED"))
        let drills = try await firebreak("drill", "list", "--json")
        #expect(drills.stdout.contains("\"status\" : \"failed\""))

        let bad = try await firebreak("backup", "create", "ftp:x")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("'ftp:' is not a backup source kind"))
        let noBackup = try await firebreak("restore", "latest", "--source", "sqlite:nothing.db", "--to", "nothing.db")
        #expect(noBackup.status == 2)
        #expect(noBackup.stderr.contains("no good backup of sqlite:"))
    }

    @Test("health runs the configured checks and exits 0 when healthy, 1 otherwise")
    func health() async throws {
        // Zero configuration: Firebreak checks its own database and data dir.
        let none = try await firebreak("health")
        #expect(none.status == 0, "\(none.stdout)\(none.stderr)")
        #expect(none.stdout.contains("firebreak-database"))
        #expect(none.stdout.contains("PRAGMA quick_check returned ok"))
        #expect(none.stdout.contains("firebreak-data-dir"))
        try """
        health:
          checks:
            - {name: ok, command: "true"}
            - {name: disk, disk: /, min_free: 0}
        """.write(to: directory.url.appendingPathComponent("firebreak.yml"), atomically: true, encoding: .utf8)
        let healthy = try await firebreak("health", "--json")
        #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")
        #expect(healthy.stdout.contains("\"status\" : \"healthy\""))
        try """
        health:
          checks:
            - {name: ok, command: "true"}
            - {name: broken, command: "exit 3", critical: false}
        """.write(to: directory.url.appendingPathComponent("firebreak.yml"), atomically: true, encoding: .utf8)
        let degraded = try await firebreak("health")
        #expect(degraded.status == 1)
        #expect(degraded.stdout.contains("overall: degraded"))
        #expect(degraded.stdout.contains("the command exited 3"))
        #expect(degraded.stdout.contains("the command exited 0"))
    }
}
