import Config
import Foundation
import Hummingbird
import Incidents
import Logging
import Modules
import Notifications
import ServiceLifecycle
import Store
import WebConsole

/// The long-running server: the HTTP API, the escalation scheduler and the notification dispatcher in one
/// `ServiceGroup`, shut down gracefully on SIGTERM or SIGINT.
public struct FirebreakServer: Sendable {
    public let store: any Storage
    public let config: FirebreakConfig
    public let logger: Logger
    public let scheduler: EscalationScheduler
    public let dispatcher: Dispatcher
    public let launcher: RunLauncher
    public let tokens: TokenAuthority
    let dataDirectory: URL?
    let runsDirectory: URL
    let engine: IncidentEngine
    let limiter: RateLimiter
    let webhookLimiter: RateLimiter
    let pipeline: AlertPipeline
    /// Lets held-back alerts through when their silence ends.
    public let silences: SilenceSweeper
    let sns: SNSVerifier
    /// Health checks for `/health` and canaries, sharing circuit breakers.
    let monitor: HealthMonitor
    let modules: ModuleScheduler
    /// The database, disk and dependency checks behind `/health`, run in the background.
    let health: HealthReporter
    /// The limit on the routes that need no token (`/health`, `/metrics`), per address.
    let openLimiter: RateLimiter
    /// Users, schedules and overrides: whom a page reaches.
    public let directory: OnCallDirectory
    /// Every API route and the role it needs, filled in as the router is built.
    public let permissions = PermissionTable()
    /// Every console route and the role it needs, filled in as the router is built.
    public let consoleRoutes = ConsoleRouteTable()
    let audit: AuditLog
    let ackKeys = AckLinkKeys()
    /// The console's sessions and emailed sign-in links.
    public let sessions: SessionAuthority
    /// The console's templates.
    let renderer: PageRenderer
    /// Running steps' output, for the console.
    let live = LiveOutput()
    /// Sends the console's sign-in links in the background.
    let mailer: SignInMailer

    /// Wires the parts together. Metrics are bootstrapped here, once per process.
    /// - Throws: ``ConfigError`` when the SNS certificates configured cannot be loaded.
    public init(
        store: any Storage, config: FirebreakConfig, logger: Logger, sender: (any ChannelSender)? = nil,
        schedulerInterval: Duration = .milliseconds(250)
    ) throws {
        _ = FirebreakMetrics.registry
        self.store = store
        self.config = config
        self.logger = logger
        self.dataDirectory = store.directory
        let engine = IncidentEngine(policy: config.policy)
        self.engine = engine
        let directory = OnCallDirectory(config: config, store: store)
        self.directory = directory
        audit = AuditLog(store: store, logger: logger)
        scheduler = EscalationScheduler(
            store: store, engine: engine, directory: directory, logger: logger, interval: schedulerInterval)
        dispatcher = Dispatcher(
            store: store, config: config, sender: sender ?? DefaultSender(smtp: config.smtp, logger: logger),
            logger: logger, undeliverable: Self.pageFailed(store: store, engine: engine, logger: logger))
        let runsDirectory = (store.directory ?? FileManager.default.temporaryDirectory).appendingPathComponent("runs")
        self.runsDirectory = runsDirectory
        launcher = RunLauncher(
            store: store, runbooksDirectory: config.runbooksDirectory, runsDirectory: runsDirectory,
            limit: config.server.concurrentRuns, logger: logger, modules: config.modules, live: live)
        tokens = TokenAuthority(store: store)
        sessions = SessionAuthority(store: store)
        mailer = SignInMailer(smtp: config.smtp, logger: logger)
        do {
            renderer = try PageRenderer()
        } catch let error as ConsoleTemplateError {
            throw ServeError(error.message)
        }
        limiter = RateLimiter(rate: config.server.rateLimit, burst: config.server.rateBurst)
        webhookLimiter = RateLimiter(rate: config.webhooks.rateLimit, burst: config.webhooks.rateBurst)
        sns = try SNSVerifier(settings: config.webhooks.cloudwatch)
        if let problem = config.smtp?.missingPassword { throw ServeError(problem) }
        pipeline = AlertPipeline(
            store: store, engine: engine, policy: config.alerts,
            routes: RouteTable(directory: config.runbooksDirectory, logger: logger),
            launcher: launcher, maintenanceWindows: config.maintenanceWindows, logger: logger)
        silences = SilenceSweeper(
            store: store, pipeline: pipeline, windows: config.maintenanceWindows, logger: logger)
        monitor = HealthMonitor(store: store, breaker: config.modules.breaker)
        health = HealthReporter(
            store: store, dataDirectory: store.directory, minFreeDiskBytes: config.server.minFreeDiskBytes,
            monitor: monitor, checks: config.healthChecks)
        openLimiter = RateLimiter(rate: config.server.rateLimit, burst: config.server.rateBurst)
        modules = ModuleScheduler(
            config: config,
            backups: BackupEngine(store: store, repository: config.modules.repository(dataDirectory: store.directory)),
            monitor: monitor, pipeline: pipeline, logger: logger)
        if !config.webhooks.cloudwatch.verifySignatures {
            logger.warning(
                "webhooks.cloudwatch.verify_signatures is off: anyone who can reach /webhooks/cloudwatch with a token can forge CloudWatch alarms"
            )
        } else if config.webhooks.cloudwatch.certificates == nil {
            logger.info(
                "/webhooks/cloudwatch fetches each SNS signing certificate from Amazon (https://sns.<region>.amazonaws.com only), checks its chain and caches it; set webhooks.cloudwatch.certificates to verify offline"
            )
        }
    }

