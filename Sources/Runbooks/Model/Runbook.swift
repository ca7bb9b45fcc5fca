import Incidents

/// A parsed runbook: front matter plus the steps the engine runs, in document order.
public struct Runbook: Sendable, Equatable {
    /// Stable identifier; defaults to the file name without `.md`.
    public var id: String
    /// Human title, from the front matter or the first `#` heading.
    public var title: String
    /// Default severity of incidents this runbook opens.
    public var severity: Severity?
    /// Owning team or person.
    public var owner: String?
    /// Free-form tags.
    public var tags: [String]
    /// Alert matchers that start this runbook automatically.
    public var triggers: [Trigger]
    /// Environment variables every shell step sees, in declaration order.
    public var env: [EnvVar]
    /// Default timeout of each step, unless the step sets its own.
    public var timeout: Duration?
    /// Declared parameters, in declaration order.
    public var params: [Param]
    /// The executable steps, in document order.
    public var steps: [Step]
    /// The Markdown body after the front matter.
    public var body: String
    /// 1-based line of the first body line in the original file.
    public var bodyStartLine: Int

    /// Creates a runbook value.
    public init(
        id: String, title: String, severity: Severity? = nil, owner: String? = nil, tags: [String] = [],
        triggers: [Trigger] = [], env: [EnvVar] = [], timeout: Duration? = nil, params: [Param] = [],
        steps: [Step] = [], body: String = "", bodyStartLine: Int = 1
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.owner = owner
        self.tags = tags
        self.triggers = triggers
        self.env = env
        self.timeout = timeout
        self.params = params
        self.steps = steps
        self.body = body
        self.bodyStartLine = bodyStartLine
    }

    /// The step with this name, if any.
    public func step(named name: String) -> Step? {
        steps.first { $0.name == name }
    }

    /// The index of the step with this name, if any.
    public func index(ofStep name: String) -> Int? {
        steps.firstIndex { $0.name == name }
    }

    /// The param with this name, if any.
    public func param(named name: String) -> Param? {
        params.first { $0.name == name }
    }
}

/// A `NAME: value` pair from the front matter `env` map.
public struct EnvVar: Sendable, Equatable {
    /// Variable name.
    public var name: String
    /// Variable value.
    public var value: String

    /// Creates an environment variable.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}
