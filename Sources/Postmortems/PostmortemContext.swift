import Basics
import Foundation
import Incidents
import Store

/// The template variables of a post-mortem (docs/postmortems.md lists them). Values are pre-formatted Markdown:
/// table cells have `|` and newlines escaped, so templates insert them with `{{{ }}}`.
enum PostmortemContext {
    static func build(_ input: PostmortemInput, metrics: ResponseMetrics, now: Date) -> [String: Any] {
        let incident = input.incident
        var incidentValues: [String: Any] = [
            "id": incident.id, "title": cell(incident.title), "severity": incident.severity.rawValue,
            "status": incident.status.rawValue, "date": day(metrics.triggeredAt),
            "commander": cell(incident.commander ?? "_TODO: name the incident commander_"),
            "assignee": cell(incident.assignee ?? "-"), "triggered_at": time(metrics.triggeredAt),
        ]
        incidentValues.merge(roles(incident)) { _, new in new }
        if let summary = incident.summary, !summary.isEmpty { incidentValues["summary"] = summary }
        for (key, value) in [
            ("acknowledged_at", metrics.acknowledgedAt), ("mitigated_at", metrics.mitigatedAt),
            ("resolved_at", metrics.resolvedAt), ("closed_at", incident.closedAt),
        ] {
            if let value { incidentValues[key] = time(value) }
        }
        let responders = responders(input)
        // The rows twice: as a list for templates that lay them out their own way, and pre-rendered as table rows
        // for the default template, because a Mustache section over 10,000 rows costs more than everything else.
        let entries = Timeline.entries(input)
        var timeline: [[String: String]] = []
        timeline.reserveCapacity(entries.count)
        var timelineRows = ""
        timelineRows.reserveCapacity(entries.count * 80)
        for entry in entries {
            let row = ["time": time(entry.at), "text": cell(entry.text), "actor": cell(entry.actor)]
            timeline.append(row)
            timelineRows += "| \(row["time"]!) | \(row["text"]!) | \(row["actor"]!) |\n"
        }
        let pages = pages(input)
        return [
            "incident": incidentValues,
            "postmortem": [
                "status": input.status.rawValue.replacingOccurrences(of: "_", with: " "), "generated_at": time(now),
            ],
            "responders": responders.isEmpty ? "_TODO: list the responders_" : cell(responders.joined(separator: ", ")),
            "metrics": metricValues(metrics),
            "severity_time": Severity.allCases.compactMap { severity -> [String: Any]? in
                metrics.timeInSeverity[severity].map {
                    ["severity": severity.rawValue, "duration": DurationParser.formatElapsed($0)]
                }
            },
            "milestones": milestones(metrics),
            "detection": detection(input, metrics: metrics),
            "trigger": trigger(input),
            "resolution": resolution(input, metrics: metrics),
            "timeline": timeline,
            "timeline_rows": timelineRows,
            "pages": pages,
            "has_pages": !pages.isEmpty,
            "runs": input.runs.map(run),
            "modules": modules(input),
            "alerts": input.alerts.map(alert),
            "action_items": input.actionItems.map { item -> [String: Any] in
                [
                    "type": item.type.rawValue, "text": cell(item.text), "owner": cell(item.owner),
                    "status": item.status,
                    "link": item.link.map { "[link](\($0))" } ?? "-",
                ]
            },
        ]
    }

    /// The people on the timeline, in order of first appearance: every actor but the machines and alert senders.
    static func responders(_ input: PostmortemInput) -> [String] {
        let machineActors: Set<String> = ["system", "firebreak", "router"]
        let sources = Set(input.alerts.map(\.alert.source))
        var responders: [String] = []
        for event in input.events
        where !machineActors.contains(event.actor) && !sources.contains(event.actor)
            && !responders.contains(event.actor)
        {
            responders.append(event.actor)
        }
        return responders
    }

    static func metricValues(_ metrics: ResponseMetrics) -> [String: Any] {
        func optional(_ value: TimeInterval?, _ missing: String) -> String {
            value.map(DurationParser.formatElapsed) ?? missing
        }
        var values: [String: Any] = [
            "tta": optional(metrics.timeToAcknowledge, "not acknowledged"),
            "ttm": optional(metrics.timeToMitigate, "not mitigated"),
            "ttr": optional(metrics.timeToResolve, "not resolved yet"),
            "highest_severity": metrics.highestSeverity.rawValue,
            "escalations": metrics.escalations, "notifications_sent": metrics.notificationsSent,
            "notifications_failed": metrics.notificationsFailed, "runs": metrics.runs,
            "runs_failed": metrics.runsFailed,
        ]
        for (key, value) in [
            ("tta_seconds", metrics.timeToAcknowledge), ("ttm_seconds", metrics.timeToMitigate),
            ("ttr_seconds", metrics.timeToResolve),
        ] {
            if let value { values[key] = Int(value.rounded()) }
        }
        return values
    }

    static func milestones(_ metrics: ResponseMetrics) -> [[String: Any]] {
        [
            ("Triggered", metrics.triggeredAt as Date?), ("Acknowledged", metrics.acknowledgedAt),
            ("Mitigated", metrics.mitigatedAt), ("Resolved", metrics.resolvedAt),
        ].map { name, at in
            [
                "name": name, "at": at.map(time) ?? "-",
                "after": at.map { DurationParser.formatElapsed($0.timeIntervalSince(metrics.triggeredAt)) } ?? "-",
            ]
        }
    }

