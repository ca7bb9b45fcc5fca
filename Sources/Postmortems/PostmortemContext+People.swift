import Basics
import Foundation
import Incidents
import Store

extension PostmortemContext {
    /// Who was paged, when, how, who was on call through which schedule at the time, and how long each person who
    /// acknowledged took from their first page.
    static func pages(_ input: PostmortemInput) -> [[String: String]] {
        let acknowledgements = input.events.filter { $0.kind == .acknowledged }
        var firstPage: [String: Date] = [:]
        var rows: [[String: String]] = []
        for event in input.events {
            switch event.kind {
            case .paged:
                let person = event.details["user"] ?? "?"
                if firstPage[person] == nil { firstPage[person] = event.at }
                rows.append([
                    "person": cell(person), "level": event.details["level"] ?? "?",
                    "via": cell(event.details["via"] ?? "-"), "methods": cell(event.details["methods"] ?? "-"),
                    "paged_at": time(event.at), "on_call": onCall(event.details),
                    "acknowledged": acknowledged(person, since: firstPage[person]!, acknowledgements),
                ])
            case .pageSkipped:
                rows.append([
                    "person": "_nobody_", "level": event.details["level"] ?? "?",
                    "via": cell(event.details["target"] ?? "-"), "methods": "-", "paged_at": time(event.at),
                    "on_call": "-", "acknowledged": cell(event.details["reason"] ?? "skipped"),
                ])
            case .pageFailed:
                rows.append([
                    "person": cell(event.details["user"] ?? "?"), "level": event.details["level"] ?? "?",
                    "via": "-", "methods": "-", "paged_at": time(event.at), "on_call": "-",
                    "acknowledged": cell("undeliverable: \(event.details["reason"] ?? "")"),
                ])
            default: continue
            }
        }
        return rows
    }

    /// `weekly, 2026-03-30 07:00:00 to 2026-04-06 07:00:00` for a page through a schedule.
    static func onCall(_ details: [String: String]) -> String {
        guard let source = details["on_call_source"], let from = details["on_call_from"].flatMap(RFC3339.parse)
        else { return "-" }
        guard let until = details["on_call_until"].flatMap(RFC3339.parse) else {
            return cell("\(source), since \(time(from))")
        }
        return cell("\(source), \(time(from)) to \(time(until))")
    }

    /// `yes, after 4m 10s` for the person who acknowledged after their page.
    static func acknowledged(_ person: String, since paged: Date, _ acknowledgements: [IncidentEvent]) -> String {
        guard let ack = acknowledgements.first(where: { $0.actor == person && $0.at >= paged }) else { return "no" }
        return "yes, after \(DurationParser.formatElapsed(ack.at.timeIntervalSince(paged)))"
    }

    /// The incident's roles; the commander's TODO stays in the header.
    static func roles(_ incident: Incident) -> [String: String] {
        [
            "communications": cell(incident.communications ?? "-"),
            "scribe": cell(incident.scribe ?? "-"),
        ]
    }
}
