import ArgumentParser
import Foundation
import Store

/// A command that changes something: `Firebreak.main` writes its outcome to the audit log, as the OS user.
protocol AuditedCommand: AsyncParsableCommand {
    var global: GlobalOptions { get }
    /// What it does, as a user types it: `incident ack`, `token create`.
    var auditAction: String { get }
    /// What it does it to.
    var auditTarget: String? { get }
}

extension AuditedCommand {
    /// Records the outcome; an audit log that cannot be written is reported, and never changes the exit code.
    func audit(result: String) async {
        do {
            let store = try await global.openStore()
            try await store.recordAudit(
                AuditRecord(
                    at: Date(), actor: CurrentUser.name, action: auditAction, target: auditTarget, via: "cli",
                    result: result))
        } catch {
            FileHandle.standardError.write("warning: cannot write the audit log: \(error)\n")
        }
    }
}
