import FirebreakTesting
import Foundation
import Testing

@Suite("The firebreak command line")
struct CLITests {
    let directory = TemporaryDirectory(prefix: "firebreak-cli")

    func firebreak(_ arguments: String..., environment: [String: String] = [:]) async throws -> CommandLineTool.Result {
        try await CommandLineTool.run(arguments, in: directory.path, environment: environment)
    }

    @Test("lint prints file:line: error: message and exits 2; clean runbooks exit 0")
    func lint() async throws {
        directory.write("runbooks/bad.md", "# Bad\n\n```sh {name=a timout=5s}\necho\n```\n")
        directory.write("runbooks/good.md", "# Good\n\n```sh\necho\n```\n")
        let bad = try await firebreak("lint")
        #expect(bad.status == 2)
        #expect(bad.stdout == "runbooks/bad.md:3:15: error: unknown attribute 'timout'; did you mean 'timeout'?\n")
        #expect(bad.stderr.contains("2 runbooks checked: 1 error"))
        let good = try await firebreak("lint", "runbooks/good.md")
        #expect(good.status == 0)
        #expect(good.stdout.isEmpty)
        let missing = try await firebreak("lint", "nope")
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file or directory: nope"))
    }

    @Test("the shipped runbooks lint clean")
    func shippedRunbooks() async throws {
        let result = try await CommandLineTool.run(["lint", "runbooks"], in: CommandLineTool.packageRoot.path)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    @Test("runbooks --json lists id, title, severity, steps and triggers")
    func runbooksJSON() async throws {
        directory.write(
            "runbooks/db.md",
            """
            ---
            id: db-restore
            severity: P1
            triggers:
              - alertname: DBDown
            ---
            # Restore the DB

            ```sh
            true
            ```
            """)
        let result = try await firebreak("runbooks", "--json")
        #expect(result.status == 0)
        let entries = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]]
        let entry = try #require(entries?.first)
        #expect(entry["id"] as? String == "db-restore")
        #expect(entry["title"] as? String == "Restore the DB")
        #expect(entry["severity"] as? String == "P1")
        #expect(entry["steps"] as? Int == 1)
        #expect(entry["triggers"] as? [String] == ["alertname=DBDown"])
    }

    @Test("show --html renders headings, prose and code through Discount")
    func showHTML() async throws {
        directory.write("runbooks/r.md", "# Title\n\nSome *prose*.\n\n```sh {name=x}\necho <hi>\n```\n")
        let result = try await firebreak("show", "r", "--html")
        #expect(result.status == 0)
        #expect(result.stdout.contains("<h1 id=\"Title\">Title</h1>"))
        #expect(result.stdout.contains("<p>Some <em>prose</em>.</p>"))
        #expect(result.stdout.contains("<pre><code class=\"sh\">echo &lt;hi&gt;"))
    }

    @Test("run exit codes: 0 succeeded, 1 failed, 2 bad params, 3 waiting")
    func exitCodes() async throws {
        directory.write(
            "runbooks/ok.md", "---\nparams:\n  n: { type: int, default: 1 }\n---\n# OK\n\n```sh\necho $N\n```\n")
        directory.write("runbooks/fail.md", "# Fail\n\n```sh\nexit 4\n```\n")
        directory.write("runbooks/wait.md", "# Wait\n\n- [ ] Phone a friend {name=phone}\n")
        #expect(try await firebreak("run", "ok").status == 0)
        #expect(try await firebreak("run", "fail").status == 1)
        let badParam = try await firebreak("run", "ok", "--param", "n=many")
        #expect(badParam.status == 2)
        #expect(badParam.stderr.contains("param 'n': 'many' is not a whole number"))
        let unknownParam = try await firebreak("run", "ok", "--param", "m=1")
        #expect(unknownParam.status == 2)
        #expect(unknownParam.stderr.contains("unknown param 'm'"))
        let waiting = try await firebreak("run", "wait", "--yes")
        #expect(waiting.status == 3)
        #expect(waiting.stderr.contains("firebreak approve RUN-3 phone --by NAME"))
        #expect(try await firebreak("approve", "RUN-3", "phone", "--by", "dana").status == 0)
        #expect(try await firebreak("resume", "RUN-3", "--yes").status == 0)
        #expect(try await firebreak("resume", "RUN-3", "--yes").status == 2, "a finished run cannot resume")
        #expect(try await firebreak("runs", "show", "RUN-99").status == 2)
        #expect(try await firebreak("run", "nope").status == 2)
        #expect(try await firebreak("run", "ok", "--bogus-flag").status == 2)
    }

    @Test("runs list and runs show --json carry steps, attempts and outputs")
    func runsJSON() async throws {
        directory.write(
            "runbooks/r.md",
            """
            ---
            params:
              token: { secret: true }
            ---
            # R

            ```sh {name=first capture=WHO}
            echo "me $TOKEN"
            ```
            """)
        let run = try await firebreak("run", "r", "--json", "--param", "token=abc123")
        #expect(run.status == 0)
        let shown = try await firebreak("runs", "show", "RUN-1", "--json")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
        #expect(object["id"] as? String == "RUN-1")
        #expect(object["status"] as? String == "succeeded")
        #expect(object["params"] as? [String: String] == ["token": "***"])
        let step = try #require((object["steps"] as? [[String: Any]])?.first)
        #expect(step["name"] as? String == "first")
        #expect(step["status"] as? String == "succeeded")
        #expect(step["attempts"] as? Int == 1)
        #expect(step["exit_code"] as? Int == 0)
        #expect(step["output"] as? String == "me ***\n")
        #expect(step["outputs"] as? [String: String] == ["WHO": "me ***"])
        #expect(step["duration_ms"] is Int)
        let list = try await firebreak("runs", "list", "--json")
        let runs = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        #expect(runs?.map { $0["id"] as? String } == ["RUN-1"])
    }

    @Test("the data dir and database are owner-only")
    func permissions() async throws {
        directory.write("runbooks/r.md", "# R\n\n```sh\ntrue\n```\n")
        #expect(try await firebreak("run", "r", "--data-dir", "state").status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory.path("state"))
        #expect((attributes[.posixPermissions] as? Int) == 0o700)
        let database = try FileManager.default.attributesOfItem(atPath: directory.path("state/firebreak.db"))
        #expect((database[.posixPermissions] as? Int) == 0o600)
    }

    @Test("--dry-run prints the plan and runs nothing")
    func dryRun() async throws {
        let marker = directory.path("ran")
        directory.write("runbooks/r.md", "# R\n\n```sh {name=touch timeout=5s}\ntouch '\(marker)'\n```\n")
        let result = try await firebreak("run", "r", "--dry-run")
        #expect(result.status == 0)
        #expect(result.stdout.contains("1. touch  (sh, line 3)  timeout=5s"))
        #expect(!FileManager.default.fileExists(atPath: marker))
        #expect(!FileManager.default.fileExists(atPath: directory.path(".firebreak")))
    }
}
