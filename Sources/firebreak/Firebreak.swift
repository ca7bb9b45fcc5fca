import ArgumentParser
import Config
import Foundation
import Incidents
import Modules
import Postmortems
import Runbooks
import Server
import Store
import Views
import Workflows

/// The `firebreak` command-line tool.
@main
struct Firebreak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firebreak",
        abstract: "Runbook automation and incident workflows: Markdown runbooks run as durable workflows.",
        discussion: """
            Exit codes: 0 success; 1 a run failed or was aborted; 2 invalid input (bad arguments, params, \
            runbook lint errors, unknown run or step, a restore refused to protect data); 3 a run is waiting for a human (approve, then resume).
            """,
        version: "0.1.0",
        subcommands: [
            LintCommand.self, RunbooksCommand.self, ShowCommand.self, RunCommand.self, ResumeCommand.self,
            ApproveCommand.self, RunsCommand.self, IncidentCommand.self, ServeCommand.self, TokenCommand.self,
            SessionCommand.self,
            DLQCommand.self, AlertsCommand.self, BackupCommand.self, RestoreCommand.self, DrillCommand.self,
            HealthCommand.self, PostmortemCommand.self, StatusCommand.self, OnCallCommand.self, AuditCommand.self,
            SilenceCommand.self,
        ]
    )

    static func main() async {
        umask(0o077)
        do {
            var command = try parseAsRoot()
            let audited = command as? any AuditedCommand
            do {
                if var asyncCommand = command as? any AsyncParsableCommand {
                    try await asyncCommand.run()
                } else {
                    try command.run()
                }
            } catch {
                await audited?.audit(result: "error: \(error)")
                throw error
            }
            await audited?.audit(result: "ok")
        } catch {
            exit(with: error)
        }
    }

    /// Prints an error the way a user should see it and exits with the documented code.
    static func exit(with error: any Error) -> Never {
        switch error {
        case let error as WorkflowError:
            FileHandle.standardError.write("error: \(error.message)\n")
            Foundation.exit(error.code == .execution ? ExitStatus.failed : ExitStatus.invalidInput)
        case let error as StoreError:
            FileHandle.standardError.write("error: \(error.message)\(hint(for: error))\n")
            Foundation.exit(error.code == .unavailable ? ExitStatus.failed : ExitStatus.invalidInput)
        case let error as ModuleError:
            FileHandle.standardError.write("error: \(error.message)\n")
            Foundation.exit(error.kind == .failed ? ExitStatus.failed : ExitStatus.invalidInput)
        case let error as TemplateError:
            FileHandle.standardError.write("error: \(error.message)\n")
            Foundation.exit(ExitStatus.invalidInput)
        case is IncidentError, is RunbookError, is ConfigError, is TokenError, is ServeError, is InputError:
            // Each describes itself as its message: what is wrong and how to fix it.
            FileHandle.standardError.write("error: \(error)\n")
            Foundation.exit(ExitStatus.invalidInput)
        default:
            let code = exitCode(for: error)
            if code == .success {
                // --help and --version arrive here as "errors" that carry the text to print.
                let message = fullMessage(for: error)
                if !message.isEmpty { FileHandle.standardOutput.write(message + "\n") }
                Foundation.exit(ExitStatus.success)
            }
            if code.rawValue == ExitStatus.failed || code.rawValue == ExitStatus.waiting {
                Foundation.exit(code.rawValue)
            }
            var message = fullMessage(for: error)
            // One style for every error: ArgumentParser's "Error: " becomes Firebreak's "error: ".
            if message.hasPrefix("Error: ") { message = "error: " + message.dropFirst(7) }
            if !message.isEmpty { FileHandle.standardError.write(message + "\n") }
            // ArgumentParser uses 64 for usage errors; Firebreak documents 2 for every invalid input.
            Foundation.exit(code == .validationFailure ? ExitStatus.invalidInput : code.rawValue)
        }
    }
}

