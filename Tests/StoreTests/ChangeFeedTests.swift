import FirebreakTesting
import Foundation
import Incidents
import Testing

@testable import Store

@Suite("the change feed: what each commit changed, for the console's live pages")
struct ChangeFeedTests {
    static func open(_ store: SQLiteStore, title: String = "Disk full") async throws -> String {
        let engine = IncidentEngine(policy: IncidentPolicy())
        let now = Date()
        return try await store.openIncident(at: now) { id in
            engine.open(id: id, title: title, severity: .p2, summary: nil, by: "alice", at: now)
        }.incident.id
    }

    @Test("a committed transaction is announced once with the topics it touched, after the commit")
    func commitIsAnnounced() async throws {
        let directory = TemporaryDirectory()
        let store = try await SQLiteStore.open(directory: directory.url)
        let (stream, cancel) = store.changes.listen()
        defer { cancel() }
        let before = store.changes.sequence
        let id = try await Self.open(store)
        var iterator = stream.makeAsyncIterator()
        let change = try #require(await iterator.next())
        #expect(change.topics.isSuperset(of: [.incidents, .timeline]))
        #expect(!change.topics.contains(.runs))
        #expect(change.sequence == before + 1)
        #expect(try await store.incident(id: id).title == "Disk full", "announced after it is readable")
    }

    @Test("a transaction that fails and rolls back announces nothing")
    func rollbackIsSilent() async throws {
        let directory = TemporaryDirectory()
        let store = try await SQLiteStore.open(directory: directory.url)
        let id = try await Self.open(store)
        let before = store.changes.sequence
        let engine = IncidentEngine(policy: IncidentPolicy())
        await #expect(throws: (any Error).self) {
            _ = try await store.updateIncident(id: id, at: Date()) { incident in
                try engine.apply(.close, to: incident, by: "alice", at: Date())
            }
        }
        #expect(store.changes.sequence == before, "a refused close changed nothing")
    }

    @Test("another process's commit (a second connection to the file) is announced on the next look")
    func foreignCommitIsAnnounced() async throws {
        let directory = TemporaryDirectory()
        let server = try await SQLiteStore.open(directory: directory.url)
        let terminal = try await SQLiteStore.open(directory: directory.url)
        await server.announceForeignCommits()
        let quiet = server.changes.sequence
        await server.announceForeignCommits()
        #expect(server.changes.sequence == quiet, "nothing happened, nothing is announced")
        _ = try await Self.open(terminal, title: "from a terminal")
        #expect(server.changes.sequence == quiet, "the server's feed does not see it by itself")
        await server.announceForeignCommits()
        #expect(server.changes.sequence == quiet + 1)
        _ = try await Self.open(server, title: "its own")
        let own = server.changes.sequence
        await server.announceForeignCommits()
        #expect(server.changes.sequence == own, "its own commit was announced already, not twice")
    }

    @Test("a listener that goes away is dropped")
    func listenersEnd() async throws {
        let feed = ChangeFeed()
        let (stream, cancel) = feed.listen()
        #expect(feed.listenerCount == 1)
        cancel()
        #expect(feed.listenerCount == 0)
        feed.publish([.runs])
        #expect(feed.sequence == 1)
        var iterator = stream.makeAsyncIterator()
        #expect(await iterator.next() == nil, "a cancelled listener's stream ends")
        do {
            _ = feed.listen()
        }
        #expect(feed.listenerCount == 0, "a stream nobody holds is dropped at once")
    }
}
