import ArgumentParser
import Foundation
import Store

struct ApproveCommand: AuditedCommand {
    var auditAction: String { "approve" }
    var auditTarget: String? { "\(runReference) \(step)" }

    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a waiting step (confirm, manual or interrupted); then 'firebreak resume' continues."
    )

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The run id, e.g. RUN-12.", valueName: "run"))
    var runReference: String

    @Argument(help: "The step name.")
    var step: String

    @Option(help: "Who approves (default: $FIREBREAK_USER, then $USER).")
    var by: String?

    @Flag(help: "Print the step as JSON.")
    var json = false

    func run() async throws {
        guard let runID = RunRecord.parseID(runReference) else {
            throw ValidationError("'\(runReference)' is not a run id; write it like RUN-12")
        }
        let approver = by ?? CurrentUser.name
        let store = try await global.openStore()
        let record = try await store.approve(runID: runID, stepName: step, by: approver, at: Date())
        if json {
            try printJSON(["run": RunRecord.displayID(runID), "step": record.name, "approved_by": approver])
        } else {
            print(
                "approved \(record.name) in \(RunRecord.displayID(runID)) by \(approver); continue with 'firebreak resume \(RunRecord.displayID(runID))'"
            )
        }
    }
}
