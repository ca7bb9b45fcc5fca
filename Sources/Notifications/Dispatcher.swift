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
    /// The people pages go to, by handle.
    let users: [String: User]
    /// Where acknowledge links point.
    let linkBase: String
    /// Told when every contact method of a paged person failed, with the last dead notification and the user.
    let undeliverable: (@Sendable (NotificationRecord, String, String) async -> Void)?
    private var ackLinks: AckLinks?
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
        owner: ClaimOwner = .current(), lease: TimeInterval = 120,
        undeliverable: (@Sendable (NotificationRecord, String, String) async -> Void)? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.channels = config.channels
        self.users = config.users
        self.linkBase = config.server.publicURL ?? "http://\(config.server.host):\(config.server.port)"
        self.undeliverable = undeliverable
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
            guard let (channel, recipient) = resolve(name) else {
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
                var link: String?
                if let recipient, item.event == "escalated" {
                    link = try await links().url(
                        notificationID: item.id, user: recipient, incidentID: incident.id, sentAt: now())
                }
                var message = Message(
                    item, incident: incident, publicURL: publicURL, recipient: recipient, acknowledgeLink: link)
                if let recipient, let name = users[recipient]?.name, name != recipient { message.recipientName = name }
                try await sender.send(message, to: channel)
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
            if let (user, _) = User.parseChannel(channel), let undeliverable, await allFailed(item, user: user) {
                await undeliverable(item, user, failure)
            }
            logger.error(
                "notification is a dead letter after \(item.attempts + 1) attempts: \(failure); replay it with 'firebreak dlq replay \(item.id)'",
                metadata: ["notification.id": .stringConvertible(item.id), "channel": .string(channel)])
        } else {
            logger.warning(
                "notification failed, will retry: \(failure)",
                metadata: ["notification.id": .stringConvertible(item.id), "channel": .string(channel)])
        }
    }

    /// The channel a notification goes to: a configured one, or a contact method of a user (`user:alice:email`).
    private func resolve(_ name: String) -> (NotificationChannel, recipient: String?)? {
        if let channel = channels[name] { return (channel, nil) }
        guard let (handle, methodID) = User.parseChannel(name), let user = users[handle],
            let method = user.contacts.first(where: { $0.id == methodID })
        else { return nil }
        switch method.kind {
        case .email(let address): return (NotificationChannel(name: name, kind: .email(to: [address])), handle)
        case .webhook(let url, let format):
            return (NotificationChannel(name: name, kind: .webhook(url: url, format: format, headers: [:])), handle)
        case .command(let argv, let number):
            var environment = ["FIREBREAK_USER": handle]
            if let number { environment["FIREBREAK_CONTACT_NUMBER"] = number }
            return (NotificationChannel(name: name, kind: .command(argv, environment: environment)), handle)
        }
    }

    /// Whether every page of this level to `user` is a dead letter.
    private func allFailed(_ item: NotificationRecord, user: String) async -> Bool {
        guard let all = try? await store.notifications(incidentID: item.incidentID) else { return false }
        let pages = all.filter {
            User.parseChannel($0.channel)?.handle == user && $0.event == item.event
                && $0.details["level"] == item.details["level"] && $0.details["cycle"] == item.details["cycle"]
        }
        return !pages.isEmpty && pages.allSatisfy { $0.status == .dead }
    }

    /// The acknowledge-link signer, with the key from the store (created on first use).
    private func links() async throws -> AckLinks {
        if let ackLinks { return ackLinks }
        let secret = try await store.secret(named: AckLinks.secretName, initial: AckLinks.newSecret())
        let links = AckLinks(secret: secret, baseURL: linkBase)
        ackLinks = links
        return links
    }

    /// Equal jitter: a random delay between half and all of `initial × 2^(attempt-1)`, capped at `max`, so retries never bunch at zero.
    func backoff(attempt: Int) -> TimeInterval {
        let ceiling = min(
            settings.maxBackoff.seconds,
            settings.initialBackoff.seconds * pow(2, Double(max(0, attempt - 1))))
        return ceiling <= 0 ? 0 : Double.random(in: ceiling / 2...ceiling)
    }
}
