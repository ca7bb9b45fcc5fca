import Store

/// The result of one attempt of any kind of step.
public struct StepOutcome: Sendable, Equatable {
    /// `succeeded`, `failed` or `timed_out`.
    public var status: StepStatus
    /// Exit code of a shell step.
    public var exitCode: Int?
    /// Redacted output tail (or a module's message).
    public var output: String
    /// Outputs published by the attempt.
    public var outputs: [String: String]
    /// Why it failed, in words.
    public var reason: String?
    /// Wall time.
    public var duration: Duration
    /// The signal that interrupted it, if any.
    public var interruptedBy: Int32?

    /// Creates an outcome.
    public init(
        status: StepStatus, exitCode: Int? = nil, output: String = "", outputs: [String: String] = [:],
        reason: String? = nil, duration: Duration = .zero, interruptedBy: Int32? = nil
    ) {
        self.status = status
        self.exitCode = exitCode
        self.output = output
        self.outputs = outputs
        self.reason = reason
        self.duration = duration
        self.interruptedBy = interruptedBy
    }
}
