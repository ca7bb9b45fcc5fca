import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Store
import Testing
import WebConsole

@testable import Server

@Suite("console event streams")
struct ConsoleEventTests {
    @Test("a stream ends within a heartbeat of its session being revoked, not at its 5-minute end")
    func revokedSessionEndsItsStream() async throws {
        let test = try await TestServer()
        let (session, cookie) = try await test.server.sessions.create(
            for: TokenAuthority.Caller(name: "t", user: "alice", role: .viewer), method: "token", at: Date())
        let router = Router(context: FirebreakContext.self)
        let audit = AuditLog(store: test.store, logger: Logger(label: "test"))
        let group = ConsoleGroup(
            group: router.group().add(
                middleware: ConsoleMiddleware(
                    sessions: test.server.sessions, renderer: try PageRenderer(directory: nil),
                    feed: test.store.changes, audit: audit, requireSession: true)),
            table: ConsoleRouteTable(), guarded: true, audit: audit)
        var events = EventRoutes(
            feed: test.store.changes, live: LiveOutput(), store: test.store, sessions: test.server.sessions)
        events.heartbeat = .milliseconds(50)
        events.lifetime = .seconds(60)
        events.register(on: group)
        let store = test.store
        try await Application(router: router).test(.live) { client in
            let started = ContinuousClock.now
            async let response = client.execute(
                uri: "/events?topics=incidents", method: .get,
                headers: [.cookie: "\(ConsoleMiddleware.sessionCookie)=\(cookie)"])
            // Revoked only once the stream listens (its handler ran with the live session).
            while store.changes.listenerCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            _ = try await store.revokeSession(id: session.id, at: Date())
            let answer = try await response
            #expect(answer.status == .ok)
            #expect(String(buffer: answer.body).hasPrefix("retry: 2000\n: connected"), "it was streaming before")
            #expect(ContinuousClock.now - started < .seconds(10), "it ended with the session")
        }
    }
}
