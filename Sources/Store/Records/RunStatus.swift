/// The state of a run.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case pending
    case running
    case waiting
    case succeeded
    case failed
    case aborted
    case cancelled

    /// Whether the run has ended for good.
    public var isFinal: Bool { self == .succeeded || self == .failed || self == .aborted || self == .cancelled }
}

/// The state of a step (and of one attempt of it).
public enum StepStatus: String, Codable, Sendable, CaseIterable {
    case pending
    case running
    case succeeded
    case failed
    case skipped
    case timedOut = "timed_out"
    case waiting

    /// Whether the step is done and must never run again.
    public var isFinal: Bool {
        switch self {
        case .succeeded, .failed, .skipped, .timedOut: true
        case .pending, .running, .waiting: false
        }
    }
}
