import Foundation
import Incidents
import Runbooks
import Store
import Workflows

/// The runs list.
public struct RunsPage: Sendable {
    public struct Row: Sendable {
        public var id: String
        public var title: String
        public var status: String
        public var startedAt: String
        public var duration: String
        public var incident: String?
    }

    public var chrome: Chrome
    public var runs: [Row]
    public var hasRuns: Bool

    public init(chrome: Chrome, runs: [RunRecord], now: Date) {
        self.chrome = chrome
        self.runs = runs.map {
            Row(
                id: $0.displayID, title: $0.title, status: $0.status.rawValue,
                startedAt: ConsoleFormat.time($0.startedAt),
                duration: ConsoleFormat.duration(($0.finishedAt ?? now).timeIntervalSince($0.startedAt)),
                incident: $0.incidentID)
        }
        hasRuns = !runs.isEmpty
    }
}

/// One run: what started it, its params (secrets masked), its steps and what it waits for.
public struct RunPage: Sendable {
    public struct Header: Sendable {
        public var id: String
        public var title: String
        public var runbook: String
        public var status: String
        public var trigger: String
        public var incident: String?
        public var mode: String
        public var startedAt: String
        public var duration: String
        public var error: String?
        public var params: [Pair]
    }

    public struct StepRow: Sendable {
        public var index: Int
        public var number: Int
        public var name: String
        public var kind: String
        public var attributes: [String]
        public var status: String
        public var attempts: Int?
        public var exitCode: Int?
        public var duration: String?
        public var reason: String?
        public var approvedBy: String?
        public var output: String?
        public var current: Bool
    }

    /// The step the run waits at, and what a person may do about it.
    public struct Waiting: Sendable {
        public var name: String
        public var reason: String
        public var prose: String?
        public var command: String?
        /// Guided (stepped through in the browser): run or skip; otherwise approve.
        public var guided: Bool
        public var runLabel: String
        public var canAct: Bool
    }

    public var chrome: Chrome
    public var run: Header
    public var steps: [StepRow]
    public var waiting: Waiting?
    public var canAct: Bool
    /// The runbook's secret params: never stored, so the forms that continue the run may ask for them again
    /// (after a restart the server no longer has them).
    public var secrets: [String]
    public var canResume: Bool
    public var canRetry: Bool
    public var canCancel: Bool

    /// - Parameters:
    ///   - interrupted: The run is `running` but no process executes it (resume continues it).
    public init(chrome: Chrome, detail: RunDetail, canAct: Bool, interrupted: Bool, now: Date) {
        let run = detail.run
        self.chrome = chrome
        let parsed = RunbookParser.parse(run.source, defaultID: run.runbookID).runbook
        let secretNames = Set(parsed.params.filter(\.isSecret).map(\.name))
        let stored = (try? JSONDecoder().decode([String: String].self, from: Data(run.params.utf8))) ?? [:]
        var params = stored.mapValues { $0 }
        for name in secretNames { params[name] = "•••••• (secret, never stored)" }
        self.run = Header(
            id: run.displayID, title: run.title, runbook: run.runbookID,
            status: interrupted ? "interrupted" : run.status.rawValue, trigger: Self.trigger(run),
            incident: run.incidentID,
            mode: run.mode == "interactive" ? "guided (a person decides each step)" : run.mode,
            startedAt: ConsoleFormat.time(run.startedAt),
            duration: ConsoleFormat.duration((run.finishedAt ?? now).timeIntervalSince(run.startedAt)),
            error: run.error, params: Pair.sorted(params))
        steps = detail.steps.map { step in
            let definition = parsed.steps.indices.contains(step.index) ? parsed.steps[step.index] : nil
            let output = detail.attempts[step.index]?.last?.output
            return StepRow(
                index: step.index, number: step.index + 1, name: step.name, kind: step.kind,
                attributes: definition.map(Self.attributes) ?? [], status: step.status.rawValue,
                attempts: step.attempts > 0 ? step.attempts : nil, exitCode: step.exitCode,
                duration: step.durationMs.map { ConsoleFormat.duration(Double($0) / 1000) }, reason: step.reason,
                approvedBy: step.approvedBy, output: output?.isEmpty == false ? output : nil,
                current: step.index == run.cursor && !run.status.isFinal)
        }
        let guided = run.mode == "interactive"
        waiting = detail.steps.first { $0.status == .waiting }.map { step in
            let definition = parsed.steps.indices.contains(step.index) ? parsed.steps[step.index] : nil
            var command: String?
            var isManual = false
            switch definition?.kind {
            case .shell(_, let script): command = script
            case .module(let name, let body): command = "module \(name)\n\(body)"
            case .manual(let text):
                command = text
                isManual = true
            case nil: break
            }
            let reason =
                guided && step.reason == GateReason.ordinary.waitingReason
                ? "Waiting for your choice: run this step or skip it." : step.reason ?? "waiting"
            return Waiting(
                name: step.name, reason: reason,
                prose: definition?.prose.isEmpty == false
                    ? definition?.prose : nil,
                command: command, guided: guided,
                runLabel: isManual ? "Done: I did this" : guided ? "Run this step" : "Approve and continue",
                canAct: canAct)
        }
        self.canAct = canAct
        secrets = parsed.params.filter(\.isSecret).map(\.name)
        canResume = interrupted || (run.status == .waiting && waiting == nil) || run.status == .pending && interrupted
        canRetry = run.status == .failed
        canCancel = !run.status.isFinal
    }

    static func trigger(_ run: RunRecord) -> String {
        if let alert = run.alert, let decoded = try? JSONDecoder().decode([String: String].self, from: Data(alert.utf8))
        {
            return "alert \(decoded["name"] ?? decoded["alertname"] ?? "")".trimmingCharacters(in: .whitespaces)
        }
        if run.alert != nil { return "an alert" }
        if run.incidentID != nil { return "a person, for an incident" }
        return "a person"
    }

    /// The attributes a responder cares about before running a step.
    static func attributes(_ step: Step) -> [String] {
        var result: [String] = []
        let attributes = step.attributes
        if attributes.confirm { result.append("confirm") }
        if attributes.idempotent { result.append("idempotent") }
        if attributes.attempts > 1 { result.append("attempts=\(attributes.attempts)") }
        if let timeout = attributes.timeout { result.append("timeout=\(timeout.components.seconds)s") }
        if let when = attributes.whenSource { result.append("when: \(when)") }
        if attributes.rollback { result.append("rollback") }
        if let approval = attributes.approval { result.append("approval=\(approval)") }
        return result
    }
}
