import Foundation

/// How a check came out. Ordered: healthy < degraded < unhealthy.
public enum HealthStatus: String, Sendable, Codable, Comparable, CaseIterable {
    case healthy
    case degraded
    case unhealthy

    var rank: Int {
        switch self {
        case .healthy: 0
        case .degraded: 1
        case .unhealthy: 2
        }
    }

    public static func < (lhs: HealthStatus, rhs: HealthStatus) -> Bool { lhs.rank < rhs.rank }
}

/// One dependency check.
public struct HealthCheck: Sendable, Equatable {
    /// What is probed.
    public enum Probe: Sendable, Equatable {
        /// An HTTP request: the status must be one of `expectStatus`, the body must contain `bodyContains`.
        case http(url: String, method: String, expectStatus: [Int], bodyContains: String?)
        /// A TCP connection.
        case tcp(host: String, port: Int)
        /// A SQLite database opened read-only and queried; `expect` compares the first value.
        case sqlite(path: String, query: String, expect: String?)
        /// Free space on the filesystem of `path`.
        case disk(path: String, minFreePercent: Double)
        /// A shell command that must exit 0.
        case command(String)
        /// The newest good backup of `source` must be younger than `maxAge`.
        case backupFreshness(source: String, maxAge: Duration)

        /// `http`, `tcp`, `sqlite`, `disk`, `command` or `backup_freshness`.
        public var kind: String {
            switch self {
            case .http: "http"
            case .tcp: "tcp"
            case .sqlite: "sqlite"
            case .disk: "disk"
            case .command: "command"
            case .backupFreshness: "backup_freshness"
            }
        }

        /// What the circuit breaker is keyed by: the endpoint, so checks of one target share a breaker.
        public var target: String {
            switch self {
            case .http(let url, _, _, _):
                if let components = URLComponents(string: url), let host = components.host {
                    return "http:\(host):\(components.port ?? (components.scheme == "https" ? 443 : 80))"
                }
                return "http:\(url)"
            case .tcp(let host, let port): return "tcp:\(host):\(port)"
            case .sqlite(let path, _, _): return "sqlite:\(path)"
            case .disk(let path, _): return "disk:\(path)"
            case .command(let command): return "command:\(command)"
            case .backupFreshness(let source, _): return "backup:\(source)"
            }
        }
    }

    /// The check's name, shown in results and metrics.
    public var name: String
    public var probe: Probe
    /// How long one attempt may take.
    public var timeout: Duration
    /// Slower than this (but otherwise passing) is `degraded`.
    public var degradedAfter: Duration?
    /// A failing critical check makes a set unhealthy; a failing non-critical one makes it degraded.
    public var critical: Bool
    /// Extra attempts after a failure, with exponential backoff starting at `retryDelay`.
    public var retries: Int
    public var retryDelay: Duration

    public init(
        name: String, probe: Probe, timeout: Duration = .seconds(5), degradedAfter: Duration? = nil,
        critical: Bool = true, retries: Int = 0, retryDelay: Duration = .milliseconds(500)
    ) {
        self.name = name
        self.probe = probe
        self.timeout = timeout
        self.degradedAfter = degradedAfter
        self.critical = critical
        self.retries = retries
        self.retryDelay = retryDelay
    }
}

/// The result of one check.
public struct HealthResult: Sendable, Equatable {
    public var name: String
    public var kind: String
    public var status: HealthStatus
    /// Wall time of the last attempt.
    public var latencyMs: Int64
    public var message: String
    /// Attempts made (0 when the breaker failed it fast).
    public var attempts: Int
    /// The circuit breaker's state after the check: `closed`, `open` or `half-open`.
    public var breaker: String
    public var critical: Bool

    public init(
        name: String, kind: String, status: HealthStatus, latencyMs: Int64, message: String, attempts: Int,
        breaker: String, critical: Bool
    ) {
        self.name = name
        self.kind = kind
        self.status = status
        self.latencyMs = latencyMs
        self.message = message
        self.attempts = attempts
        self.breaker = breaker
        self.critical = critical
    }
}

/// The results of a set of checks and their aggregate: the worst of the critical checks, and at least `degraded`
/// when a non-critical check fails.
public struct HealthSummary: Sendable, Equatable {
    public var status: HealthStatus
    public var results: [HealthResult]

    public init(results: [HealthResult]) {
        self.results = results
        var status = results.filter(\.critical).map(\.status).max() ?? .healthy
        if results.contains(where: { !$0.critical && $0.status != .healthy }) { status = max(status, .degraded) }
        self.status = status
    }
}

/// Settings of the per-target circuit breakers.
public struct BreakerSettings: Sendable, Equatable {
    /// Consecutive failures that open a breaker.
    public var failures: Int
    /// How long it stays open (failing fast) before a trial.
    public var cooldown: Duration
    /// Successes in a row, half-open, that close it.
    public var successes: Int

    public init(failures: Int = 3, cooldown: Duration = .seconds(30), successes: Int = 2) {
        self.failures = failures
        self.cooldown = cooldown
        self.successes = successes
    }
}
