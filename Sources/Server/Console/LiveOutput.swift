import Foundation
import Runbooks
import Store
import Synchronization
import Workflows

/// The output of the steps running in this process, line by line and redacted, for the run page's live view.
/// Nothing is kept: a page that opens mid-step sees the lines from then on, and the stored attempt afterwards.
public final class LiveOutput: Sendable {
    /// A line of output, or the end of a step or run.
    public enum Event: Sendable, Equatable {
        case line(String)
        case stepEnded(String)
        case runEnded
    }

    private struct State {
        var listeners: [Int64: [UInt64: AsyncStream<Event>.Continuation]] = [:]
        var next: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The events of one run from now on.
    public func listen(runID: Int64) -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(2_000))
        let id = state.withLock { state in
            state.next += 1
            state.listeners[runID, default: [:]][state.next] = continuation
            return state.next
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { state in
                state.listeners[runID]?[id] = nil
                if state.listeners[runID]?.isEmpty == true { state.listeners[runID] = nil }
            }
        }
        return stream
    }

    func publish(_ event: Event, runID: Int64) {
        let listeners = state.withLock { Array(($0.listeners[runID] ?? [:]).values) }
        for listener in listeners { listener.yield(event) }
    }

    /// An observer for one run's executor.
    func observer(runID: Int64) -> any RunObserver { Observer(runID: runID, live: self) }

    struct Observer: RunObserver {
        let runID: Int64
        let live: LiveOutput

        var wantsLiveOutput: Bool { true }

        func output(_ text: String) {
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                live.publish(.line(String(line)), runID: runID)
            }
        }

        func attemptFinished(_ step: Step, attempt: Int, outcome: StepOutcome) {
            live.publish(.stepEnded(step.name), runID: runID)
        }

        func runFinished(_ run: RunRecord) {
            live.publish(.runEnded, runID: runID)
        }
    }
}
