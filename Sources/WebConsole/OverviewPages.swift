import Basics
import Foundation
import Incidents
import OnCall
import Store

/// The schedules: who is on call now and next, the week's shifts, overrides, and the calendar feed.
public struct OnCallPage: Sendable {
    public struct ShiftRow: Sendable {
        public var user: String
        public var from: String
        public var until: String
        public var source: String

        public init(_ shift: Shift) {
            user = shift.user
            from = ConsoleFormat.time(shift.from)
            until = ConsoleFormat.time(shift.until)
            source = shift.source
        }
    }

    public struct OverrideRow: Sendable {
        public var user: String
        public var from: String
        public var until: String
        public var createdBy: String
        public var reason: String?
    }

    public struct ScheduleView: Sendable {
        public var name: String
        public var now: ShiftRow?
        public var next: ShiftRow?
        public var shifts: [ShiftRow]
        public var overrides: [OverrideRow]

        public init(name: String, now: Shift?, next: Shift?, shifts: [Shift], overrides: [OverrideRecord]) {
            self.name = name
            self.now = now.map(ShiftRow.init)
            self.next = next.map(ShiftRow.init)
            self.shifts = shifts.map(ShiftRow.init)
            self.overrides = overrides.map {
                OverrideRow(
                    user: $0.user, from: ConsoleFormat.time($0.from), until: ConsoleFormat.time($0.until),
                    createdBy: $0.createdBy, reason: $0.reason)
            }
        }
    }

    public var chrome: Chrome
    public var schedules: [ScheduleView]
    public var hasSchedules: Bool

    public init(chrome: Chrome, schedules: [ScheduleView]) {
        self.chrome = chrome
        self.schedules = schedules
        hasSchedules = !schedules.isEmpty
    }
}

/// Open incidents by severity, the month's response times, and the dead-letter queue.
public struct OverviewPage: Sendable {
    public struct OpenCount: Sendable {
        public var severity: String
        public var count: Int
    }

    public struct Metric: Sendable {
        public var severity: String
        public var count: Int
        public var tta: String
        public var ttr: String
    }

    public struct DeadLetter: Sendable {
        public var id: Int64
        public var incident: String
        public var channel: String
        public var event: String
        public var attempts: Int
        public var lastError: String
    }

    public var chrome: Chrome
    public var open: [OpenCount]
    public var metrics: [Metric]
    public var deadLetters: [DeadLetter]
    public var hasDeadLetters: Bool
    public var canReplay: Bool

    public init(
        chrome: Chrome, counts: [IncidentStatus: [Severity: Int]], stats: [ResponseStats],
        deadLetters: [NotificationRecord],
        canReplay: Bool
    ) {
        self.chrome = chrome
        open = Severity.allCases.map { severity in
            let total = [IncidentStatus.triggered, .acknowledged, .mitigated].reduce(0) {
                $0 + (counts[$1]?[severity] ?? 0)
            }
            return OpenCount(severity: severity.rawValue, count: total)
        }
        metrics = stats.map {
            Metric(
                severity: $0.severity.rawValue, count: $0.count, tta: ConsoleFormat.duration($0.meanTTA),
                ttr: ConsoleFormat.duration($0.meanTTR))
        }
        self.deadLetters = deadLetters.map {
            DeadLetter(
                id: $0.id, incident: $0.incidentID, channel: $0.channel, event: $0.event, attempts: $0.attempts,
                lastError: $0.lastError ?? "")
        }
        hasDeadLetters = !deadLetters.isEmpty
        self.canReplay = canReplay
    }
}

/// The mean response times of one severity's incidents over a period.
public struct ResponseStats: Sendable, Equatable {
    public var severity: Severity
    public var count: Int
    /// Mean seconds to acknowledge, over the incidents acknowledged.
    public var meanTTA: TimeInterval?
    /// Mean seconds to resolve, over the incidents resolved.
    public var meanTTR: TimeInterval?

    /// The stats of each severity for the incidents opened since `since`.
    public static func of(_ incidents: [Incident], since: Date) -> [ResponseStats] {
        let recent = incidents.filter { $0.triggeredAt >= since }
        return Severity.allCases.map { severity in
            let group = recent.filter { $0.severity == severity }
            func mean(_ end: (Incident) -> Date?) -> TimeInterval? {
                let values = group.compactMap { incident in
                    end(incident).map { $0.timeIntervalSince(incident.triggeredAt) }
                }
                return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
            }
            return ResponseStats(
                severity: severity, count: group.count, meanTTA: mean(\.acknowledgedAt), meanTTR: mean(\.resolvedAt))
        }
    }
}

/// A bar chart of the mean TTA and TTR per severity, as SVG drawn on the server: no script, every label escaped.
public enum ResponseChart {
    public static func svg(_ stats: [ResponseStats], width: Int = 640, height: Int = 240) -> String {
        let left = 60.0
        let bottom = Double(height) - 30
        let top = 20.0
        let longest = stats.flatMap { [$0.meanTTA ?? 0, $0.meanTTR ?? 0] }.max() ?? 0
        let scale = longest > 0 ? (bottom - top) / longest : 0
        let slot = (Double(width) - left - 10) / Double(max(stats.count, 1))
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">",
            "<title>Mean time to acknowledge and to resolve per severity</title>",
            "<line x1=\"\(left)\" y1=\"\(bottom)\" x2=\"\(width - 10)\" y2=\"\(bottom)\" stroke=\"#8c959f\"/>",
            "<text x=\"4\" y=\"\(Int(top) + 4)\" font-size=\"12\" fill=\"#57606a\">"
                + HTML.escape(ConsoleFormat.duration(longest)) + "</text>",
        ]
        for (index, stat) in stats.enumerated() {
            let x = left + Double(index) * slot + slot * 0.15
            let bar = slot * 0.3
            for (offset, value, colour) in [(0.0, stat.meanTTA, "#0969da"), (bar, stat.meanTTR, "#a40e26")] {
                let h = (value ?? 0) * scale
                parts.append(
                    "<rect x=\(q(x + offset)) y=\(q(bottom - h)) width=\(q(bar - 2)) height=\(q(h)) fill=\"\(colour)\">"
                        + "<title>\(HTML.escape(ConsoleFormat.duration(value)))</title></rect>")
            }
            parts.append(
                "<text x=\(q(x + bar)) y=\(q(bottom + 18)) text-anchor=\"middle\" font-size=\"12\" fill=\"#57606a\">"
                    + "\(HTML.escape(stat.severity.rawValue)) (\(stat.count))</text>")
        }
        parts.append("<rect x=\"\(width - 190)\" y=\"4\" width=\"10\" height=\"10\" fill=\"#0969da\"/>")
        parts.append("<text x=\"\(width - 176)\" y=\"13\" font-size=\"12\" fill=\"#57606a\">TTA</text>")
        parts.append("<rect x=\"\(width - 130)\" y=\"4\" width=\"10\" height=\"10\" fill=\"#a40e26\"/>")
        parts.append("<text x=\"\(width - 116)\" y=\"13\" font-size=\"12\" fill=\"#57606a\">TTR</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    private static func q(_ value: Double) -> String { "\"\(String(format: "%.1f", value))\"" }
}