    /// The routes: `/health` and `/metrics` open, `/api/v1` behind tokens and the rate limit.
    public func makeRouter() -> Router<FirebreakContext> {
        let router = Router(context: FirebreakContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: RequestMiddleware(maxBodyBytes: config.server.maxBodyBytes))
        HealthRoutes(
            store: store, scheduler: scheduler, dispatcher: dispatcher, pipeline: pipeline, reporter: health,
            registry: FirebreakMetrics.registry, monitor: monitor
        )
        .register(on: router.group().add(middleware: OpenAccessMiddleware(limiter: openLimiter)))
        AckRoutes(store: store, engine: engine, audit: audit, baseURL: linkBase, links: ackKeys)
            .register(on: router.group().add(middleware: OpenAccessMiddleware(limiter: openLimiter)))
        let api = GuardedRoutes(
            group: router.group("api/v1").add(
                middleware: AccessMiddleware(tokens: tokens, limiter: limiter, audit: audit)),
            prefix: "/api/v1/", table: permissions, audit: audit)
        IncidentRoutes(store: store, engine: engine, users: Set(config.users.keys)).register(on: api)
        RunRoutes(store: store, launcher: launcher, runsDirectory: runsDirectory).register(on: api)
        ScheduleRoutes(directory: directory, store: store).register(on: api)
        SilenceRoutes(store: store).register(on: api)
        ConsoleRoutes(
            store: store, engine: engine, config: config, directory: directory, tokens: tokens, sessions: sessions,
            renderer: renderer, audit: audit, launcher: launcher, runsDirectory: runsDirectory, live: live,
            linkBase: linkBase, mailer: mailer
        )
        .register(
            open: ConsoleGroup(
                group: router.group().add(middleware: OpenAccessMiddleware(limiter: openLimiter))
                    .add(
                        middleware: ConsoleMiddleware(
                            sessions: sessions, renderer: renderer, feed: store.changes, audit: audit,
                            requireSession: false)),
                table: consoleRoutes, guarded: false, audit: audit),
            guarded: ConsoleGroup(
                group: router.group().add(middleware: OpenAccessMiddleware(limiter: limiter))
                    .add(
                        middleware: ConsoleMiddleware(
                            sessions: sessions, renderer: renderer, feed: store.changes, audit: audit,
                            requireSession: true)),
                table: consoleRoutes, guarded: true, audit: audit))
        let verdicts = TokenVerdictCache(authority: tokens)
        WebhookRoutes(
            pipeline: pipeline, store: store, settings: config.webhooks, sns: sns, tokens: verdicts, logger: logger
        )
        .register(
            webhooks: router.group("webhooks").add(
                middleware: WebhookAccess(tokens: verdicts, limiter: webhookLimiter)),
            pagerDuty: router.group("v2").add(
                middleware: WebhookAccess(tokens: verdicts, limiter: webhookLimiter, bodyKey: true)))
        return router
    }

