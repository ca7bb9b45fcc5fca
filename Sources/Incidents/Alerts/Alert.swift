import Foundation

/// Whether an alert is firing or has resolved.
public enum AlertStatus: String, Sendable, Equatable, Codable {
    case firing
    case resolved
}

/// One alert from any source, normalised. Every source decoder produces these.
public struct Alert: Sendable, Equatable, Codable {
    /// `alertmanager`, `grafana`, `cloudwatch`, `pagerduty` or `generic`.
    public var source: String
    /// The source's identity of the alert: fingerprint, AlarmArn, dedup_key, key.
    public var key: String
    /// Firing or resolved.
    public var status: AlertStatus
    /// The alert's name (`alertname`, AlarmName, the summary for PagerDuty events).
    public var name: String
    /// Labels (dimensions, PagerDuty fields).
    public var labels: [String: String]
    /// Annotations (descriptions, URLs, custom details).
    public var annotations: [String: String]
    /// One line for humans.
    public var summary: String?
    /// The source's own severity word (`critical`, `warning`, …), before mapping.
    public var severity: String?
    /// When it started firing.
    public var startsAt: Date?
    /// When it resolved.
    public var endsAt: Date?
    /// A link back to the source.
    public var url: String?

    /// Creates an alert.
    public init(
        source: String, key: String, status: AlertStatus, name: String, labels: [String: String] = [:],
        annotations: [String: String] = [:], summary: String? = nil, severity: String? = nil, startsAt: Date? = nil,
        endsAt: Date? = nil, url: String? = nil
    ) {
        self.source = source
        self.key = key
        self.status = status
        self.name = name
        self.labels = labels
        self.annotations = annotations
        self.summary = summary
        self.severity = severity
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.url = url
    }

    /// The values a run sees: `name`, `status`, `source`, `key`, `severity`, `summary`, `url`, `labels.K` and
    /// `annotations.K` (the executor turns them into `ALERT_NAME`, `ALERT_LABEL_K`, `ALERT_ANNOTATION_K`, …).
    public var context: [String: String] {
        var values = ["name": name, "status": status.rawValue, "source": source, "key": key]
        if let severity { values["severity"] = severity }
        if let summary { values["summary"] = summary }
        if let url { values["url"] = url }
        for (label, value) in labels { values["labels." + label] = value }
        for (annotation, value) in annotations { values["annotations." + annotation] = value }
        return values
    }
}

/// The alerts of one delivery, with the group they belong to.
public struct AlertBatch: Sendable, Equatable {
    /// An Alertmanager/Grafana `groupKey`: all its alerts share one incident. `nil`: each alert key is its own.
    public var groupKey: String?
    /// The alerts, in delivery order.
    public var alerts: [Alert]

    /// Creates a batch.
    public init(groupKey: String? = nil, alerts: [Alert]) {
        self.groupKey = groupKey
        self.alerts = alerts
    }

    /// The incident key of an alert of this batch: the source and the group key, else the source and the alert key.
    public func incidentKey(for alert: Alert) -> String {
        alert.source + ":" + (groupKey ?? alert.key)
    }
}

/// A payload that could not be turned into alerts.
public struct AlertPayloadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for humans.
    public var message: String
    /// Each problem found, by field.
    public var errors: [String]

    /// Creates an error.
    public init(_ message: String, errors: [String] = []) {
        self.message = message
        self.errors = errors.isEmpty ? [message] : errors
    }

    public var description: String { message }
}
