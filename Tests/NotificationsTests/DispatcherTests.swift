import Config
import FirebreakTesting
import Foundation
import Incidents
import Logging
import Notifications
import Store
import Testing

@Suite("notification delivery (real receiver on loopback)")
struct DispatcherTests {
    static func config(_ yaml: String) throws -> FirebreakConfig {
        try FirebreakConfig.parse(yaml)
    }

    /// Opens a P1 incident whose announcement goes to `announce`.
    static func openIncident(_ store: any Storage, config: FirebreakConfig) async throws -> String {
        let engine = IncidentEngine(policy: config.policy)
        return try await store.openIncident(at: Date()) {
            engine.open(id: $0, title: "Checkout errors", severity: .p1, by: "alice", at: Date())
        }.incident.id
    }

    static func drain(_ dispatcher: Dispatcher, until condition: () async throws -> Bool) async throws {
        for _ in 0..<200 {
            if try await condition() { return }
            await dispatcher.tick()
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    @Test("a receiver answering 500 turns the notification into a dead letter; replay delivers it once")
    func deadLetterAndReplay() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        receiver.answer(500)
        let config = try Self.config(
            """
            channels:
              hook: {type: webhook, url: "\(receiver.url())"}
            announce: [hook]
            delivery: {attempts: 3, initial_backoff: 10ms, max_backoff: 20ms, breaker_failures: 10}
            """)
        let store = try SQLiteStore.inMemory()
        let id = try await Self.openIncident(store, config: config)
        let dispatcher = Dispatcher(
            store: store, config: config, sender: DefaultSender(logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        try await Self.drain(dispatcher) { try await !store.deadLetters().isEmpty }
        let dead = try await store.deadLetters()
        #expect(dead.count == 1)
        #expect(dead.first?.attempts == 3)
        #expect(dead.first?.lastError?.contains("answered 500") == true)
        #expect(receiver.deliveries.count == 3, "three attempts, then it stops")

        receiver.answer(204)
        let replayed = try await store.replayDeadLetters(id: dead.first!.id, at: Date())
        #expect(replayed.map(\.id) == dead.map(\.id))
        try await Self.drain(dispatcher) { try await store.notifications(incidentID: id).first?.status == .sent }
        #expect(try await store.notifications(incidentID: id).first?.status == .sent)
        #expect(try await store.deadLetters().isEmpty)
        try await Task.sleep(for: .milliseconds(100))
        await dispatcher.tick()
        #expect(receiver.deliveries.count == 4, "delivered once after the replay, not again")
        let body = receiver.deliveries.last!.json
        #expect(body["event"] as? String == "opened")
        #expect((body["incident"] as? [String: Any])?["id"] as? String == id)
        #expect(receiver.deliveries.last!.headers["x-firebreak-notification-id"] == String(dead.first!.id))
        await #expect(throws: StoreError.self) { try await store.replayDeadLetters(id: dead.first!.id, at: Date()) }
    }

    @Test("slack format posts a text field")
    func slackFormat() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        let config = try Self.config(
            """
            channels:
              chat: {type: webhook, url: "\(receiver.url("/slack"))", format: slack}
            announce: [chat]
            """)
        let store = try SQLiteStore.inMemory()
        let id = try await Self.openIncident(store, config: config)
        let dispatcher = Dispatcher(
            store: store, config: config, sender: DefaultSender(logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        try await Self.drain(dispatcher) { !receiver.deliveries.isEmpty }
        let body = try #require(receiver.deliveries.first).json
        #expect(body.keys.sorted() == ["text"])
        #expect((body["text"] as? String)?.hasPrefix("[P1] \(id) opened: Checkout errors") == true)
    }

    @Test("a notification delivered after the incident moved on reads as its event, then the current state")
    func lateNotification() async throws {
        let receiver = try await WebhookReceiver.start()
        defer { receiver.stop() }
        let config = try Self.config(
            """
            channels:
              chat: {type: webhook, url: "\(receiver.url("/slack"))", format: slack}
            announce: [chat]
            """)
        let store = try SQLiteStore.inMemory()
        let id = try await Self.openIncident(store, config: config)
        let engine = IncidentEngine(policy: config.policy)
        _ = try await store.updateIncident(id: id, at: Date()) {
            try engine.apply(.resolve, to: $0, by: "alice", at: Date())
        }
        let dispatcher = Dispatcher(
            store: store, config: config, sender: DefaultSender(logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        try await Self.drain(dispatcher) { receiver.deliveries.count >= 2 }
        let texts = receiver.deliveries.compactMap { $0.json["text"] as? String }
        #expect(texts.contains("[P1] \(id) opened: Checkout errors (now resolved)"), "\(texts)")
        #expect(texts.contains("[P1] \(id) resolved: Checkout errors"), "\(texts)")
        #expect(!texts.contains { $0.contains("— ") })
    }

    @Test("a command channel gets the message on stdin; a failing command is retried")
    func commandChannel() async throws {
        let directory = TemporaryDirectory()
        let out = directory.url.appendingPathComponent("page.json")
        let script = directory.url.appendingPathComponent("page.sh")
        try "#!/bin/sh\ncat > \"$1\"\necho \"$FIREBREAK_EVENT $FIREBREAK_INCIDENT_ID\" >> \"$1.env\"\n"
            .write(to: script, atomically: true, encoding: .utf8)
        chmod(script.path, 0o755)
        let config = try Self.config(
            """
            channels:
              pager: {type: command, command: ["\(script.path)", "\(out.path)"]}
              broken: {type: command, command: ["/bin/sh", "-c", "echo no route >&2; exit 3"]}
            announce: [pager, broken]
            delivery: {attempts: 2, initial_backoff: 10ms}
            """)
        let store = try SQLiteStore.inMemory()
        let id = try await Self.openIncident(store, config: config)
        let dispatcher = Dispatcher(
            store: store, config: config, sender: DefaultSender(logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        try await Self.drain(dispatcher) {
            try await store.deadLetters().count == 1 && FileManager.default.fileExists(atPath: out.path + ".env")
        }
        let message = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [String: Any]
        #expect((message?["incident"] as? [String: Any])?["severity"] as? String == "P1")
        #expect(try String(contentsOf: URL(fileURLWithPath: out.path + ".env"), encoding: .utf8) == "opened \(id)\n")
        let dead = try #require(try await store.deadLetters().first)
        #expect(dead.channel == "broken")
        #expect(dead.lastError?.contains("no route") == true)
    }

    @Test("an open circuit postpones without counting attempts, and a dead channel does not hold up another")
    func breakerIsolation() async throws {
        let good = try await WebhookReceiver.start()
        let bad = try await WebhookReceiver.start()
        defer {
            good.stop()
            bad.stop()
        }
        bad.answer(503)
        let config = try Self.config(
            """
            channels:
              good: {type: webhook, url: "\(good.url())"}
              bad: {type: webhook, url: "\(bad.url())"}
            announce: [good, bad]
            delivery: {attempts: 10, initial_backoff: 10ms, max_backoff: 10ms, breaker_failures: 2, breaker_cooldown: 1h}
            """)
        let store = try SQLiteStore.inMemory()
        let dispatcher = Dispatcher(
            store: store, config: config, sender: DefaultSender(logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        for _ in 0..<3 { _ = try await Self.openIncident(store, config: config) }
        try await Self.drain(dispatcher) {
            let states = await dispatcher.breakerStates()
            return good.deliveries.count == 3 && states["bad"] == "open"
        }
        try await Task.sleep(for: .milliseconds(100))
        for _ in 0..<5 {
            await dispatcher.tick()
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(good.deliveries.count == 3)
        #expect(bad.deliveries.count == 2, "the circuit opened after two failures and let nothing else through")
        #expect(await dispatcher.breakerStates()["bad"] == "open")
        #expect(try await store.deadLetters().isEmpty, "postponed, not dead")
    }
}
