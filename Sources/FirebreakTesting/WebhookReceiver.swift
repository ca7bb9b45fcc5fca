import Foundation
import Hummingbird
import Synchronization

/// A real HTTP server on loopback that records what is POSTed to it and answers with a status the test sets.
public final class WebhookReceiver: Sendable {
    /// One received request.
    public struct Delivery: Sendable {
        public var path: String
        public var headers: [String: String]
        public var body: Data

        /// The body as a JSON object.
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        }
    }

    private let state = Mutex<(status: Int, upcoming: [Int], deliveries: [Delivery])>((200, [], []))
    private let task = Mutex<Task<Void, any Error>?>(nil)
    /// The port it listens on.
    public let port: Int

    private init(port: Int) {
        self.port = port
    }

    /// Starts a receiver on a free port.
    public static func start() async throws -> WebhookReceiver {
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let holder = Mutex<WebhookReceiver?>(nil)
        let router = Router()
        let handler: @Sendable (Request, BasicRequestContext) async throws -> Response = { request, context in
            var request = request
            let body = try await request.collectBody(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            let status = holder.withLock { receiver in
                receiver?.record(Delivery(path: request.uri.path, headers: headers, body: Data(buffer: body))) ?? 500
            }
            if status == 0 {
                // Hang: never answer (until the client gives up or the server stops).
                try await Task.sleep(for: .seconds(3600))
            }
            return Response(
                status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: "status \(status)")))
        }
        router.post("**", use: handler)
        router.get("**", use: handler)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        let running = Task { try await app.runService(gracefulShutdownSignals: []) }
        var port = 0
        for await bound in stream {
            port = bound
            break
        }
        let receiver = WebhookReceiver(port: port)
        holder.withLock { $0 = receiver }
        receiver.task.withLock { $0 = running }
        return receiver
    }

    private func record(_ delivery: Delivery) -> Int {
        state.withLock { state in
            state.deliveries.append(delivery)
            return state.upcoming.isEmpty ? state.status : state.upcoming.removeFirst()
        }
    }

    /// Makes the next requests answer `statuses` in order, then `status` (deterministic, unlike a timed flip).
    public func answer(_ statuses: [Int], then status: Int) {
        state.withLock {
            $0.upcoming = statuses
            $0.status = status
        }
    }

    /// The URL of a path on this receiver.
    public func url(_ path: String = "/hook") -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Makes later requests answer `status`; 0 makes them hang without an answer.
    public func answer(_ status: Int) {
        state.withLock { $0.status = status }
    }

    /// Everything received so far.
    public var deliveries: [Delivery] {
        state.withLock { $0.deliveries }
    }

    /// Waits until `condition` holds for the deliveries, or `timeout` passes; returns the deliveries then.
    @discardableResult
    public func wait(timeout: Duration = .seconds(10), until condition: ([Delivery]) -> Bool) async -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = deliveries
            if condition(current) { return current }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return deliveries
    }

    /// Stops the server.
    public func stop() {
        task.withLock { $0?.cancel() }
    }
}
