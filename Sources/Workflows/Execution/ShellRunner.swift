import Foundation
import Runbooks
import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How one process attempt ended.
public struct ProcessOutcome: Sendable, Equatable {
    /// Exit code, when the process exited on its own.
    public var exitCode: Int?
    /// Terminating signal, when it was killed.
    public var signal: Int?
    /// Whether the step's timeout fired.
    public var timedOut: Bool
    /// The signal (SIGINT, SIGTERM) that interrupted the step, if any.
    public var interruptedBy: Int32?
    /// Tail of the combined output, redacted.
    public var output: String

    /// Whether the attempt succeeded.
    public var succeeded: Bool { exitCode == 0 && !timedOut && interruptedBy == nil }
}

/// Runs a shell step in its own process group, streaming and keeping its output.
public struct ShellRunner: Sendable {
    /// Time between SIGTERM and SIGKILL when a step times out or is interrupted.
    public var gracePeriod: Duration
    /// How much output to keep per attempt.
    public var outputLimit: Int

    /// Creates a runner.
    public init(gracePeriod: Duration = .seconds(5), outputLimit: Int = 1 << 20) {
        self.gracePeriod = gracePeriod
        self.outputLimit = outputLimit
    }

    /// The interpreter and its arguments for a script.
    static func command(for language: ShellLanguage, script: String) -> (Executable, [String]) {
        switch language {
        case .sh: (.path("/bin/sh"), ["-e", "-c", script])
        case .bash: (.name("bash"), ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script])
        case .zsh: (.name("zsh"), ["--no-rcs", "-e", "-c", script])
        case .python3: (.name("python3"), ["-c", script])
        }
    }

    private enum Event: Sendable {
        case finished
        case timedOut
        case interrupted(Int32)
    }

    /// Runs `script`; never throws for a failing script, only when it cannot start.
    ///
    /// - Parameters:
    ///   - environment: The complete environment, as `NAME=value` entries.
    ///   - live: Receives redacted output as it arrives (interactive mode).
    /// - Throws: ``WorkflowError`` `.execution` when the interpreter cannot be started.
    public func run(
        language: ShellLanguage, script: String, environment: [String], workingDirectory: String?,
        timeout: Duration?, redactor: Redactor, interrupts: InterruptSource?,
        live: (@Sendable (String) -> Void)? = nil
    ) async throws -> ProcessOutcome {
        let (executable, arguments) = Self.command(for: language, script: script)
        var options = PlatformOptions()
        options.processGroupID = 0
        interrupts?.beginStep()
        defer { interrupts?.endStep() }
        do {
            let result = try await Subprocess.run(
                executable, arguments: Arguments(arguments),
                environment: .custom(environment.map { Array($0.utf8) + [0] }),
                workingDirectory: workingDirectory.map { FilePath($0) }, platformOptions: options,
                input: .none, output: .sequence, error: .combinedWithOutput
            ) { execution -> (OutputTail, Event) in
                await supervise(
                    output: execution.standardOutput, group: execution.processIdentifier.value, timeout: timeout,
                    redactor: redactor, interrupts: interrupts, live: live)
            }
            var (tail, event) = result.closureResult
            return Self.outcome(
                status: result.terminationStatus, event: event, output: redactor.redact(tail.text()))
        } catch let error as SubprocessError {
            throw Self.startFailure(language, error)
        }
    }

    /// Reads the process's output until it ends, its timeout fires or an interrupt arrives, whichever is first.
    /// On a timeout or an interrupt it stops the process group, then waits for the output to end.
    private func supervise(
        output: SubprocessOutputSequence, group: pid_t, timeout: Duration?, redactor: Redactor,
        interrupts: InterruptSource?, live: (@Sendable (String) -> Void)?
    ) async -> (OutputTail, Event) {
        let grace = gracePeriod
        return await withTaskGroup(of: Event?.self) { tasks -> (OutputTail, Event) in
            let reader = Self.read(output, limit: outputLimit, redactor: redactor, live: live)
            tasks.addTask {
                _ = await reader.value
                return .finished
            }
            if let timeout {
                tasks.addTask {
                    do { try await Task.sleep(for: timeout) } catch { return nil }
                    return .timedOut
                }
            }
            if let interrupts {
                tasks.addTask {
                    guard let number = await interrupts.next() else { return nil }
                    return .interrupted(number)
                }
            }
            var event = Event.finished
            while let next = await tasks.next() {
                guard let next else { continue }
                event = next
                break
            }
            if case .finished = event {
                tasks.cancelAll()
            } else {
                kill(-group, SIGTERM)
                tasks.cancelAll()
                await Self.waitForOutputEnd(reader, killing: group, after: grace)
            }
            return (await reader.value, event)
        }
    }

    /// Keeps the tail of `output`, and passes complete lines to `live`, redacted, as they arrive.
    private static func read(
        _ output: SubprocessOutputSequence, limit: Int, redactor: Redactor, live: (@Sendable (String) -> Void)?
    ) -> Task<OutputTail, Never> {
        Task { () -> OutputTail in
            var tail = OutputTail(limit: limit)
            var pending: [UInt8] = []
            do {
                for try await buffer in output {
                    buffer.withUnsafeBytes { tail.append($0) }
                    guard let live else { continue }
                    buffer.withUnsafeBytes { pending.append(contentsOf: $0) }
                    if let newline = pending.lastIndex(of: 10) {
                        live(redactor.redact(String(decoding: pending[...newline], as: UTF8.self)))
                        pending.removeSubrange(...newline)
                    }
                }
            } catch {}
            if let live, !pending.isEmpty {
                live(redactor.redact(String(decoding: pending, as: UTF8.self)))
            }
            return tail
        }
    }

    /// Waits for the output of a process group sent SIGTERM to end, and sends SIGKILL if it has not after
    /// `grace`.
    private static func waitForOutputEnd(
        _ reader: Task<OutputTail, Never>, killing group: pid_t, after grace: Duration
    ) async {
        let killer = Task {
            try await Task.sleep(for: grace)
            kill(-group, SIGKILL)
        }
        _ = await reader.value
        killer.cancel()
    }

    /// How the attempt ended, from the process's termination and what stopped it.
    private static func outcome(status: TerminationStatus, event: Event, output: String) -> ProcessOutcome {
        var outcome = ProcessOutcome(
            exitCode: nil, signal: nil, timedOut: false, interruptedBy: nil, output: output)
        switch status {
        case .exited(let code): outcome.exitCode = Int(code)
        case .signaled(let number): outcome.signal = Int(number)
        }
        switch event {
        case .finished: break
        case .timedOut: outcome.timedOut = true
        case .interrupted(let number): outcome.interruptedBy = number
        }
        return outcome
    }

    /// The error for an interpreter that cannot be started.
    private static func startFailure(_ language: ShellLanguage, _ error: SubprocessError) -> WorkflowError {
        let name =
            switch language {
            case .sh: "/bin/sh"
            case .bash: "bash"
            case .zsh: "zsh"
            case .python3: "python3"
            }
        return WorkflowError(
            .execution,
            "cannot start \(name) for a \(language.rawValue) step: \(error); install it or change the block's language"
        )
    }
}
