import Basics
import Foundation
import Runbooks
import Store
import Synchronization
import Workflows

/// Prints run progress to the terminal; streams output live with elapsed time in interactive mode.
final class ConsoleObserver: RunObserver {
    let wantsLiveOutput: Bool
    private let quiet: Bool
    private let paint: Paint
    private let stepStart = Mutex<ContinuousClock.Instant?>(nil)

    /// - Parameters:
    ///   - live: Stream step output as it arrives (a person answers the questions).
    ///   - quiet: Print nothing (for `--json`).
    ///   - color: Colour the marks (a terminal, without `NO_COLOR` or `--no-color`).
    init(live: Bool, quiet: Bool, color: Bool = false) {
        self.wantsLiveOutput = live && !quiet
        self.quiet = quiet
        self.paint = Paint(enabled: color)
    }

    private func say(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardOutput.write(text + "\n")
    }

    func runStarted(_ run: RunRecord, runbook: Runbook) {
        // The mode of this session, not of the run's first one: `resume --yes` is automatic.
        say(
            paint.bold("▶ \(run.displayID) \(runbook.id): \(runbook.title)")
                + " (\(wantsLiveOutput ? "interactive" : "automatic"))")
    }

    func stepStarted(_ step: Step, index: Int, total: Int, attempt: Int) {
        stepStart.withLock { $0 = ContinuousClock.now }
        if wantsLiveOutput {
            say(paint.dim("── running \(step.name)\(attempt > 1 ? " (attempt \(attempt))" : "") ──"))
        }
    }

    func output(_ text: String) {
        guard !quiet else { return }
        let elapsed = stepStart.withLock { $0 }.map { ContinuousClock.now - $0 } ?? .zero
        let stamp = String(format: "%6.1fs │ ", Double(elapsed.milliseconds) / 1000)
        var rendered = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0)
        {
            rendered += stamp + line + "\n"
        }
        FileHandle.standardOutput.write(rendered)
    }

    func attemptFinished(_ step: Step, attempt: Int, outcome: StepOutcome) {
        let seconds = DurationParser.formatSeconds(outcome.duration)
        if outcome.status == .succeeded {
            say("  " + paint.green("✓") + " \(step.name)  " + paint.dim(seconds))
        } else {
            say(
                "  " + paint.red("✗")
                    + " \(step.name)  \(outcome.reason ?? outcome.status.rawValue) (attempt \(attempt), \(seconds))")
            if !wantsLiveOutput, !outcome.output.isEmpty {
                let tail = outcome.output.split(separator: "\n").suffix(20)
                for line in tail { say("    │ \(line)") }
            }
        }
    }

    func stepSkipped(_ step: Step, reason: String) {
        say(paint.dim("  - \(step.name)  skipped: \(reason)"))
    }

    func retrying(_ step: Step, nextAttempt: Int, after delay: Duration) {
        say("    retrying \(step.name) (attempt \(nextAttempt)) in \(DurationParser.format(delay))")
    }

    func runFinished(_ run: RunRecord) {
        switch run.status {
        case .succeeded: say(paint.green("✔ \(run.displayID) succeeded"))
        case .waiting: say(paint.yellow("⏸ \(run.displayID) is waiting for a human"))
        default: say(paint.red("✘ \(run.displayID) \(run.status.rawValue)\(run.error.map { ": \($0)" } ?? "")"))
        }
    }
}

