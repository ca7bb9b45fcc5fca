import Foundation
import Incidents
import Store
import Testing

/// ``PostmortemStorage``: post-mortems, their history and action items.
@Suite("Conformance: post-mortems and action items")
struct PostmortemConformance {
    @Test("savePostmortem stores the current version and records it on the timeline", arguments: Engine.allCases)
    func save(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        #expect(try await store.postmortem(incidentID: "INC-1") == nil)
        let draft = try await store.savePostmortem(
            incidentID: "INC-1", markdown: "# Draft", status: .draft, by: "bob", at: t0.plus(10))
        #expect(draft.incidentID == "INC-1")
        #expect(draft.status == .draft)
        #expect(draft.markdown == "# Draft")
        #expect(draft.updatedAt == t0.plus(10))
        #expect(draft.updatedBy == "bob")
        #expect(draft.publishedAt == nil)
        #expect(try await store.postmortem(incidentID: "INC-1") == draft)

        let published = try await store.savePostmortem(
            incidentID: "INC-1", markdown: "# Final ✅", status: .published, by: "carol", at: t0.plus(20),
            forcedOver: [])
        #expect(published.status == .published)
        #expect(published.publishedAt == t0.plus(20))
        #expect(try await store.postmortem(incidentID: "INC-1") == published)
        let events = try await store.timeline(incidentID: "INC-1")
        #expect(events.map(\.kind) == [.opened, .postmortem("draft"), .postmortem("published")])
        #expect(events[1].actor == "bob")
        #expect(events[1].details == ["bytes": "7"])
        #expect(events[2].details == ["bytes": String("# Final ✅".utf8.count)])
        #expect(try await store.postmortem(incidentID: "INC-2") == nil)
    }

    @Test("a forced publication records the sections it went past before the publication", arguments: Engine.allCases)
    func forced(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        try await store.savePostmortem(
            incidentID: "INC-1", markdown: "# PM", status: .published, by: "carol", at: t0.plus(5),
            forcedOver: ["Impact", "Root cause"])
        let events = try await store.timeline(incidentID: "INC-1")
        #expect(events.map(\.kind) == [.opened, .postmortemForced, .postmortem("published")])
        #expect(events[1].details == ["unfinished": "Impact, Root cause"])
        #expect(events[1].actor == "carol")
        #expect(events[1].at == t0.plus(5))
    }

    @Test("savePostmortem returns what it stored, also after an earlier publication", arguments: Engine.allCases)
    func savedIsStored(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        try await store.savePostmortem(incidentID: "INC-1", markdown: "# v1", status: .published, by: "a", at: t0)
        let reopened = try await store.savePostmortem(
            incidentID: "INC-1", markdown: "# v2", status: .inReview, by: "b", at: t0.plus(5))
        let stored = try await store.postmortem(incidentID: "INC-1")
        #expect(stored?.status == .inReview)
        #expect(stored?.markdown == "# v2")
        try await expecting(.savedPostmortemDiffers, on: engine) {
            #expect(stored == reopened)
        }
    }

    @Test("savePostmortem of an unknown incident is notFound and stores nothing", arguments: Engine.allCases)
    func unknownIncident(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        await expectStoreError(.notFound) {
            try await store.savePostmortem(incidentID: "INC-9", markdown: "#", status: .draft, by: "a", at: t0)
        }
        #expect(try await store.postmortem(incidentID: "INC-9") == nil)
        #expect(try await store.postmortemHistory(incidentID: "INC-9").isEmpty)
    }

