import Foundation
import Incidents
import Testing

@Suite("circuit breaker")
struct CircuitBreakerTests {
    let start = Date(timeIntervalSince1970: 1_000)

    @Test("opens after the threshold, half-opens after the cool-down, closes on success")
    func lifecycle() {
        var breaker = CircuitBreaker(threshold: 3, cooldown: 30)
        #expect(breaker.permit(at: start) == nil)
        breaker.failed(at: start)
        breaker.failed(at: start)
        #expect(breaker.state == .closed, "two failures stay under the threshold")
        breaker.failed(at: start)
        #expect(breaker.state == .open(until: start.addingTimeInterval(30)))
        #expect(
            breaker.permit(at: start.addingTimeInterval(10)) == start.addingTimeInterval(30),
            "open: wait until the cool-down ends")
        #expect(breaker.permit(at: start.addingTimeInterval(30)) == nil)
        #expect(breaker.state == .halfOpen)
        breaker.succeeded()
        #expect(breaker.state == .closed)
        #expect(breaker.failures == 0)
    }

    @Test("a failed trial in half-open opens the circuit again at once")
    func halfOpenFailure() {
        var breaker = CircuitBreaker(threshold: 5, cooldown: 10)
        for _ in 0..<5 { breaker.failed(at: start) }
        _ = breaker.permit(at: start.addingTimeInterval(11))
        #expect(breaker.state == .halfOpen)
        breaker.failed(at: start.addingTimeInterval(11))
        #expect(breaker.state == .open(until: start.addingTimeInterval(21)))
    }

    @Test("a success resets the count of consecutive failures")
    func successResets() {
        var breaker = CircuitBreaker(threshold: 2, cooldown: 10)
        breaker.failed(at: start)
        breaker.succeeded()
        breaker.failed(at: start)
        #expect(breaker.state == .closed)
    }
}

@Suite("circuit breaker closing")
struct CircuitBreakerClosingTests {
    @Test("with successesToClose 2, one half-open success keeps it half-open; a failure re-opens it")
    func successesToClose() {
        let start = Date(timeIntervalSince1970: 0)
        var breaker = CircuitBreaker(threshold: 1, cooldown: 10, successesToClose: 2)
        breaker.failed(at: start)
        #expect(breaker.stateName == "open")
        #expect(breaker.permit(at: start.addingTimeInterval(11)) == nil)
        breaker.succeeded()
        #expect(breaker.stateName == "half-open")
        breaker.failed(at: start.addingTimeInterval(12))
        #expect(breaker.stateName == "open")
        #expect(breaker.permit(at: start.addingTimeInterval(23)) == nil)
        breaker.succeeded()
        breaker.succeeded()
        #expect(breaker.stateName == "closed")
    }
}
