import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT (Ctrl-C) and SIGTERM into events the executor can wait for, instead of killing the process.
public final class InterruptSource: Sendable {
    private struct State {
        var waiters: [Int: CheckedContinuation<Int32, Never>] = [:]
        var nextID = 0
        var idleHandler: (@Sendable (Int32) -> Void)?
    }

    private let state = Mutex(State())
    // DispatchSource is thread-safe; the sources are only kept alive here.
    private nonisolated(unsafe) var sources: [any DispatchSourceSignal] = []

    /// Starts catching `signals`.
    public init(signals: [Int32] = [SIGINT, SIGTERM]) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.deliver(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Sets what happens to a signal that arrives while no step is running.
    public func setIdleHandler(_ handler: (@Sendable (Int32) -> Void)?) {
        state.withLock { $0.idleHandler = handler }
    }

    private func deliver(_ number: Int32) {
        let (waiters, idle) = state.withLock { state -> ([CheckedContinuation<Int32, Never>], (@Sendable (Int32) -> Void)?) in
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            return (waiters, state.idleHandler)
        }
        if waiters.isEmpty {
            idle?(number)
        } else {
            for waiter in waiters { waiter.resume(returning: number) }
        }
    }

    /// Waits for the next signal; returns its number, or `nil` when the task is cancelled.
    func next() async -> Int32? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let number = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if cancelled { continuation.resume(returning: 0) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: 0)
        }
        return number == 0 ? nil : number
    }
}