extension Firebreak {
    /// The command line's way to go on from a store error: the command that lists what was not found, or where the
    /// data dir comes from. The store's messages name no command, since HTTP clients read them too.
    static func hint(for error: StoreError) -> String {
        switch (error.code, error.entity) {
        case (.notFound, .incident?): return "; list incidents with 'firebreak incident list'"
        case (.notFound, .run?): return "; list runs with 'firebreak runs list'"
        case (.notFound, .token?): return "; list them with 'firebreak token list'"
        case (.notFound, .notification?): return "; list dead letters with 'firebreak dlq list'"
        case (.notFound, .backup?): return "; list backups with 'firebreak backup list'"
        case (.notFound, .actionItem?): return "; list them with 'firebreak postmortem action list INC-n'"
        case (.notFound, .override?): return "; list them with 'firebreak oncall override list --all'"
        case (.notFound, .silence?): return "; list them with 'firebreak silence list --all'"
        case (.unavailable, _) where error.message.hasPrefix("cannot create the data directory"):
            return "; pass --data-dir or set FIREBREAK_DATA to a writable directory"
        default: return ""
        }
    }
}

/// Bad input found while a command runs (after parsing): printed as `error: …`, exit 2, without the usage text
/// that ArgumentParser adds to a `ValidationError`.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Documented exit codes.
enum ExitStatus {
    static let success: Int32 = 0
    static let failed: Int32 = 1
    static let invalidInput: Int32 = 2
    static let waiting: Int32 = 3
}

/// Options every command that touches the database shares.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Directory for firebreak.db and backups (env FIREBREAK_DATA; default: the nearest .firebreak from here up, then $XDG_DATA_HOME/firebreak).",
            valueName: "dir"))
    var dataDir: String?

    @Flag(name: .long, help: "No colour, even on a terminal (NO_COLOR=1 does the same).")
    var noColor = false

    /// The data directory and why it is the one (see ``DataDirectory``).
    var data: DataDirectory {
        DataDirectory.resolve(
            option: dataDir, environment: ProcessInfo.processInfo.environment,
            workingDirectory: FileManager.default.currentDirectoryPath)
    }

    /// The data directory: `--data-dir`, `FIREBREAK_DATA`, the nearest `.firebreak` (or `firebreak.yml`) from here
    /// up, then `$XDG_DATA_HOME/firebreak`.
    var dataDirectory: URL { data.url }

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Configuration file (env FIREBREAK_CONFIG; default ./firebreak.yml, optional).", valueName: "path"))
    var config: String?

    /// `--config`, then `FIREBREAK_CONFIG`, then `./firebreak.yml`, then the `firebreak.yml` beside a data dir
    /// found from here (so a subdirectory gets the same policies as the database it reaches).
    var configPath: String {
        if let config { return config }
        if let path = ProcessInfo.processInfo.environment["FIREBREAK_CONFIG"], !path.isEmpty { return path }
        if FileManager.default.fileExists(atPath: "firebreak.yml") { return "firebreak.yml" }
        return data.configBeside ?? "firebreak.yml"
    }

    /// The configuration; the defaults when no file is there (an explicit path must exist).
    func loadConfig() throws -> FirebreakConfig {
        try FirebreakConfig.load(
            path: configPath, required: config != nil || ProcessInfo.processInfo.environment["FIREBREAK_CONFIG"] != nil)
    }

    /// `<data-dir>/runs`: per-run scratch files and locks.
    var runsDirectory: URL { dataDirectory.appendingPathComponent("runs") }

    /// Opens the store, honouring `FIREBREAK_DURABILITY=full|normal`. The server defaults to `full`: a webhook's
    /// 2xx promises the alert survives power loss, and group commit pays one fsync per batch, not per alert.
    func openStore(defaultDurability: Durability = .normal) async throws -> any Storage {
        let durability =
            ProcessInfo.processInfo.environment["FIREBREAK_DURABILITY"].flatMap(Durability.init(rawValue:))
            ?? defaultDurability
        return try await SQLiteStore.open(
            directory: dataDirectory, configuration: StoreConfiguration(durability: durability))
    }
}

extension FileHandle {
    func write(_ text: String) {
        write(Data(text.utf8))
    }
}

/// Writes JSON to stdout in the ``JSONConvention`` that the HTTP API answers with, pretty-printed.
func printJSON(_ value: some Encodable) throws {
    let data = try JSONConvention.encoder(pretty: true).encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write("\n")
}