    @Test("postmortemHistory keeps every saved version, oldest first", arguments: Engine.allCases)
    func history(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        try await Given.incident(store)
        #expect(try await store.postmortemHistory(incidentID: "INC-1").isEmpty)
        try await store.savePostmortem(incidentID: "INC-1", markdown: "v1", status: .draft, by: "a", at: t0.plus(1))
        try await store.savePostmortem(incidentID: "INC-2", markdown: "other", status: .draft, by: "z", at: t0.plus(2))
        try await store.savePostmortem(incidentID: "INC-1", markdown: "v2", status: .inReview, by: "b", at: t0.plus(3))
        try await store.savePostmortem(incidentID: "INC-1", markdown: "v3", status: .published, by: "c", at: t0.plus(4))
        let history = try await store.postmortemHistory(incidentID: "INC-1")
        #expect(history.map(\.markdown) == ["v1", "v2", "v3"])
        #expect(history.map(\.status) == [.draft, .inReview, .published])
        #expect(history.map(\.actor) == ["a", "b", "c"])
        #expect(history.map(\.at) == [t0.plus(1), t0.plus(3), t0.plus(4)])
        #expect(history.map(\.id) == history.map(\.id).sorted())
        #expect(try await store.postmortemHistory(incidentID: "INC-2").map(\.markdown) == ["other"])
    }

    @Test("addActionItem stores an item with its id; actionItems lists them in order", arguments: Engine.allCases)
    func addItems(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        try await Given.incident(store)
        #expect(try await store.actionItems(incidentID: "INC-1").isEmpty)
        let given = ActionItem(
            incidentID: "INC-1", type: .prevent, owner: "bob", text: "Alert on queue depth",
            link: "https://tickets/OPS-1", createdAt: t0.plus(1))
        let first = try await store.addActionItem(given)
        let other = try await store.addActionItem(
            ActionItem(incidentID: "INC-2", type: .other, owner: "z", text: "elsewhere", createdAt: t0.plus(2)))
        let second = try await store.addActionItem(
            ActionItem(
                incidentID: "INC-1", type: .mitigate, owner: "carol", text: "Raise limits", createdAt: t0.plus(3)))
        #expect(Set([first.id, other.id, second.id]).count == 3)
        var expected = given
        expected.id = first.id
        #expect(first == expected)
        #expect(first.status == "open")
        #expect(try await store.actionItems(incidentID: "INC-1") == [expected, second])
        #expect(try await store.actionItems(incidentID: "INC-2") == [other])
        await expectStoreError(.notFound) {
            try await store.addActionItem(
                ActionItem(incidentID: "INC-9", type: .other, owner: "x", text: "x", createdAt: t0))
        }
    }

    @Test("addActionItem records the item on the incident's timeline", arguments: Engine.allCases)
    func addRecorded(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        _ = try await store.addActionItem(
            ActionItem(
                incidentID: "INC-1", type: .process, owner: "bob", text: "Write a runbook", createdAt: t0.plus(1)))
        let kinds = try await store.timeline(incidentID: "INC-1").map(\.kind)
        try await expecting(.actionItemNotRecorded, on: engine) {
            #expect(kinds == [.opened, .actionItem("open")])
        }
    }

    @Test("setActionItemStatus changes the status and records it on the timeline", arguments: Engine.allCases)
    func setStatus(engine: Engine) async throws {
        let (store, cleanup) = try await engine.make()
        defer { cleanup() }
        try await Given.incident(store)
        let item = try await store.addActionItem(
            ActionItem(incidentID: "INC-1", type: .prevent, owner: "bob", text: "Add a canary", createdAt: t0))
        let done = try await store.setActionItemStatus(id: item.id, status: "done", by: "carol", at: t0.plus(50))
        var expected = item
        expected.status = "done"
        #expect(done == expected)
        #expect(try await store.actionItems(incidentID: "INC-1") == [expected])
        let event = try #require(try await store.timeline(incidentID: "INC-1").last)
        #expect(event.kind == .actionItem("done"))
        #expect(event.actor == "carol")
        #expect(event.at == t0.plus(50))
        #expect(event.details == ["action_item": String(item.id), "text": "Add a canary"])
        let reopened = try await store.setActionItemStatus(id: item.id, status: "open", by: "bob", at: t0.plus(60))
        #expect(reopened.status == "open")
        await expectStoreError(.notFound) {
            try await store.setActionItemStatus(id: 9_999, status: "done", by: "x", at: t0)
        }
    }
}
