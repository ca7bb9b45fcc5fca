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
        /// True while a step runs: a signal that arrives before its waiter is registered is kept, not
        /// handed to the idle handler (under load, Ctrl-C can land between spawn and `next()`).
        var stepActive = false
        var pending: Int32?
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

    func deliver(_ number: Int32) {
        let (waiters, idle) = state.withLock {
            state -> ([CheckedContinuation<Int32, Never>], (@Sendable (Int32) -> Void)?) in
            let waiters = Array(state.waiters.values)
            state.waiters.removeAll()
            if waiters.isEmpty && state.stepActive {
                state.pending = number
                return ([], nil)
            }
            return (waiters, state.idleHandler)
        }
        if waiters.isEmpty {
            idle?(number)
        } else {
            for waiter in waiters { waiter.resume(returning: number) }
        }
    }

    /// Marks a step as running until `endStep()`: signals from now on belong to the step.
    func beginStep() {
        state.withLock { state in
            state.stepActive = true
            state.pending = nil
        }
    }

    /// Marks the step as finished: signals go to the idle handler again.
    func endStep() {
        state.withLock { state in
            state.stepActive = false
            state.pending = nil
        }
    }

    /// Waits for the next signal (or returns one that arrived since `beginStep()`); returns its number,
    /// or `nil` when the task is cancelled.
    func next() async -> Int32? {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        let number = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> Int32? in
                    if Task.isCancelled { return 0 }
                    if let pending = state.pending {
                        state.pending = nil
                        return pending
                    }
                    state.waiters[id] = continuation
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: 0)
        }
        return number == 0 ? nil : number
    }
}
