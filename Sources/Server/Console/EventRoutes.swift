import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Store

/// Server-Sent Events for the console: `/events?topics=…` says when a commit changed what a page shows (the
/// page then fetches itself once), and `/runs/RUN-n/output` streams a running step's output.
struct EventRoutes {
    let feed: ChangeFeed
    let live: LiveOutput
    let store: any Storage
    let sessions: SessionAuthority
    /// A comment is sent this often, so a closed tab is noticed and proxies keep the connection.
    var heartbeat: Duration = .seconds(15)
    /// A stream ends after this long; the browser reconnects at once (`retry`), which spreads long-lived
    /// connections over restarts and balancers.
    var lifetime: Duration = .seconds(300)

    func register(on group: ConsoleGroup) {
        group.get("events", use: changes)
        group.get("runs/:id/output", use: output)
    }

    enum Item: Sendable {
        case event(String)
        case heartbeat
    }

    @Sendable func changes(_ request: Request, context: FirebreakContext) async throws -> Response {
        let names = (request.uri.queryParameters["topics"].map(String.init) ?? "").split(separator: ",")
        let wanted = Set(names.map { StoreChange.Topic(String($0)) }).intersection(StoreChange.Topic.all)
        guard !wanted.isEmpty else {
            throw APIError(
                .badRequest, "invalid_query",
                "topics must name some of \(StoreChange.Topic.all.map(\.rawValue).sorted().joined(separator: ", "))")
        }
        // Changes after the page was read: from `since` (the page's), or `Last-Event-ID` when the browser
        // reconnects. Listening starts before the sequence is read, so nothing falls between them.
        let since =
            request.headers[HTTPField.Name("Last-Event-ID")!].flatMap { UInt64($0) }
            ?? request.uri.queryParameters["since"].flatMap { UInt64(String($0)) }
        let (changes, cancel) = feed.listen()
        let current = feed.sequence
        let topics = wanted.map { "\"\($0.rawValue)\"" }.sorted().joined(separator: ",")
        // Any other number than the current one is a change the page has not seen, one from before a restart
        // (the sequence starts again at 0) too.
        let missed =
            since.map { current != $0 } == true
            ? ["event: change\nid: \(current)\ndata: {\"topics\":[\(topics)]}\n\n"] : []
        let items = changes.filter { !$0.topics.isDisjoint(with: wanted) }.map { change in
            let topics = change.topics.intersection(wanted).map { "\"\($0.rawValue)\"" }.sorted()
            return "event: change\nid: \(change.sequence)\ndata: {\"topics\":[\(topics.joined(separator: ","))]}\n\n"
        }
        return stream(items, first: missed, signedIn: signedIn(request), onEnd: cancel)
    }

    @Sendable func output(_ request: Request, context: FirebreakContext) async throws -> Response {
        let runID = try RunRoutes.runID(context)
        _ = try await store.runDetail(id: runID)  // 404 for a run that does not exist
        let events = live.listen(runID: runID)
        let items = events.map { event in
            switch event {
            case .line(let text): "event: output\ndata: \(Self.oneLine(text))\n\n"
            case .stepEnded(let name): "event: step\ndata: \(Self.oneLine(name))\n\n"
            case .runEnded: "event: end\ndata: \n\n"
            }
        }
        return stream(items, signedIn: signedIn(request), onEnd: {})
    }

    /// Whether the request's session is still live (not signed out, revoked or expired).
    func signedIn(_ request: Request) -> @Sendable () async -> Bool {
        let cookie = request.cookies[ConsoleMiddleware.sessionCookie]?.value ?? ""
        let sessions = self.sessions
        return { (try? await sessions.session(cookie: cookie, at: Date())) != nil }
    }

    /// An SSE line may not hold a line break; a carriage return would end it too.
    static func oneLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: " ")
    }

    /// The response: `retry`, then each item and a heartbeat comment, until the client leaves, the lifetime
    /// ends, the session ends (checked at each heartbeat: a revoked session hears nothing more within one
    /// heartbeat) or the server shuts down. The producers are child tasks of the body's writer, ended with it.
    func stream<Items: AsyncSequence & Sendable>(
        _ items: Items, first: [String] = [], signedIn: @escaping @Sendable () async -> Bool,
        onEnd: @escaping @Sendable () -> Void
    ) -> Response
    where Items.Element == String {
        let heartbeat = self.heartbeat
        let lifetime = self.lifetime
        let body = ResponseBody { writer in
            let (merged, continuation) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .bufferingNewest(64))
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n" + first.joined()))
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask {
                    do {
                        for try await text in items { continuation.yield(.event(text)) }
                    } catch {}
                    continuation.finish()
                }
                group.addTask {
                    let end = ContinuousClock.now + lifetime
                    while ContinuousClock.now < end, !Task.isCancelled {
                        try? await Task.sleep(for: heartbeat)
                        continuation.yield(.heartbeat)
                    }
                    continuation.finish()
                }
                try await withTaskCancellationOrGracefulShutdownHandler {
                    for await item in merged {
                        switch item {
                        case .event(let text): try await writer.write(ByteBuffer(string: text))
                        case .heartbeat:
                            guard await signedIn() else { return }
                            try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                        }
                    }
                } onCancelOrGracefulShutdown: {
                    continuation.finish()
                }
                group.cancelAll()
            }
            onEnd()
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-store",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: body)
    }
}
