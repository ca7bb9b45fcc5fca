import Foundation

/// An event of the PagerDuty Events API v2 (`POST /v2/enqueue`).
public struct PagerDutyEvent: Sendable, Equatable {
    /// What the event asks for.
    public enum Action: String, Sendable, Equatable {
        case trigger
        case acknowledge
        case resolve
    }

    /// The integration key the sender was given.
    public var routingKey: String
    /// trigger, acknowledge or resolve.
    public var action: Action
    /// The incident key: given, or generated for a trigger without one.
    public var dedupKey: String
    /// For trigger and resolve: the alert.
    public var alert: Alert

    static let severities = ["critical", "error", "warning", "info"]

    /// Validates and decodes an event; every problem is listed, as PagerDuty does.
    /// - Parameter generateKey: Makes a dedup key for a trigger without one.
    public static func decode(_ body: Data, generateKey: () -> String) throws(AlertPayloadError) -> PagerDutyEvent {
        var fields = Fields(try object(body))
        let routingKey = fields.routingKey()
        let (action, actionText) = fields.action()
        let dedupKey = fields.dedupKey(for: action, actionText)
        let payload = fields.payload()
        var trigger = Trigger()
        if action == .trigger { trigger = fields.trigger(payload) }
        let url = fields.links(into: &trigger.annotations)
        fields.checkImages()
        guard fields.errors.isEmpty, let action else {
            throw AlertPayloadError("Event object is invalid", errors: fields.errors)
        }
        let key = dedupKey ?? generateKey()
        let alert = Alert(
            source: "pagerduty", key: key, status: action == .resolve ? .resolved : .firing,
            name: trigger.summary ?? key, labels: trigger.labels, annotations: trigger.annotations,
            summary: trigger.summary, severity: trigger.severity, startsAt: trigger.startsAt, url: url)
        return PagerDutyEvent(routingKey: routingKey, action: action, dedupKey: key, alert: alert)
    }

    /// The body as a JSON object.
    private static func object(_ body: Data) throws(AlertPayloadError) -> [String: Any] {
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw AlertPayloadError("Event object is invalid", errors: ["the body must be a JSON object"])
            }
            return parsed
        } catch let error as AlertPayloadError {
            throw error
        } catch {
            throw AlertPayloadError("Event object is invalid", errors: ["the body is not valid JSON"])
        }
    }

    /// What a trigger's payload says about the alert.
    private struct Trigger {
        var summary: String?
        var severity: String?
        var labels: [String: String] = [:]
        var annotations: [String: String] = [:]
        var startsAt: Date?
    }

    /// Reads the fields of an event object, collecting every problem in `errors`, in the order of the fields.
    private struct Fields {
        let object: [String: Any]
        var errors: [String] = []

        init(_ object: [String: Any]) {
            self.object = object
        }

        /// A string, `nil` when absent or null; any other type is an error.
        mutating func string(_ value: Any?, _ field: String) -> String? {
            guard let value, !(value is NSNull) else { return nil }
            if let text = value as? String { return text }
            errors.append("'\(field)' must be a string")
            return nil
        }

        mutating func routingKey() -> String {
            let routingKey = string(object["routing_key"], "routing_key") ?? ""
            if routingKey.isEmpty { errors.append("'routing_key' is missing or blank") }
            return routingKey
        }

        /// The action, and the text it was read from.
        mutating func action() -> (Action?, String) {
            let actionText = string(object["event_action"], "event_action") ?? ""
            let action = Action(rawValue: actionText)
            if action == nil {
                errors.append(
                    actionText.isEmpty
                        ? "'event_action' is missing; use trigger, acknowledge or resolve"
                        : "'event_action' must be trigger, acknowledge or resolve, not '\(actionText)'")
            }
            return (action, actionText)
        }

        /// The dedup key, `nil` when absent or empty; acknowledge and resolve need one.
        mutating func dedupKey(for action: Action?, _ actionText: String) -> String? {
            var dedupKey = string(object["dedup_key"], "dedup_key")
            if let key = dedupKey, key.count > 255 { errors.append("'dedup_key' is longer than 255 characters") }
            if dedupKey?.isEmpty == true { dedupKey = nil }
            if action != nil, action != .trigger, dedupKey == nil {
                errors.append("'dedup_key' is required to \(actionText) an event")
            }
            return dedupKey
        }

        mutating func payload() -> [String: Any]? {
            let payload = object["payload"] as? [String: Any]
            if object["payload"] != nil, !(object["payload"] is NSNull), payload == nil {
                errors.append("'payload' must be an object")
            }
            return payload
        }

        /// A trigger's payload: summary, source and severity are required.
        mutating func trigger(_ payload: [String: Any]?) -> Trigger {
            var trigger = Trigger()
            if payload == nil, object["payload"] == nil { errors.append("'payload' is required to trigger an event") }
            guard let payload else { return trigger }
            trigger.summary = string(payload["summary"], "payload.summary")
            if (trigger.summary ?? "").isEmpty { errors.append("'payload.summary' is missing or blank") }
            if let text = trigger.summary, text.count > 1024 {
                errors.append("'payload.summary' is longer than 1024 characters")
            }
            let source = string(payload["source"], "payload.source")
            if (source ?? "").isEmpty { errors.append("'payload.source' is missing or blank") }
            trigger.severity = string(payload["severity"], "payload.severity")
            if let value = trigger.severity, !severities.contains(value) {
                errors.append("'payload.severity' must be critical, error, warning or info, not '\(value)'")
            } else if trigger.severity == nil {
                errors.append("'payload.severity' is missing; use critical, error, warning or info")
            }
            for field in ["source", "component", "group", "class"] {
                if let value = string(payload[field], "payload.\(field)"), !value.isEmpty {
                    trigger.labels[field] = value
                }
            }
            if let text = string(payload["timestamp"], "payload.timestamp") {
                trigger.startsAt = Timestamp.parse(text)
                if trigger.startsAt == nil {
                    errors.append("'payload.timestamp' '\(text)' is not an ISO 8601 timestamp")
                }
            }
            if let details = payload["custom_details"], !(details is NSNull) {
                if let map = details as? [String: Any] {
                    for (key, value) in map { trigger.annotations[key] = flatten(value) }
                } else {
                    trigger.annotations["custom_details"] = flatten(details)
                }
            }
            return trigger
        }

        /// Each link's `href` becomes an annotation `link.N`.
        /// - Returns: The first link, the alert's URL.
        mutating func links(into annotations: inout [String: String]) -> String? {
            guard let links = object["links"] else { return nil }
            var url: String?
            if let list = links as? [[String: Any]] {
                for (index, link) in list.enumerated() {
                    guard let href = link["href"] as? String else {
                        errors.append("'links[\(index)].href' is required")
                        continue
                    }
                    if url == nil { url = href }
                    annotations["link.\(index)"] = href
                }
            } else if !(links is NSNull) {
                errors.append("'links' must be an array of {href, text}")
            }
            return url
        }

        mutating func checkImages() {
            if let images = object["images"], !(images is NSNull), !(images is [Any]) {
                errors.append("'images' must be an array of {src, href, alt}")
            }
        }
    }

    private static func flatten(_ value: Any) -> String {
        if let text = value as? String { return text }
        if let number = value as? NSNumber { return number.stringValue }
        if JSONSerialization.isValidJSONObject(value),
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        {
            return String(decoding: data, as: UTF8.self)
        }
        return "\(value)"
    }
}
