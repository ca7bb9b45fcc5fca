import Foundation
import Incidents
import Runbooks

/// The runbooks in the runbooks directory.
public struct RunbooksPage: Sendable {
    public struct Row: Sendable {
        public var id: String
        public var title: String
        public var owner: String?
        public var steps: Int
        public var triggers: [String]
        public var lastRun: String?
        public var lastStatus: String?

        public init(runbook: Runbook, lastRun: String?, lastStatus: String?) {
            id = runbook.id
            title = runbook.title
            owner = runbook.owner
            steps = runbook.steps.count
            triggers = runbook.triggers.map(Self.describe)
            self.lastRun = lastRun
            self.lastStatus = lastStatus
        }

        static func describe(_ trigger: Trigger) -> String {
            var parts: [String] = []
            if let name = trigger.alertname { parts.append("alertname \(name)") }
            for (key, matcher) in trigger.labels.sorted(by: { $0.key < $1.key }) { parts.append("\(key) \(matcher)") }
            if let severity = trigger.severity { parts.append("severity \(severity.rawValue)") }
            if let source = trigger.source { parts.append("source \(source)") }
            return parts.isEmpty ? "any alert" : parts.joined(separator: ", ")
        }
    }

    public var chrome: Chrome
    public var directory: String
    public var runbooks: [Row]
    public var hasRunbooks: Bool
    /// Files that could not be read or parsed.
    public var problems: [String]

    public init(chrome: Chrome, directory: String, runbooks: [Row], problems: [String]) {
        self.chrome = chrome
        self.directory = directory
        self.runbooks = runbooks
        hasRunbooks = !runbooks.isEmpty
        self.problems = problems
    }
}

/// One runbook: its document, its steps, and a form to start it generated from its typed params.
public struct RunbookPage: Sendable {
    /// One param's input: enums become selects, booleans checkboxes, secrets password fields (never filled).
    public struct Field: Sendable {
        public var name: String
        public var required: Bool
        public var summary: String?
        public var isSelect: Bool
        public var isCheckbox: Bool
        public var isSecret: Bool
        public var isText: Bool
        public var options: [Option]
        public var checked: Bool
        public var value: String
        public var pattern: String?
        public var error: String?

        /// - Parameters:
        ///   - submitted: What the person typed last time (after a refusal), else the default applies.
        public init(param: Param, submitted: String?, error: String?) {
            name = param.name
            required = param.isRequired
            summary = param.summary
            let current = param.isSecret ? "" : (submitted ?? param.defaultValue ?? "")
            isSecret = param.isSecret
            isCheckbox = !param.isSecret && param.kind == .bool
            isSelect = !param.isSecret && !isCheckbox && param.allowed != nil
            isText = !isSecret && !isCheckbox && !isSelect
            var options = (param.allowed ?? []).map { Option(value: $0, selected: $0 == current) }
            if isSelect && !param.isRequired && param.defaultValue == nil {
                options.insert(Option(value: "", label: "(none)", selected: current.isEmpty), at: 0)
            }
            self.options = options
            checked = current == "true"
            value = current
            pattern = param.pattern
            self.error = error
        }
    }

    public struct StepRow: Sendable {
        public var name: String
        public var kind: String
        public var attributes: [String]
    }

    public var chrome: Chrome
    public var id: String
    public var title: String
    public var path: String
    public var owner: String?
    public var canAct: Bool
    public var fields: [Field]
    public var incidents: [Option]
    public var guided: Bool
    public var steps: [StepRow]
    /// The document rendered by Discount with raw HTML escaped and only safe links (``documentHTML`` is the one
    /// value a template may insert unescaped).
    public var documentHTML: String

    public init(
        chrome: Chrome, runbook: Runbook, path: String, canAct: Bool, fields: [Field], incidents: [Option],
        guided: Bool, documentHTML: String
    ) {
        self.chrome = chrome
        id = runbook.id
        title = runbook.title
        self.path = path
        owner = runbook.owner
        self.canAct = canAct
        self.fields = fields
        self.incidents = incidents
        self.guided = guided
        steps = runbook.steps.map {
            StepRow(name: $0.name, kind: $0.kind.label, attributes: RunPage.attributes($0))
        }
        self.documentHTML = documentHTML
    }
}
