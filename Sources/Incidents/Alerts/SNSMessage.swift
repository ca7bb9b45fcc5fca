import Foundation

/// An Amazon SNS HTTP(S) delivery: the envelope around a CloudWatch alarm, or a subscription confirmation.
public struct SNSMessage: Sendable, Equatable, Decodable {
    public var type: String
    public var messageID: String
    public var topicArn: String
    public var subject: String?
    public var message: String
    public var timestamp: String
    public var signatureVersion: String
    public var signature: String
    public var signingCertURL: String
    public var subscribeURL: String?
    public var token: String?
    public var unsubscribeURL: String?

    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case messageID = "MessageId"
        case topicArn = "TopicArn"
        case subject = "Subject"
        case message = "Message"
        case timestamp = "Timestamp"
        case signatureVersion = "SignatureVersion"
        case signature = "Signature"
        case signingCertURL = "SigningCertURL"
        case subscribeURL = "SubscribeURL"
        case token = "Token"
        case unsubscribeURL = "UnsubscribeURL"
    }

    /// Decodes the envelope; `headerType` (`x-amz-sns-message-type`) wins over the body's `Type` when present.
    public static func decode(_ body: Data, headerType: String? = nil) throws(AlertPayloadError) -> SNSMessage {
        var message: SNSMessage = try AlertSources.decode(body, "an SNS message")
        if let headerType, !headerType.isEmpty { message.type = headerType }
        return message
    }

    /// The text SNS signed: `Name\nValue\n` for each field, in the documented order.
    /// - Throws: ``AlertPayloadError`` for a type that is not signed this way, or a missing field.
    public func stringToSign() throws(AlertPayloadError) -> String {
        var fields: [(String, String?)]
        switch type {
        case "Notification":
            fields = [("Message", message), ("MessageId", messageID)]
            if let subject { fields.append(("Subject", subject)) }
            fields += [("Timestamp", timestamp), ("TopicArn", topicArn), ("Type", type)]
        case "SubscriptionConfirmation", "UnsubscribeConfirmation":
            fields = [
                ("Message", message), ("MessageId", messageID), ("SubscribeURL", subscribeURL),
                ("Timestamp", timestamp), ("Token", token), ("TopicArn", topicArn), ("Type", type),
            ]
        default:
            throw AlertPayloadError(
                "SNS message type '\(type)' is not one of Notification, SubscriptionConfirmation, UnsubscribeConfirmation"
            )
        }
        var text = ""
        for (name, value) in fields {
            guard let value else { throw AlertPayloadError("the SNS \(type) has no '\(name)'") }
            text += name + "\n" + value + "\n"
        }
        return text
    }

    /// The CloudWatch alarm in a `Notification`, as an alert; `nil` for INSUFFICIENT_DATA, which neither fires nor resolves.
    public func cloudWatchAlert() throws(AlertPayloadError) -> Alert? {
        let alarm: CloudWatchAlarm = try AlertSources.decode(Data(message.utf8), "a CloudWatch alarm (the SNS Message)")
        let status: AlertStatus
        switch alarm.newStateValue {
        case "ALARM": status = .firing
        case "OK": status = .resolved
        case "INSUFFICIENT_DATA": return nil
        default: throw AlertPayloadError("NewStateValue '\(alarm.newStateValue)' is not ALARM, OK or INSUFFICIENT_DATA")
        }
        // arn:aws:cloudwatch:REGION:ACCOUNT:alarm:NAME — `Region` is a display name such as "EU (Ireland)".
        let arnParts = alarm.alarmArn.split(separator: ":", omittingEmptySubsequences: false)
        let region = arnParts.count > 3 ? String(arnParts[3]) : ""
        var labels = ["alertname": alarm.alarmName, "account": alarm.awsAccountID ?? "", "region": region]
        if let trigger = alarm.trigger {
            if let metric = trigger.metricName { labels["metric"] = metric }
            if let namespace = trigger.namespace { labels["namespace"] = namespace }
            for dimension in trigger.dimensions ?? [] { labels["dimension." + dimension.name] = dimension.value }
            if let metrics = trigger.metrics, !metrics.isEmpty {
                labels["metrics"] = metrics.compactMap { $0.id }.joined(separator: ",")
            }
        }
        labels = labels.filter { !$0.value.isEmpty }
        var annotations: [String: String] = ["new_state": alarm.newStateValue]
        if let description = alarm.alarmDescription { annotations["description"] = description }
        if let reason = alarm.newStateReason { annotations["reason"] = reason }
        if let old = alarm.oldStateValue { annotations["old_state"] = old }
        if let display = alarm.region { annotations["region_name"] = display }
        let changed = alarm.stateChangeTime.flatMap(Timestamp.parse)
        let name = alarm.alarmName.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? alarm.alarmName
        return Alert(
            source: "cloudwatch", key: alarm.alarmArn, status: status, name: alarm.alarmName, labels: labels,
            annotations: annotations, summary: alarm.alarmDescription.flatMap { $0.isEmpty ? nil : $0 } ?? subject,
            severity: nil, startsAt: status == .firing ? changed : nil, endsAt: status == .resolved ? changed : nil,
            url: region.isEmpty
                ? nil
                : "https://\(region).console.aws.amazon.com/cloudwatch/home?region=\(region)#alarmsV2:alarm/\(name)")
    }
}

struct CloudWatchAlarm: Decodable {
    struct Trigger: Decodable {
        struct Dimension: Decodable {
            var name: String
            var value: String
        }

        struct Metric: Decodable {
            var id: String?
            enum CodingKeys: String, CodingKey { case id = "Id" }
        }

        var metricName: String?
        var namespace: String?
        var dimensions: [Dimension]?
        var metrics: [Metric]?
        enum CodingKeys: String, CodingKey {
            case metricName = "MetricName"
            case namespace = "Namespace"
            case dimensions = "Dimensions"
            case metrics = "Metrics"
        }
    }

    var alarmName: String
    var alarmDescription: String?
    var awsAccountID: String?
    var newStateValue: String
    var oldStateValue: String?
    var newStateReason: String?
    var stateChangeTime: String?
    var region: String?
    var alarmArn: String
    var trigger: Trigger?

    enum CodingKeys: String, CodingKey {
        case alarmName = "AlarmName"
        case alarmDescription = "AlarmDescription"
        case awsAccountID = "AWSAccountId"
        case newStateValue = "NewStateValue"
        case oldStateValue = "OldStateValue"
        case newStateReason = "NewStateReason"
        case stateChangeTime = "StateChangeTime"
        case region = "Region"
        case alarmArn = "AlarmArn"
        case trigger = "Trigger"
    }
}
