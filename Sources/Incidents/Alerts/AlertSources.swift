import Foundation

/// Decoders for the alert senders: each turns a request body into an ``AlertBatch`` or an ``AlertPayloadError``
/// that names the field at fault.
public enum AlertSources {
    // MARK: Alertmanager and Grafana

    struct GroupPayload: Decodable {
        var version: String?
        var status: String?
        var receiver: String?
        var groupKey: String?
        var externalURL: String?
        var alerts: [GroupAlert]
        var commonLabels: [String: String]?
        var title: String?
        var message: String?
        var orgId: Int?
        var truncatedAlerts: Int?
    }

    struct GroupAlert: Decodable {
        var status: String
        var labels: [String: String]
        var annotations: [String: String]?
        var startsAt: String?
        var endsAt: String?
        var generatorURL: String?
        var fingerprint: String?
        var values: [String: Double?]?
        var silenceURL: String?
        var dashboardURL: String?
        var panelURL: String?
    }

    /// A Prometheus Alertmanager webhook (version "4").
    public static func alertmanager(_ body: Data) throws(AlertPayloadError) -> AlertBatch {
        let payload: GroupPayload = try decode(body, "an Alertmanager webhook")
        if let version = payload.version, version != "4" {
            throw AlertPayloadError(
                "Alertmanager webhook version '\(version)' is not supported; Firebreak reads version 4 (Alertmanager 0.16 and later)"
            )
        }
        return try group(payload, source: "alertmanager")
    }

    /// A Grafana unified-alerting webhook contact point (version "1").
    public static func grafana(_ body: Data) throws(AlertPayloadError) -> AlertBatch {
        let payload: GroupPayload = try decode(body, "a Grafana webhook")
        if let version = payload.version, version != "1" {
            throw AlertPayloadError(
                "Grafana webhook version '\(version)' is not supported; Firebreak reads version 1 (unified alerting)")
        }
        return try group(payload, source: "grafana")
    }

    static func group(_ payload: GroupPayload, source: String) throws(AlertPayloadError) -> AlertBatch {
        var alerts: [Alert] = []
        var errors: [String] = []
        for (index, item) in payload.alerts.enumerated() {
            guard let status = AlertStatus(rawValue: item.status) else {
                errors.append("alerts[\(index)].status must be 'firing' or 'resolved', not '\(item.status)'")
                continue
            }
            var annotations = item.annotations ?? [:]
            for (name, value) in item.values ?? [:] {
                annotations["value." + name] = value.map { String($0) } ?? "null"
            }
            if let url = item.dashboardURL, !url.isEmpty { annotations["dashboard_url"] = url }
            if let url = item.panelURL, !url.isEmpty { annotations["panel_url"] = url }
            if let url = item.silenceURL, !url.isEmpty { annotations["silence_url"] = url }
            let name = item.labels["alertname"] ?? payload.title ?? "alert"
            alerts.append(
                Alert(
                    source: source, key: item.fingerprint.flatMap { $0.isEmpty ? nil : $0 } ?? fingerprint(item.labels),
                    status: status, name: name, labels: item.labels, annotations: annotations,
                    summary: annotations["summary"] ?? annotations["description"] ?? annotations["message"],
                    severity: item.labels["severity"], startsAt: item.startsAt.flatMap(Timestamp.parse),
                    endsAt: item.endsAt.flatMap(Timestamp.parse),
                    url: item.generatorURL.flatMap { $0.isEmpty ? nil : $0 } ?? item.panelURL ?? item.dashboardURL))
        }
        guard errors.isEmpty else { throw AlertPayloadError(errors.joined(separator: "; "), errors: errors) }
        let groupKey = payload.groupKey.flatMap { $0.isEmpty ? nil : $0 }
        return AlertBatch(groupKey: groupKey, alerts: alerts)
    }

    // MARK: Generic

