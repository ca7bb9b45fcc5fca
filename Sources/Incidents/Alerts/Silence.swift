import Basics
import Foundation

/// A silence: alerts that match it while it is active are recorded and counted, but open no incident and page no
/// one. The matchers are a trigger's (alertname, labels, source, severity), so `~regex` works the same way.
public struct Silence: Sendable, Equatable {
    /// Row id; 0 before it is stored.
    public var id: Int64
    public var matchers: Trigger
    public var startsAt: Date
    /// Expiring a silence sets this to the moment it was expired.
    public var endsAt: Date
    public var createdBy: String
    public var comment: String
    public var createdAt: Date

    public init(
        id: Int64 = 0, matchers: Trigger, startsAt: Date, endsAt: Date, createdBy: String, comment: String,
        createdAt: Date
    ) {
        self.id = id
        self.matchers = matchers
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.createdBy = createdBy
        self.comment = comment
        self.createdAt = createdAt
    }

    /// `pending` before it starts, `active`, then `expired`.
    public func state(at time: Date) -> String {
        time < startsAt ? "pending" : (time < endsAt ? "active" : "expired")
    }

    public func isActive(at time: Date) -> Bool { startsAt <= time && time < endsAt }

    /// `silence 3 (comment)`: how the timeline and the CLI name it.
    public var label: String { "silence \(id)" }
}

/// A recurring quiet period: from each time its cron fires, for `duration`, alerts matching it are silenced.
public struct MaintenanceWindow: Sendable, Equatable {
    public var name: String
    public var schedule: CronSchedule
    public var duration: Duration
    public var matchers: Trigger

    public init(name: String, schedule: CronSchedule, duration: Duration, matchers: Trigger) {
        self.name = name
        self.schedule = schedule
        self.duration = duration
        self.matchers = matchers
    }

    /// The window open at `time`: the start of the latest opening that has not ended, or nil.
    public func openedAt(_ time: Date) -> Date? {
        guard let start = schedule.next(after: time.addingTimeInterval(-duration.seconds)), start <= time else {
            return nil
        }
        return start
    }

    public var label: String { "maintenance window \(name)" }
}

/// What quiets an alert at a moment: the first active silence or open maintenance window that matches it.
public struct Quiet: Sendable, Equatable {
    /// `silence 3` or `maintenance window nightly`.
    public var label: String
    /// The silence's comment, or the window's schedule.
    public var reason: String
    /// When the quiet ends, as far as is known now.
    public var until: Date

    /// The first of `silences` and `windows` that matches `alert` (mapped to `severity`) at `time`.
    public static func find(
        _ alert: Alert, severity: Severity, silences: [Silence], windows: [MaintenanceWindow], at time: Date
    ) -> Quiet? {
        for silence in silences where silence.isActive(at: time) && silence.matchers.matches(alert, severity: severity)
        {
            return Quiet(label: silence.label, reason: silence.comment, until: silence.endsAt)
        }
        for window in windows where window.matchers.matches(alert, severity: severity) {
            if let start = window.openedAt(time) {
                return Quiet(
                    label: window.label, reason: "cron \(window.schedule)",
                    until: start.addingTimeInterval(window.duration.seconds))
            }
        }
        return nil
    }
}

extension TimelineKind {
    /// An alert of an open incident fired while a silence or maintenance window matched it: `silence`, `name`.
    public static let alertSilenced = TimelineKind(rawValue: "alert_silenced")
    /// The incident opened for an alert that had been silenced: `silence`, `reason`, `count`, `since`.
    public static let silenceEnded = TimelineKind(rawValue: "silence_ended")
}

extension Trigger {
    /// The matchers as flat text: `alertname`, `source`, `severity`, and `labels.KEY`, each value as written
    /// (`~regex` or exact). The store keeps a silence's matchers this way, and the CLI reads `KEY=VALUE` into it.
    public var flattened: [String: String] {
        var fields: [String: String] = [:]
        if let alertname { fields["alertname"] = alertname.description }
        if let source { fields["source"] = source }
        if let severity { fields["severity"] = severity.rawValue }
        for (label, matcher) in labels { fields["labels." + label] = matcher.description }
        return fields
    }

    /// The trigger of flat matchers; nil when a severity is not P0–P3.
    public init?(flattened fields: [String: String]) {
        self.init()
        for (key, value) in fields {
            switch key {
            case "alertname": alertname = Matcher(value)
            case "source": source = value
            case "severity":
                guard let parsed = Severity(parsing: value) else { return nil }
                severity = parsed
            default:
                labels[key.hasPrefix("labels.") ? String(key.dropFirst(7)) : key] = Matcher(value)
            }
        }
    }

    /// What is wrong with the matchers of a silence or maintenance window, or nil: each value must be non-empty, a
    /// label name must be a Prometheus label name, and a `~regex` must compile (a broken one would match nothing,
    /// and the silence would quietly do nothing).
    public func silenceProblem() -> String? {
        if flattened.isEmpty { return "name at least one matcher, such as alertname=DiskFull" }
        for (key, value) in flattened.sorted(by: { $0.key < $1.key }) {
            let name = key.hasPrefix("labels.") ? String(key.dropFirst(7)) : key
            if key.hasPrefix("labels."), ["alertname", "source", "severity"].contains(name) {
                return "'\(name)' is a matcher of its own, not a label: write \(name)=VALUE"
            }
            guard let first = name.unicodeScalars.first,
                first == "_" || (first.isASCII && first.properties.isAlphabetic),
                name.unicodeScalars.allSatisfy({
                    $0 == "_" || ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0)
                })
            else { return "'\(name)' is not a label name: letters, digits and '_', not starting with a digit" }
            guard !value.isEmpty, value != "~" else { return "'\(name)' has no value to match" }
            if value.hasPrefix("~"), !BoundedRegex.isValid(String(value.dropFirst())) {
                return "'\(name)=\(value)': '\(value.dropFirst())' is not a valid regular expression"
            }
        }
        return nil
    }

    /// `alertname=DiskFull host=~db.*`, sorted.
    public var summary: String {
        flattened.map { ($0.key.hasPrefix("labels.") ? String($0.key.dropFirst(7)) : $0.key, $0.value) }
            .sorted { $0.0 < $1.0 }.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }
}
