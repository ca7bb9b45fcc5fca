/// One executable step of a runbook.
public struct Step: Sendable, Equatable {
    /// What the step does.
    public enum Kind: Sendable, Equatable {
        /// A fenced `sh`, `bash`, `zsh` or `python3` block.
        case shell(language: ShellLanguage, script: String)
        /// A ` ```yaml {module=NAME} ` block; the body is YAML data.
        case module(name: String, body: String)
        /// A `- [ ] text` task-list item that a human performs.
        case manual(text: String)

        /// A short label: `sh`, `bash`, `module:backup`, `manual`.
        public var label: String {
            switch self {
            case .shell(let language, _): language.rawValue
            case .module(let name, _): "module:\(name)"
            case .manual: "manual"
            }
        }
    }

    /// Unique step name: the `name` attribute, or a slug of the heading.
    public var name: String
    /// What the step does.
    public var kind: Kind
    /// The nearest heading above the step, if any.
    public var heading: String?
    /// The prose between the heading (or previous step) and this step.
    public var prose: String
    /// Execution attributes.
    public var attributes: StepAttributes
    /// 1-based line of the fence or task item in the runbook file.
    public var line: Int

    /// Creates a step.
    public init(
        name: String, kind: Kind, heading: String? = nil, prose: String = "",
        attributes: StepAttributes = StepAttributes(), line: Int = 0
    ) {
        self.name = name
        self.kind = kind
        self.heading = heading
        self.prose = prose
        self.attributes = attributes
        self.line = line
    }

    /// Whether a human must act before the step runs in an automatic run.
    public var needsHuman: Bool {
        if case .manual = kind { return true }
        return attributes.confirm
    }
}

/// The interpreter of a shell step.
public enum ShellLanguage: String, Sendable, Equatable, CaseIterable {
    case sh
    case bash
    case zsh
    case python3

    /// Parses a fence language, accepting the aliases `shell` and `python`.
    public init?(fenceLanguage: String) {
        switch fenceLanguage {
        case "sh", "shell": self = .sh
        case "bash": self = .bash
        case "zsh": self = .zsh
        case "python3", "python", "py": self = .python3
        default: return nil
        }
    }
}

/// Backoff between attempts.
public enum Backoff: String, Sendable, Equatable {
    /// `delay * 2^(n-1)`, capped by `maxDelay`, with full jitter.
    case exponential = "exp"
    /// Always `delay`.
    case fixed
}

/// What happens when a step fails for good.
public enum FailurePolicy: Sendable, Equatable, CustomStringConvertible {
    /// End the run `failed`; later steps are skipped.
    case abort
    /// Record the failure and go on with the next step.
    case `continue`
    /// Jump to the named (later) step; the run ends `failed` after that path.
    case goto(String)

    public var description: String {
        switch self {
        case .abort: "abort"
        case .continue: "continue"
        case .goto(let name): "goto:\(name)"
        }
    }
}

/// Execution attributes of a step, from the fence line and `#|` header lines.
public struct StepAttributes: Sendable, Equatable {
    /// Limit of one attempt; `nil` means the runbook default (or none).
    public var timeout: Duration?
    /// How many times to try, at least 1.
    public var attempts: Int = 1
    /// Backoff shape between attempts.
    public var backoff: Backoff = .exponential
    /// Base delay between attempts.
    public var delay: Duration = .seconds(1)
    /// Cap of the delay between attempts.
    public var maxDelay: Duration?
    /// What to do when the last attempt fails.
    public var onFailure: FailurePolicy = .abort
    /// Ask a human before running.
    public var confirm: Bool = false
    /// Safe to re-run automatically after a crash.
    public var idempotent: Bool = false
    /// Store the last non-empty output line under this output name.
    public var capture: String?
    /// Run only when this expression is true.
    public var when: WhenExpression?
    /// Source text of `when`, for display.
    public var whenSource: String?
    /// Skipped in the normal flow; reached only through `goto`.
    public var rollback: Bool = false
    /// Working directory of a shell step, relative to the runbook's directory.
    public var cwd: String?
    /// Text shown when a human is asked to approve the step.
    public var approval: String?

    /// Creates default attributes.
    public init() {}
}
