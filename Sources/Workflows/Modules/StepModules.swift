import Foundation
import Modules
import Runbooks
import Store

/// Turns a module body parser's error into lint diagnostics. Bodies start on the line after the fence.
func diagnostics(_ body: () throws -> Void) -> [Diagnostic] {
    do {
        try body()
        return []
    } catch let error as SpecError {
        return [Diagnostic(line: error.line, message: error.message)]
    } catch {
        return [Diagnostic(line: 1, message: "\(error)")]
    }
}

extension ModuleContext {
    func backups(_ settings: ModuleSettings) -> BackupEngine {
        BackupEngine(store: store, repository: settings.repository(dataDirectory: store.directory))
    }
}

extension StepOutcome {
    static func failure(_ message: String) -> StepOutcome {
        StepOutcome(status: .failed, output: message, reason: "failed: \(message)")
    }
}

/// ` ```yaml {module=backup} `: takes a backup. Outputs `backup_id`, `backup_path`, `sha256`, `bytes`,
/// `backup_source` (prefixed, because outputs become environment variables of later shell steps, and `PATH` or
/// `SOURCE` must not be overwritten).
struct BackupModule: StepModule {
    let settings: ModuleSettings
    var name: String { "backup" }

    func validate(body: String, firstLine: Int) -> [Diagnostic] {
        diagnostics { _ = try ModuleSpecs.backupStep(body, lineOffset: firstLine - 1, lint: true) }
    }

    func run(body: String, context: ModuleContext) async -> StepOutcome {
        do {
            let step = try ModuleSpecs.backupStep(body)
            var engine = context.backups(settings)
            if let timeout = step.timeout { engine.commandTimeout = timeout }
            var retention = step.retention
            if retention == Retention() { retention = settings.retention }
            let backup = try await engine.create(
                step.source, retention: retention, reason: "step", runID: context.runID)
            return StepOutcome(
                status: .succeeded,
                output:
                    "backed up \(backup.source) as \(backup.id): \(backup.bytes) bytes, sha256 \(backup.sha256.prefix(12))…",
                outputs: [
                    "backup_id": backup.id, "backup_path": backup.path, "sha256": backup.sha256,
                    "bytes": String(backup.bytes), "backup_source": backup.source,
                ])
        } catch {
            return .failure("\(error)")
        }
    }
}

/// ` ```yaml {module=restore} `: restores a backup, or runs a drill. Outputs `backup_id`, `to`,
/// `safety_backup_id`, `duration_ms`; a drill outputs `drill_id`, `backup_id`, `rto_ms`, `rpo_ms`.
struct RestoreModule: StepModule {
    let settings: ModuleSettings
    var name: String { "restore" }

    func validate(body: String, firstLine: Int) -> [Diagnostic] {
        diagnostics { _ = try ModuleSpecs.restoreStep(body, lineOffset: firstLine - 1, lint: true) }
    }

    func run(body: String, context: ModuleContext) async -> StepOutcome {
        do {
            let step = try ModuleSpecs.restoreStep(body)
            let engine = RestoreEngine(backups: context.backups(settings))
            if let source = step.drillSource {
                let drill = await engine.drill(source: source, runID: context.runID)
                var outputs = ["drill_id": drill.id, "backup_id": drill.backupID ?? ""]
                if let rto = drill.rtoMs { outputs["rto_ms"] = String(rto) }
                if let rpo = drill.rpoMs { outputs["rpo_ms"] = String(rpo) }
                guard drill.status == "passed" else { return .failure("drill \(drill.id) failed: \(drill.message)") }
                return StepOutcome(
                    status: .succeeded,
                    output:
                        "drill \(drill.id): \(drill.message); RTO \(drill.rtoMs ?? 0) ms, RPO \(drill.rpoMs ?? 0) ms",
                    outputs: outputs)
            }
            let report = try await engine.restore(
                step.selection, to: step.target ?? "", dryRun: step.dryRun, runID: context.runID)
            let verb = report.dryRun ? "would restore" : "restored"
            let safety = report.safetyBackup.map { "; the previous content is in \($0.id)" } ?? ""
            return StepOutcome(
                status: .succeeded, output: "\(verb) \(report.backup.id) to \(report.target)\(safety)",
                outputs: [
                    "backup_id": report.backup.id, "to": report.target,
                    "safety_backup_id": report.safetyBackup?.id ?? "", "duration_ms": String(report.durationMs),
                    "dry_run": String(report.dryRun),
                ])
        } catch {
            return .failure("\(error)")
        }
    }
}

/// ` ```yaml {module=health} `: runs one check or `checks:`. Fails when the set is unhealthy; degraded passes
/// with a message. Outputs `status`, `latency_ms` (the slowest check) and `failing` (names).
struct HealthModule: StepModule {
    let settings: ModuleSettings
    var name: String { "health" }

    func validate(body: String, firstLine: Int) -> [Diagnostic] {
        diagnostics { _ = try ModuleSpecs.healthStep(body, stepName: "check", lineOffset: firstLine - 1, lint: true) }
    }

    func run(body: String, context: ModuleContext) async -> StepOutcome {
        do {
            let checks = try ModuleSpecs.healthStep(body, stepName: context.stepName)
            let summary = await HealthMonitor(store: context.store, breaker: settings.breaker).run(checks)
            let lines = summary.results.map { "\($0.name): \($0.status.rawValue) (\($0.latencyMs) ms) \($0.message)" }
            let unhealthy = summary.results.filter { $0.status != .healthy }
            let failing = unhealthy.map(\.name)
            let outputs = [
                "status": summary.status.rawValue,
                "latency_ms": String(summary.results.map(\.latencyMs).max() ?? 0),
                "failing": failing.joined(separator: ","),
            ]
            let text = lines.joined(separator: "\n")
            guard summary.status != .unhealthy else {
                return StepOutcome(
                    status: .failed, output: text, outputs: outputs,
                    reason: "unhealthy: " + unhealthy.map { "\($0.name): \($0.message)" }.joined(separator: "; "))
            }
            return StepOutcome(status: .succeeded, output: text, outputs: outputs)
        } catch {
            return .failure("\(error)")
        }
    }
}
