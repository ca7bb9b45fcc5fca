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
        #expect(
            try await firebreak("incident", "open", "--title", "Payments down", "--severity", "P1", "--by", "alice")
                .status == 0)
        #expect(try await firebreak("incident", "ack", "INC-1", "--by", "alice").status == 0)
        #expect(try await firebreak("incident", "resolve", "INC-1", "--by", "alice").status == 0)
        let refused = try await firebreak("incident", "close", "INC-1")
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("needs a published post-mortem"))

        let added = try await firebreak(
            "postmortem", "action", "add", "INC-1", "--type", "prevent", "--owner", "bob", "Add a canary for payments")
        #expect(added.status == 0)
        #expect(
            try await firebreak("postmortem", "action", "add", "INC-1", "--type", "blame", "--owner", "x", "y").status
                == 2)
        let generated = try await firebreak("postmortem", "generate", "INC-1", "--out", "pm.md")
        #expect(generated.status == 0, "\(generated.stderr)")
        let draft = try #require(directory.read("pm.md"))
        #expect(draft.hasPrefix("# Post-mortem: Payments down"))
        #expect(draft.contains("| prevent | Add a canary for payments | bob | open | - |"))
        #expect(
            try await firebreak("postmortem", "show", "INC-1").stdout == draft + (draft.hasSuffix("\n") ? "" : "\n"))

        let html = try await firebreak("postmortem", "generate", "INC-1", "--format", "html")
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(html.stderr.isEmpty)

        // An untouched draft cannot be published: its sections still say TODO.
        let untouched = try await firebreak("postmortem", "publish", "INC-1", "--file", "pm.md", "--by", "alice")
        #expect(untouched.status == 2)
        #expect(
            untouched.stderr.contains("still has TODO placeholders in: Summary, Impact, Detection, Trigger"),
            "\(untouched.stderr)")
        #expect(try await firebreak("incident", "close", "INC-1").status == 2)

        // An action item added after the draft was generated is published with it.
        #expect(
            try await firebreak(
                "postmortem", "action", "add", "INC-1", "--type", "process", "--owner", "carol",
                "Page the payments team too"
            ).status == 0)
        var edited = draft.replacingOccurrences(of: "_TODO (owner): the root causes", with: "A certificate expired")
        while let range = edited.range(of: #"_TODO \(owner\)[^\n]*"#, options: .regularExpression) {
            edited.replaceSubrange(range, with: "Written by the owner.")
        }
        directory.write("edited.md", edited)
        let published = try await firebreak("postmortem", "publish", "INC-1", "--file", "edited.md", "--by", "alice")
        #expect(published.status == 0, "\(published.stderr)")
        let stored = try await firebreak("postmortem", "show", "INC-1").stdout
        #expect(stored.contains("| prevent | Add a canary for payments | bob | open | - |"))
        #expect(stored.contains("| process | Page the payments team too | carol | open | - |"))
        #expect(!stored.contains("_TODO"))
        #expect(stored.contains("| Status | published |"))
        #expect(!stored.contains("| Status | draft |"))
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

    @Test("publish --force goes past TODOs and says so on the timeline; action done closes an item")
    func forceAndDone() async throws {
        #expect(
            try await firebreak("incident", "open", "--title", "Queue stuck", "--severity", "P2", "--by", "alice")
                .status == 0)
        let item = try await firebreak(
            "postmortem", "action", "add", "INC-1", "--type", "prevent", "--owner", "bob",
            "Alert on queue age", "--json")
        #expect(item.status == 0)
        let forced = try await firebreak("postmortem", "publish", "INC-1", "--force", "--by", "alice")
        #expect(forced.status == 0, "\(forced.stderr)")
        let done = try await firebreak("postmortem", "action", "done", "1", "--by", "bob")
        #expect(done.status == 0, "\(done.stderr)")
        #expect(done.stdout.contains("is done"))
        let list = try await firebreak("postmortem", "action", "list", "INC-1", "--json")
        #expect(list.stdout.contains("\"status\" : \"done\""))
        let timeline = try await firebreak("incident", "show", "INC-1", "--json").stdout
        #expect(timeline.contains("postmortem_forced"))
        #expect(timeline.contains("action_item_done"))
        #expect(try await firebreak("postmortem", "action", "done", "99").status == 2)
    }
}
