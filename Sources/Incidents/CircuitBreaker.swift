import Foundation

/// A circuit breaker for one target (a notification channel, a health-check target): closed → open after
/// `threshold` consecutive failures → half-open after `cooldown`, when trials go through; `successesToClose`
/// successes in a row close it, one failure opens it again. Pure; time is passed in.
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
    /// Successes in a row, while half-open, that close the circuit.
    public let successesToClose: Int
    /// Consecutive failures so far.
    public private(set) var failures = 0
    /// Successes so far while half-open.
    public private(set) var trialSuccesses = 0

    /// Creates a closed breaker.
    public init(threshold: Int, cooldown: TimeInterval, successesToClose: Int = 1) {
        self.threshold = max(1, threshold)
        self.cooldown = cooldown
        self.successesToClose = max(1, successesToClose)
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

    /// Records a success.
    public mutating func succeeded() {
        failures = 0
        if state == .halfOpen {
            trialSuccesses += 1
            guard trialSuccesses >= successesToClose else { return }
        }
        trialSuccesses = 0
        state = .closed
    }

    /// Records a failed attempt at `time`.
    public mutating func failed(at time: Date) {
        failures += 1
        trialSuccesses = 0
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
