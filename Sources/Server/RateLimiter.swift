import Foundation
import Synchronization

/// Token buckets per caller: `rate` requests per second refill a bucket of `burst`.
public final class RateLimiter: Sendable {
    /// The outcome of one request.
    public struct Decision: Sendable, Equatable {
        /// Whether the request may go ahead.
        public var allowed: Bool
        /// `X-RateLimit-Limit`: the bucket size.
        public var limit: Int
        /// `X-RateLimit-Remaining`: whole requests left now.
        public var remaining: Int
        /// `X-RateLimit-Reset`: seconds until the bucket is full again.
        public var reset: Int
        /// `Retry-After` for a refused request: seconds until one request is allowed.
        public var retryAfter: Int
    }

    struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let rate: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    public init(rate: Double, burst: Double) {
        self.rate = max(rate, 0.001)
        self.burst = max(burst, 1)
    }

    /// Takes one request from `key`'s bucket at `now` (seconds on a monotonic clock).
    public func take(_ key: String, now: Double = RateLimiter.monotonicNow()) -> Decision {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + max(0, now - bucket.updated) * rate)
            bucket.updated = now
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            buckets[key] = bucket
            if buckets.count > 10_000 {
                // Forget full buckets so that many callers cannot grow the table without bound.
                buckets = buckets.filter { $0.value.tokens + (now - $0.value.updated) * rate < burst }
            }
            return Decision(
                allowed: allowed, limit: Int(burst), remaining: Int(bucket.tokens.rounded(.down)),
                reset: Int(((burst - bucket.tokens) / rate).rounded(.up)),
                retryAfter: allowed ? 0 : max(1, Int(((1 - bucket.tokens) / rate).rounded(.up))))
        }
    }

    /// Seconds on a clock that never goes back.
    public static func monotonicNow() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
