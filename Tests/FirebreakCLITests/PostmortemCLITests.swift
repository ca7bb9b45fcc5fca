import FirebreakTesting
import Foundation
import Testing

@Suite("postmortem commands")
struct PostmortemCLITests {
    let directory = TemporaryDirectory(prefix: "firebreak-cli-pm")

    func firebreak(_ arguments: String...) async throws -> CommandLineTool.Result {
        try await CommandLineTool.run(arguments, in: directory.path)
    }

    @Test("generate, the close gate, action items, publish an edited file, close; html and a broken template")
    func lifecycle() async throws {
        #expect(try await firebreak("incident", "open", "--title", "Payments down", "--severity", "P1", "--by", "alice").status == 0)
        #expect(try await firebreak("incident", "ack", "INC-1", "--by", "alice").status == 0)
        #expect(try await firebreak("incident", "resolve", "INC-1", "--by", "alice").status == 0)
        let refused = try await firebreak("incident", "close", "INC-1")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("needs a published post-mortem"))

        let added = try await firebreak("postmortem", "action", "add", "INC-1", "--type", "prevent", "--owner", "bob", "Add a canary for payments")
        #expect(added.status == 0)
        #expect(try await firebreak("postmortem", "action", "add", "INC-1", "--type", "blame", "--owner", "x", "y").status == 2)
        let generated = try await firebreak("postmortem", "generate", "INC-1", "--out", "pm.md")
        #expect(generated.status == 0, "\(generated.stderr)")
        let draft = try #require(directory.read("pm.md"))
        #expect(draft.hasPrefix("# Post-mortem: Payments down"))
        #expect(draft.contains("| prevent | Add a canary for payments | bob | open | - |"))
        #expect(try await firebreak("postmortem", "show", "INC-1").stdout == draft + (draft.hasSuffix("\n") ? "" : "\n"))

        let html = try await firebreak("postmortem", "generate", "INC-1", "--format", "html")
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(html.stderr.isEmpty)

        directory.write("edited.md", draft.replacingOccurrences(of: "_TODO (owner): the root causes", with: "A certificate expired"))
        let published = try await firebreak("postmortem", "publish", "INC-1", "--file", "edited.md", "--by", "alice")
        #expect(published.status == 0)
        #expect(published.stdout.contains("INC-1's post-mortem is published"))
        #expect(try await firebreak("incident", "close", "INC-1").status == 0)
        let history = try await firebreak("postmortem", "show", "INC-1", "--history")
        #expect(history.stdout.contains("draft") && history.stdout.contains("published  by alice"))
        // Generating again does not overwrite the published text.
        let again = try await firebreak("postmortem", "generate", "INC-1")
        #expect(again.stderr.contains("is published; this draft was not saved over it"))
        #expect(try await firebreak("postmortem", "show", "INC-1").stdout.contains("A certificate expired"))

        directory.write("bad.mustache", "# {{incident.id}}\n{{#runs}}\n")
        let broken = try await firebreak("postmortem", "generate", "INC-1", "--template", "bad.mustache")
        #expect(broken.status == 2)
        #expect(broken.stderr.hasPrefix("error: bad.mustache:"))
        directory.write("templates/postmortem.md.mustache", "custom {{incident.id}} {{metrics.tta}}\n")
        #expect(try await firebreak("postmortem", "generate", "INC-1").stdout.hasPrefix("custom INC-1 "))
    }
}