/// Asks the responder at a terminal: run / skip / abort / quit before steps, retry after failures.
struct TerminalResponder: Responder {
    func decide(before step: Step, index: Int, total: Int, reason: GateReason) async -> GateDecision {
        var text = "\n━━ Step \(index + 1)/\(total): \(step.name) (\(step.kind.label)) ━━\n"
        if let heading = step.heading { text += "## \(heading)\n" }
        if !step.prose.isEmpty { text += step.prose + "\n" }
        switch step.kind {
        case .shell(_, let script):
            text +=
                script.split(separator: "\n", omittingEmptySubsequences: false).map { "  $ \($0)" }
                .joined(separator: "\n") + "\n"
        case .module(let name, let body):
            text +=
                "  module \(name):\n" + body.split(separator: "\n").map { "    \($0)" }.joined(separator: "\n") + "\n"
        case .manual(let item):
            text += "  [ ] \(item)\n"
        }
        if let approval = step.attributes.approval { text += "  ⚠ \(approval)\n" }
        FileHandle.standardOutput.write(text)
        switch reason {
        case .manual:
            return ask(
                "Done? [d]one / [s]kip / [a]bort / [q]uit (resume later)",
                choices: [
                    "d": .run, "done": .run, "s": .skip, "skip": .skip, "a": .abort, "abort": .abort,
                    "q": .pause, "quit": .pause,
                ])
        case .confirmation:
            return ask(
                "This step needs confirmation. Type 'yes' to run it, or [s]kip / [a]bort / [q]uit",
                choices: [
                    "yes": .run, "s": .skip, "skip": .skip, "a": .abort, "abort": .abort,
                    "q": .pause, "quit": .pause,
                ])
        case .interrupted:
            return ask(
                "This step was interrupted and is not idempotent. Enter or [r]un again / [s]kip / [a]bort / [q]uit",
                choices: Self.runChoices)
        case .ordinary:
            return ask("Enter or [r]un / [s]kip / [a]bort / [q]uit (resume later)", choices: Self.runChoices)
        }
    }

    static let runChoices: [String: GateDecision] = [
        "r": .run, "run": .run, "": .run, "s": .skip, "skip": .skip, "a": .abort, "abort": .abort, "q": .pause,
        "quit": .pause,
    ]

    func decide(afterFailure step: Step, attempt: Int, outcome: StepOutcome) async -> FailureDecision {
        FileHandle.standardOutput.write("Step \(step.name) \(outcome.reason ?? "failed").\n")
        let choices: [String: FailureDecision] = [
            "r": .retry, "retry": .retry, "s": .skip, "skip": .skip, "a": .abort, "abort": .abort, "q": .pause,
            "quit": .pause,
        ]
        return ask("[r]etry / [s]kip / [a]bort / [q]uit (resume later)", choices: choices)
    }

    private func ask<T>(_ question: String, choices: [String: T]) -> T where T: Sendable {
        while true {
            FileHandle.standardOutput.write(question + ": ")
            guard let line = readLine() else {
                FileHandle.standardOutput.write("\n")
                // End of input: leave the run resumable rather than guessing.
                return choices["q"]!
            }
            let answer = line.trimmingCharacters(in: .whitespaces).lowercased()
            if let choice = choices[answer] { return choice }
            FileHandle.standardOutput.write(
                "Please answer one of: \(choices.keys.filter { !$0.isEmpty }.sorted().joined(separator: ", "))\n")
        }
    }
}

/// ANSI colours, or plain text when they are off.
struct Paint: Sendable {
    let enabled: Bool

    /// Colour on a terminal: stdout is a TTY, `NO_COLOR` is unset or empty (no-color.org), `TERM` is not `dumb`,
    /// and `--no-color` was not given.
    static func forStandardOutput(noColor: Bool) -> Paint {
        let environment = ProcessInfo.processInfo.environment
        let enabled =
            !noColor && isatty(1) == 1 && (environment["NO_COLOR"] ?? "").isEmpty && environment["TERM"] != "dumb"
        return Paint(enabled: enabled)
    }

    private func wrap(_ code: String, _ text: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    func bold(_ text: String) -> String { wrap("1", text) }
    func dim(_ text: String) -> String { wrap("2", text) }
    func red(_ text: String) -> String { wrap("31", text) }
    func green(_ text: String) -> String { wrap("32", text) }
    func yellow(_ text: String) -> String { wrap("33", text) }
}