    static func detection(_ input: PostmortemInput, metrics: ResponseMetrics) -> String {
        if let first = input.alerts.min(by: { $0.firstSeen < $1.firstSeen }) {
            return
                "Detected by the alert **\(first.alert.name)** from \(first.alert.source) at \(time(first.firstSeen))."
        }
        let opener = input.events.first { $0.kind == .opened }?.actor ?? "unknown"
        return
            "Declared by \(opener) at \(time(metrics.triggeredAt)); no alert was attached. _TODO (owner): why did monitoring not catch it?_"
    }

    static func trigger(_ input: PostmortemInput) -> String {
        guard let first = input.alerts.min(by: { $0.firstSeen < $1.firstSeen }) else {
            return "_TODO (owner): what set the incident off (a deploy, a config change, load, a dependency)?_"
        }
        let summary = first.alert.summary.map { ": \($0)" } ?? ""
        return "The first alert was \(first.alert.name)\(summary)."
    }

    static func resolution(_ input: PostmortemInput, metrics: ResponseMetrics) -> String {
        var lines: [String] = []
        if let mitigated = input.events.first(where: { $0.kind == .mitigated }) {
            lines.append(
                "Mitigated by \(mitigated.actor) at \(time(mitigated.at))\(mitigated.details["note"].map { ": \($0)" } ?? ".")"
            )
        }
        if let resolved = metrics.resolvedAt, let event = input.events.last(where: { $0.kind == .resolved }) {
            lines.append(
                "Resolved by \(event.actor) at \(time(resolved))\(event.details["note"].map { ": \($0)" } ?? ".")")
        }
        let succeeded = input.runs.filter { $0.run.status == .succeeded }.map {
            "\($0.run.displayID) (\($0.run.runbookID))"
        }
        if !succeeded.isEmpty { lines.append("Runbooks that ran to completion: \(succeeded.joined(separator: ", ")).") }
        lines.append("_TODO (owner): what fixed it, and what was tried first._")
        return lines.joined(separator: "\n\n")
    }

    static func run(_ detail: RunDetail) -> [String: Any] {
        let run = detail.run
        let steps: [[String: Any]] = detail.steps.map { step in
            var values: [String: Any] = [
                "name": cell(step.name), "status": step.status.rawValue, "attempts": step.attempts,
                "exit_code": step.exitCode.map(String.init) ?? "-",
                "duration": step.durationMs.map { DurationParser.formatElapsed(Double($0) / 1000) } ?? "-",
            ]
            let tail = (detail.attempts[step.index]?.last?.output ?? "").split(
                separator: "\n", omittingEmptySubsequences: false
            )
            .suffix(6).joined(separator: "\n").trimmingCharacters(in: .newlines)
            if !tail.isEmpty { values["output"] = codeBlock(tail) }
            return values
        }
        let elapsed =
            run.finishedAt.map { DurationParser.formatElapsed($0.timeIntervalSince(run.startedAt)) }
            ?? "still \(run.status.rawValue)"
        return [
            "id": run.displayID, "runbook": cell(run.runbookID), "title": cell(run.title),
            "status": run.status.rawValue,
            "duration": elapsed, "started_at": time(run.startedAt), "steps": steps,
        ]
    }

    static func modules(_ input: PostmortemInput) -> [[String: Any]] {
        var items: [(Date, String)] = input.backups.map { backup in
            (
                backup.createdAt,
                "\(time(backup.createdAt)) backup \(backup.id) of \(backup.source) (\(backup.reason), \(backup.bytes) bytes, sha256 \(backup.sha256.prefix(12))…) by \(backup.runID ?? "-")"
            )
        }
        items += input.drills.map { drill in
            let figures =
                drill.status == "passed"
                ? "RTO \(drill.rtoMs ?? 0) ms, RPO \(DurationParser.formatElapsed(Double(drill.rpoMs ?? 0) / 1000))"
                : drill.message
            return (
                drill.startedAt,
                "\(time(drill.startedAt)) drill \(drill.id) of \(drill.source): \(drill.status), \(figures)"
            )
        }
        return items.sorted { $0.0 < $1.0 }.map { ["text": $0.1] }
    }

    static func alert(_ record: AlertRecord) -> [String: Any] {
        var values: [String: Any] = [
            "name": record.alert.name, "source": record.alert.source, "status": record.alert.status.rawValue,
            "fired": record.fireCount, "first_seen": time(record.firstSeen), "last_seen": time(record.lastSeen),
        ]
        let labels = record.alert.labels.sorted { $0.key < $1.key }.map { "`\($0.key)=\($0.value)`" }.joined(
            separator: ", ")
        if !labels.isEmpty { values["labels"] = labels }
        if let url = record.alert.url { values["url"] = url }
        return values
    }

    // MARK: - Formatting

    /// `2026-11-23 02:00:05` in UTC (hand-written: a post-mortem of 10,000 events formats 10,000 times).
    static func time(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : String(value) }
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
    }

    static func day(_ date: Date) -> String {
        String(time(date).prefix(10))
    }

    /// Text safe inside a Markdown table cell.
    static func cell(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "|") || $0 == 0x0A || $0 == 0x0D }) else { return text }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 8)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "|"): bytes += [UInt8(ascii: "\\"), byte]
            case 0x0A: bytes.append(UInt8(ascii: " "))
            case 0x0D: continue
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A fenced block longer than any backtick run inside it.
    static func codeBlock(_ text: String) -> String {
        var longest = 0
        var current = 0
        for character in text {
            current = character == "`" ? current + 1 : 0
            longest = max(longest, current)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return "\(fence)text\n\(text)\n\(fence)"
    }
}
