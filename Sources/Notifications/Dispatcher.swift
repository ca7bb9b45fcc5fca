import Config
import Foundation
import Incidents
import Logging
import Metrics
import Store

/// Delivers the notification outbox in the background: each channel on its own task, so a slow or dead channel
/// never holds up another; failed attempts retry with exponential backoff and jitter, behind a circuit breaker
/// per channel; after the last attempt a notification becomes a dead letter. Nothing is dropped: every outcome is
/// written back to the store.
public actor Dispatcher {
    let store: Store
    let channels: [String: NotificationChannel]
    let settings: DeliverySettings
    let publicURL: String?
    let sender: any ChannelSender
    let logger: Logger
    let now: @Sendable () -> Date
    private var breakers: [String: CircuitBreaker] = [:]
    private var busy: Set<String> = []
    private var workers: [String: Task<Void, Never>] = [:]
    /// When the loop last looked at the outbox.
    public private(set) var lastTick: Date?

    /// Creates a dispatcher.
    public init(
        store: Store, config: FirebreakConfig, sender: any ChannelSender, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.channels = config.channels
        self.settings = config.delivery
        self.publicURL = config.server.publicURL
        self.sender = sender
        self.logger = logger
        self.now = now
    }

    /// Polls the outbox until cancelled, then waits for deliveries in flight.
    public func run() async {
        logger.info(
            "notification dispatcher started",
            metadata: ["channels": .string(channels.keys.sorted().joined(separator: ","))])
        while !Task.isCancelled {
            tick()
            try? await Task.sleep(for: settings.pollInterval)
        }
        for worker in workers.values { await worker.value }
        logger.info("notification dispatcher stopped")
    }

    /// Starts a delivery task for every channel with due notifications that has none running.
    public func tick() {
        lastTick = now()
        let due: [NotificationRecord]
        do {
            due = try store.dueNotifications(at: now(), limit: 500)
        } catch {
            logger.error("cannot read the notification outbox: \(error)")
            return
        }
        let byChannel = Dictionary(grouping: due, by: \.channel)
        for (channel, items) in byChannel where !busy.contains(channel) {
            busy.insert(channel)
            workers[channel] = Task { await self.deliver(items, channel: channel) }
        }
    }

    /// The state of each channel's circuit breaker.
    public func breakerStates() -> [String: String] {
        breakers.mapValues(\.stateName)
    }

    private func deliver(_ items: [NotificationRecord], channel name: String) async {
        defer {
            busy.remove(name)
            workers[name] = nil
        }
        for item in items {
            guard let channel = channels[name] else {
                // A channel removed from the configuration: keep the row and say why, never drop it.
                record(
                    failure:
                        "channel '\(name)' is not configured; add it to firebreak.yml, then 'firebreak dlq replay \(item.id)'",
                    item, channel: name, final: true)
                continue
            }
            var breaker =
                breakers[name]
                ?? CircuitBreaker(
                    threshold: settings.breakerFailures,
                    cooldown: settings.breakerCooldown.seconds)
            if let until = breaker.permit(at: now()) {
                breakers[name] = breaker
                try? store.postponeNotification(id: item.id, until: until)
                continue
            }
            breakers[name] = breaker
            do {
                let incident = try store.incident(id: item.incidentID)
                try await sender.send(Message(item, incident: incident, publicURL: publicURL), to: channel)
                breakers[name, default: breaker].succeeded()
                try store.markNotificationSent(id: item.id, at: now())
                Counter(label: "firebreak_notifications_total", dimensions: [("channel", name), ("result", "sent")])
                    .increment()
                logger.debug(
                    "notification delivered",
                    metadata: ["notification.id": .stringConvertible(item.id), "channel": .string(name)])
            } catch {
                breakers[name, default: breaker].failed(at: now())
                let final = item.attempts + 1 >= settings.attempts
                record(failure: "\(error)", item, channel: name, final: final)
            }
        }
    }

    private func record(failure: String, _ item: NotificationRecord, channel: String, final: Bool) {
        let retryAt = final ? nil : now().addingTimeInterval(backoff(attempt: item.attempts + 1))
        do {
            try store.markNotificationFailed(id: item.id, error: failure, retryAt: retryAt)
        } catch {
            logger.error(
                "cannot record a failed notification: \(error)",
                metadata: ["notification.id": .stringConvertible(item.id)])
            return
        }
        Counter(
            label: "firebreak_notifications_total",
            dimensions: [("channel", channel), ("result", final ? "dead" : "failed")]
        ).increment()
        var logger = self.logger
        logger[metadataKey: "incident.id"] = .string(item.incidentID)
        if final {
            logger.error(
                "notification is a dead letter after \(item.attempts + 1) attempts: \(failure); replay it with 'firebreak dlq replay \(item.id)'",
                metadata: ["notification.id": .stringConvertible(item.id), "channel": .string(channel)])
        } else {
            logger.warning(
                "notification failed, will retry: \(failure)",
                metadata: ["notification.id": .stringConvertible(item.id), "channel": .string(channel)])
        }
    }

    /// Equal jitter: a random delay between half and all of `initial × 2^(attempt-1)`, capped at `max`, so retries never bunch at zero.
    func backoff(attempt: Int) -> TimeInterval {
        let ceiling = min(
            settings.maxBackoff.seconds,
            settings.initialBackoff.seconds * pow(2, Double(max(0, attempt - 1))))
        return ceiling <= 0 ? 0 : Double.random(in: ceiling / 2...ceiling)
    }
}
