import Foundation

/// A circuit breaker for one channel: closed → open after `threshold` consecutive failures → half-open after
/// `cooldown`, when one trial goes through; success closes it, failure opens it again. Pure; time is passed in.
public struct CircuitBreaker: Sendable, Equatable {
    /// The breaker's state.
    public enum State: Sendable, Equatable {
        /// Deliveries go through.
        case closed
        /// Deliveries wait until the cool-down ends.
        case open(until: Date)
        /// One trial delivery is allowed.
        case halfOpen
    }

    /// Consecutive failures that open the circuit.
    public let threshold: Int
    /// How long the circuit stays open.
    public let cooldown: TimeInterval
    /// Where the breaker is.
    public private(set) var state: State = .closed
    /// Consecutive failures so far.
    public private(set) var failures = 0

    /// Creates a closed breaker.
    public init(threshold: Int, cooldown: TimeInterval) {
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
    }

    /// Whether a delivery may be attempted at `time`; `nil` means yes, a date means "not before".
    public mutating func permit(at time: Date) -> Date? {
        switch state {
        case .closed, .halfOpen:
            return nil
        case .open(let until):
            if time >= until {
                state = .halfOpen
                return nil
            }
            return until
        }
    }

    /// Records a delivered message.
    public mutating func succeeded() {
        failures = 0
        state = .closed
    }

    /// Records a failed attempt at `time`.
    public mutating func failed(at time: Date) {
        failures += 1
        if state == .halfOpen || failures >= threshold {
            state = .open(until: time.addingTimeInterval(cooldown))
        }
    }

    /// A name for logs and JSON.
    public var stateName: String {
        switch state {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half-open"
        }
    }
}
