import Basics
import Config
import Foundation
import Incidents
import Logging
import Metrics
import ServiceLifecycle
import Store

/// Delivers the notification outbox in the background: each channel on its own task, so a slow or dead channel
/// never holds up another; failed attempts retry with exponential backoff and jitter, behind a circuit breaker
/// per channel; after the last attempt a notification becomes a dead letter. Nothing is dropped: every outcome is
/// written back to the store.
public actor Dispatcher: Service {
    let store: any Storage
    let channels: [String: NotificationChannel]
    let settings: DeliverySettings
    let publicURL: String?
    let sender: any ChannelSender
    let logger: Logger
    let now: @Sendable () -> Date
    /// Who claims the notifications this dispatcher delivers.
    let owner: ClaimOwner
    /// How long a claimed notification stays this dispatcher's before another may deliver it.
    let lease: TimeInterval
    private var breakers: [String: CircuitBreaker] = [:]
    private var busy: Set<String> = []
    /// When the loop last looked at the outbox.
    public private(set) var lastTick: Date?

    /// Creates a dispatcher.
    public init(
        store: any Storage, config: FirebreakConfig, sender: any ChannelSender, logger: Logger,
        owner: ClaimOwner = .current(), lease: TimeInterval = 120, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.channels = config.channels
        self.settings = config.delivery
        self.publicURL = config.server.publicURL
        self.sender = sender
        self.logger = logger
        self.owner = owner
        self.lease = lease
        self.now = now
    }

    /// Polls the outbox until graceful shutdown (or cancellation); each channel's deliveries run as child tasks,
    /// and the ones in flight finish before it returns.
    public func run() async {
        logger.info(
            "notification dispatcher started",
            metadata: ["channels": .string(channels.keys.sorted().joined(separator: ","))])
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                for (channel, items) in await claimDue() {
                    group.addTask { await self.deliver(items, channel: channel) }
                }
                let interval = settings.pollInterval
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        }
        logger.info("notification dispatcher stopped")
    }

    /// Delivers every due notification once, waiting for the deliveries (tests; `run()` is the loop).
    public func tick() async {
        await withDiscardingTaskGroup { group in
            for (channel, items) in await claimDue() {
                group.addTask { await self.deliver(items, channel: channel) }
            }
        }
    }

    /// Claims the due notifications of every channel that has no delivery running, grouped by channel.
    private func claimDue() async -> [String: [ClaimedNotification]] {
        lastTick = now()
        let due: [ClaimedNotification]
        do {
            due = try await store.claimDueNotifications(at: now(), owner: owner, lease: lease, limit: 500)
        } catch {
            logger.error("cannot read the notification outbox: \(error)")
            return [:]
        }
        var byChannel = Dictionary(grouping: due, by: \.notification.channel)
        // A channel whose delivery is still running keeps these claims (a claim of the same owner is a renewal,
        // and releasing it would void the running delivery's claim); it takes them once it is free.
        for channel in byChannel.keys where busy.contains(channel) { byChannel[channel] = nil }
        busy.formUnion(byChannel.keys)
        return byChannel
    }

    /// The state of each channel's circuit breaker.
    public func breakerStates() -> [String: String] {
        breakers.mapValues(\.stateName)
    }

    private func deliver(_ items: [ClaimedNotification], channel name: String) async {
        defer { busy.remove(name) }
        for claimed in items {
            let item = claimed.notification
            guard let channel = channels[name] else {
                // A channel removed from the configuration: keep the row and say why, never drop it.
                await record(
                    failure:
                        "channel '\(name)' is not configured; add it to firebreak.yml, then 'firebreak dlq replay \(item.id)'",
                    claimed, channel: name, final: true)
                continue
            }
            var breaker =
                breakers[name]
                ?? CircuitBreaker(
                    threshold: settings.breakerFailures,
                    cooldown: settings.breakerCooldown.seconds)
            if let until = breaker.permit(at: now()) {
                breakers[name] = breaker
                try? await store.postponeNotification(id: item.id, until: until, claim: claimed.claim)
                continue
            }
            breakers[name] = breaker
            do {
                let incident = try await store.incident(id: item.incidentID)
                try await sender.send(Message(item, incident: incident, publicURL: publicURL), to: channel)
                breakers[name, default: breaker].succeeded()
                try await store.markNotificationSent(id: item.id, at: now(), claim: claimed.claim)
                Counter(label: "firebreak_notifications_total", dimensions: [("channel", name), ("result", "sent")])
                    .increment()
                logger.debug(
                    "notification delivered",
                    metadata: ["notification.id": .stringConvertible(item.id), "channel": .string(name)])
            } catch {
                breakers[name, default: breaker].failed(at: now())
                let final = item.attempts + 1 >= settings.attempts
                await record(failure: "\(error)", claimed, channel: name, final: final)
            }
        }
    }

    private func record(failure: String, _ claimed: ClaimedNotification, channel: String, final: Bool) async {
        let item = claimed.notification
        let retryAt = final ? nil : now().addingTimeInterval(backoff(attempt: item.attempts + 1))
        do {
            try await store.markNotificationFailed(id: item.id, error: failure, retryAt: retryAt, claim: claimed.claim)
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