    /// The HTTP application with the services that requests depend on (the alert writer and the run launcher)
    /// attached, for tests and embedding: `app.test(.router)` and `runService()` run them beside the routes.
    /// `onRunning` receives the bound port (useful with port 0).
    public func makeApplication(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        var app = makeHTTPApplication(host: host, port: port, onRunning: onRunning)
        app.addServices(pipeline, launcher, mailer)
        return app
    }

    /// The HTTP application alone; ``run(host:port:onRunning:)`` puts it in the group beside the other services.
    func makeHTTPApplication(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void)
        -> Application<RouterResponder<FirebreakContext>>
    {
        let logger = self.logger
        return Application(
            router: makeRouter(),
            server: .http1(configuration: .init(additionalChannelHandlers: [ParserErrorResponder()])),
            configuration: .init(address: .hostname(host, port: port), serverName: "firebreak"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.notice("listening on http://\(host):\(bound)")
                await onRunning(bound)
            },
            logger: logger)
    }

    /// Runs until SIGTERM or SIGINT, then stops in order: the HTTP server first (no new connections, requests
    /// in flight finish), then the module scheduler and health rounds, then the run launcher (it waits for the runs
    /// in flight; `kill -9` leaves them to the next `serve`), then escalations and notifications, and the alert
    /// writer last, after it committed what was queued.
    public func run(host: String, port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws
    {
        let modules = self.modules
        let health = self.health
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    // A group stops its services in reverse order: the last one listed stops first.
                    .init(service: pipeline),
                    // Paging goes on while the launcher waits for the runs in flight.
                    .init(service: dispatcher),
                    .init(service: scheduler),
                    .init(service: silences),
                    .init(service: mailer),
                    .init(service: launcher),
                    .init(service: LoopService { await health.run() }),
                    .init(service: LoopService { await Self.watchForeignCommits(store) }),
                    // Without schedules or canaries it returns at once; that must not stop the group.
                    .init(service: LoopService { await modules.run() }, successTerminationBehavior: .ignore),
                    .init(service: makeHTTPApplication(host: host, port: port, onRunning: onRunning)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        logger.notice("stopped")
    }
}

extension FirebreakServer {
    /// Where links in pages point: `server.public_url`, else the address the server listens on.
    var linkBase: String { config.server.publicURL ?? "http://\(config.server.host):\(config.server.port)" }

    /// Once a second, lets the console's live pages hear of what a terminal committed.
    static func watchForeignCommits(_ store: any Storage) async {
        while !Task.isCancelled {
            await store.announceForeignCommits()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// When every contact method of a paged person failed: the incident moves on to its next level at once.
    static func pageFailed(store: any Storage, engine: IncidentEngine, logger: Logger)
        -> @Sendable (NotificationRecord, String, String) async -> Void
    {
        { item, user, failure in
            let level = Int(item.details["level"] ?? "") ?? 0
            let cycle = Int(item.details["cycle"] ?? "") ?? 0
            let reason = "every contact method of \(user) failed; the last: \(failure)"
            do {
                let now = Date()
                _ = try await store.updateIncident(id: item.incidentID, at: now) {
                    engine.pageUndeliverable($0, user: user, level: level, cycle: cycle, reason: reason, at: now)
                }
            } catch {
                logger.error(
                    "cannot record an undeliverable page: \(error)", metadata: ["incident.id": .string(item.incidentID)]
                )
            }
        }
    }
}

/// A background loop that stops when the service group shuts down.
struct LoopService: Service {
    let body: @Sendable () async -> Void

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await body()
        }
    }
}
