import Basics
import Runbooks

/// Computes the wait before a retry: exponential with full jitter, or fixed.
public struct BackoffPolicy: Sendable {
    /// Shape of the backoff.
    public var backoff: Backoff
    /// Base delay.
    public var delay: Duration
    /// Upper bound of any wait.
    public var maxDelay: Duration?

    /// Creates a policy from a step's attributes.
    public init(_ attributes: StepAttributes) {
        self.backoff = attributes.backoff
        self.delay = attributes.delay
        self.maxDelay = attributes.maxDelay
    }

    /// The largest wait before attempt `attempt` (2 for the first retry): `delay * 2^(attempt-2)` capped by `maxDelay`.
    public func ceiling(beforeAttempt attempt: Int) -> Duration {
        let base = delay.milliseconds
        var ceiling: Int64
        switch backoff {
        case .fixed:
            ceiling = base
        case .exponential:
            let exponent = min(max(attempt - 2, 0), 40)
            let (product, overflow) = base.multipliedReportingOverflow(by: Int64(1) << exponent)
            ceiling = overflow ? Int64.max / 2 : product
        }
        if let maxDelay { ceiling = min(ceiling, maxDelay.milliseconds) }
        return .milliseconds(ceiling)
    }

    /// The wait before attempt `attempt`; exponential waits are drawn uniformly from 0 to the ceiling (full jitter).
    public func wait(beforeAttempt attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(beforeAttempt: attempt).milliseconds
        switch backoff {
        case .fixed: return .milliseconds(ceiling)
        case .exponential: return .milliseconds(ceiling > 0 ? Int64.random(in: 0...ceiling, using: &generator) : 0)
        }
    }
}