    struct GenericAlert: Decodable {
        var name: String
        var status: String?
        var key: String?
        var labels: [String: String]?
        var annotations: [String: String]?
        var summary: String?
        var severity: String?
        var startsAt: String?
        var endsAt: String?
        var url: String?
    }

    /// Firebreak's own shape: one object, or an array of them, each
    /// `{name, status?, key?, labels?, annotations?, summary?, severity?, startsAt?, endsAt?, url?}`.
    public static func generic(_ body: Data) throws(AlertPayloadError) -> AlertBatch {
        let items: [GenericAlert]
        let trimmed = body.first { ![0x20, 0x0A, 0x0D, 0x09].contains($0) }
        if trimmed == UInt8(ascii: "[") {
            items = try decode(body, "a list of generic alerts")
        } else {
            items = [try decode(body, "a generic alert") as GenericAlert]
        }
        var alerts: [Alert] = []
        var errors: [String] = []
        for (index, item) in items.enumerated() {
            let place = items.count == 1 ? "" : "[\(index)]."
            let status = AlertStatus(rawValue: item.status ?? "firing")
            if status == nil {
                errors.append("\(place)status must be 'firing' or 'resolved', not '\(item.status ?? "")'")
            }
            if item.name.trimmingCharacters(in: .whitespaces).isEmpty {
                errors.append("\(place)name must not be empty")
            }
            let startsAt = try timestamp(item.startsAt, "\(place)startsAt", &errors)
            let endsAt = try timestamp(item.endsAt, "\(place)endsAt", &errors)
            guard let status else { continue }
            let labels = item.labels ?? [:]
            var identity = labels
            identity["alertname"] = item.name
            alerts.append(
                Alert(
                    source: "generic", key: item.key.flatMap { $0.isEmpty ? nil : $0 } ?? fingerprint(identity),
                    status: status, name: item.name, labels: labels, annotations: item.annotations ?? [:],
                    summary: item.summary, severity: item.severity ?? labels["severity"], startsAt: startsAt,
                    endsAt: endsAt, url: item.url))
        }
        guard errors.isEmpty else { throw AlertPayloadError(errors.joined(separator: "; "), errors: errors) }
        return AlertBatch(alerts: alerts)
    }

    private static func timestamp(_ text: String?, _ field: String, _ errors: inout [String]) throws(AlertPayloadError)
        -> Date?
    {
        guard let text, !text.isEmpty else { return nil }
        if text.hasPrefix("0001-01-01") { return nil }
        guard let date = Timestamp.parse(text) else {
            errors.append("\(field) '\(text)' is not an RFC 3339 timestamp such as 2026-11-23T09:07:09Z")
            return nil
        }
        return date
    }

    // MARK: Helpers

    /// A stable key for an alert without one: FNV-1a over its sorted labels, like Alertmanager's fingerprint.
    public static func fingerprint(_ labels: [String: String]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for (name, value) in labels.sorted(by: { $0.key < $1.key }) {
            for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0xFF) &* 0x100_0000_01b3
            for byte in value.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
            hash = (hash ^ 0xFE) &* 0x100_0000_01b3
        }
        let text = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }

    static func decode<T: Decodable>(_ body: Data, _ what: String) throws(AlertPayloadError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch let error as DecodingError {
            throw AlertPayloadError("the body is not \(what): " + describe(error))
        } catch {
            throw AlertPayloadError("the body is not \(what): \(error)")
        }
    }

    /// A decoding error as `field: problem`.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.map { key in key.intValue.map { "[\($0)]" } ?? "." + key.stringValue }.joined()
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let place = path(context.codingPath + [key])
            return "'\(place)' is required"
        case .typeMismatch(let type, let context):
            return "'\(path(context.codingPath))' must be \(describe(type))"
        case .valueNotFound(let type, let context):
            return "'\(path(context.codingPath))' must be \(describe(type)), not null"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "malformed JSON" }
            return "'\(path(context.codingPath))' is not valid: \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type, is Double?.Type: "a number"
        case is [String: String].Type: "an object of string values"
        default: "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}
