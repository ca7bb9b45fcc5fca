import Foundation
import Incidents
import Store

/// The merged, UTC-ordered timeline of a post-mortem: the incident's events (alert repeats collapsed into counts),
/// notification deliveries, and the backups and drills its runs made.
enum Timeline {
    struct Entry {
        var at: Date
        var actor: String
        var text: String
        /// Consecutive entries with the same non-nil key collapse into one with a count.
        var key: String?
    }

    static func entries(_ input: PostmortemInput) -> [Entry] {
        var entries: [Entry] = []
        entries.reserveCapacity(input.events.count + input.notifications.count)
        for event in input.events {
            let key =
                event.kind.rawValue.hasPrefix("alert_")
                ? "\(event.kind)|\(event.details["source"] ?? "")|\(event.details["key"] ?? "")" : nil
            entries.append(Entry(at: event.at, actor: event.actor, text: describe(event), key: key))
        }
        for notification in input.notifications {
            switch notification.status {
            case .sent:
                entries.append(
                    Entry(
                        at: notification.sentAt ?? notification.createdAt, actor: "firebreak",
                        text: "Notified \(notification.channel) of \(notification.event)"
                            + (notification.attempts > 1 ? " after \(notification.attempts) attempts" : "")))
            case .dead:
                entries.append(
                    Entry(
                        at: notification.nextAttemptAt, actor: "firebreak",
                        text:
                            "Notification of \(notification.event) to \(notification.channel) failed after \(notification.attempts) attempts: \(notification.lastError ?? "unknown error")"
                    ))
            case .pending:
                continue
            }
        }
        for backup in input.backups {
            entries.append(
                Entry(
                    at: backup.createdAt, actor: backup.runID ?? "firebreak",
                    text: "Backup \(backup.id) of \(backup.source) (\(backup.reason))"))
        }
        for drill in input.drills {
            entries.append(
                Entry(
                    at: drill.startedAt, actor: drill.runID ?? "firebreak",
                    text: "Restore drill \(drill.id) of \(drill.source) \(drill.status)"
                        + (drill.rtoMs.map { ": RTO \($0) ms, RPO \((drill.rpoMs ?? 0) / 1000) s" } ?? "")))
        }
        // A stable sort: events of the same instant keep their recorded order.
        let ordered = entries.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(
            \.element)
        return collapse(ordered)
    }

    /// Runs of the same alert event become one entry: "… (×N, until HH:MM:SS)".
    static func collapse(_ entries: [Entry]) -> [Entry] {
        var result: [Entry] = []
        var count = 0
        var last: Date?
        func flush() {
            if count > 1, let last, var entry = result.popLast() {
                entry.text += " (×\(count), last at \(PostmortemContext.time(last)))"
                result.append(entry)
            }
        }
        for entry in entries {
            if let key = entry.key, key == result.last?.key {
                count += 1
                last = entry.at
                continue
            }
            flush()
            result.append(entry)
            count = 1
            last = entry.at
        }
        flush()
        return result
    }

    /// One event in words.
    static func describe(_ event: IncidentEvent) -> String {
        let details = event.details
        func note() -> String { details["note"].map { ": \($0)" } ?? "" }
        switch event.kind {
        case .opened: return "Incident opened at \(details["severity"] ?? "?")\(note())"
        case .acknowledged: return "Acknowledged\(note())"
        case .mitigated: return "Mitigated\(note())"
        case .resolved: return "Resolved\(note())"
        case .reopened: return "Reopened\(note())"
        case .closed: return "Closed\(note())"
        case .severityChanged: return "Severity changed from \(details["from"] ?? "?") to \(details["to"] ?? "?")"
        case .note: return "Note: \(details["text"] ?? details["note"] ?? "")"
        case .assigned: return "Assigned to \(details["to"] ?? details["assignee"] ?? "?")"
        case .roleAssigned:
            let role = details["role"] ?? "?"
            return details["to"].map { "\($0) took the \(role) role" } ?? "The \(role) role was cleared"
        case .paged:
            return
                "Paged \(details["user"] ?? "?") (level \(details["level"] ?? "?"), via \(details["via"] ?? "?"), by \(details["methods"] ?? "?"))"
        case .pageSkipped: return "Nobody paged for \(details["target"] ?? "?"): \(details["reason"] ?? "")"
        case .pageFailed:
            return "The page to \(details["user"] ?? "?") could not be delivered: \(details["reason"] ?? "")"
        case .escalated:
            return "Escalation level \(details["level"] ?? "?") fired, notifying \(details["channels"] ?? "?")"
        case .escalationStopped: return "Escalation stopped: \(details["reason"] ?? "")"
        case .alertFired:
            return
                "Alert \(details["name"] ?? "?") firing (\(details["source"] ?? "?"))\(details["summary"].map { ": \($0)" } ?? "")"
        case .alertRepeated: return "Alert \(details["name"] ?? "?") fired again"
        case .alertResolved: return "Alert \(details["name"] ?? "?") resolved"
        case .runbookRouted:
            return "Routed to runbook \(details["runbook"] ?? "?")\(details["reason"].map { " (\($0))" } ?? "")"
        case .runbookSkipped: return "Runbook \(details["runbook"] ?? "?") not started: \(details["reason"] ?? "")"
        case .runStarted: return "Run \(details["run"] ?? "?") of \(details["runbook"] ?? "?") started"
        case .runResumed: return "Run \(details["run"] ?? "?") of \(details["runbook"] ?? "?") resumed"
        case .run("waiting"): return "Run \(details["run"] ?? "?") of \(details["runbook"] ?? "?") waiting for a human"
        case .run("succeeded"), .run("failed"), .run("aborted"):
            return "Run \(details["run"] ?? "?") of \(details["runbook"] ?? "?") \(event.kind.rawValue.dropFirst(4))"
        case .stepFinished:
            let exit = details["exit"].flatMap { $0.isEmpty ? nil : " (exit \($0))" } ?? ""
            return
                "Step \(details["step"] ?? "?") of \(details["run"] ?? "?") \(details["status"] ?? "finished")\(exit)"
        case .actionItem("open"):
            return
                "Action item \(details["action_item"] ?? "?") (\(details["type"] ?? "other")): \(details["text"] ?? "")"
        case let kind where kind.rawValue.hasPrefix("action_item_"):
            return
                "Action item \(details["action_item"] ?? "?") \(kind.rawValue.dropFirst(12)): \(details["text"] ?? "")"
        case let kind where kind.rawValue.hasPrefix("postmortem_"):
            return "Post-mortem saved as \(kind.rawValue.dropFirst(11).replacingOccurrences(of: "_", with: " "))"
        default:
            let text = details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
            return event.kind.rawValue.replacingOccurrences(of: "_", with: " ").capitalizedFirst
                + (text.isEmpty ? "" : " (\(text))")
        }
    }
}

extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
