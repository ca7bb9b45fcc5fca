import Foundation
import Incidents
import Store

/// An alert as `firebreak alerts list --json` prints it.
public struct AlertJSON: Encodable, Sendable {
    public var incidentID: String
    public var source: String
    public var key: String
    public var name: String
    public var status: String
    public var severity: String?
    public var labels: [String: String]
    public var annotations: [String: String]
    public var summary: String?
    public var url: String?
    public var startsAt: Date?
    public var endsAt: Date?
    public var fireCount: Int
    public var firstSeen: Date
    public var lastSeen: Date

    public init(_ record: AlertRecord) {
        incidentID = record.incidentID
        source = record.alert.source
        key = record.alert.key
        name = record.alert.name
        status = record.alert.status.rawValue
        severity = record.severity
        labels = record.alert.labels
        annotations = record.alert.annotations
        summary = record.alert.summary
        url = record.alert.url
        startsAt = record.alert.startsAt
        endsAt = record.alert.endsAt
        fireCount = record.fireCount
        firstSeen = record.firstSeen
        lastSeen = record.lastSeen
    }
}

/// An SNS subscription confirmation as `firebreak alerts subscriptions --json` prints it.
public struct SubscriptionJSON: Encodable, Sendable {
    public var topicArn: String
    public var subscribeURL: String
    public var receivedAt: Date
    public var confirmedAt: Date?
    public var error: String?

    public init(_ subscription: SNSSubscription) {
        topicArn = subscription.topicArn
        subscribeURL = subscription.subscribeURL
        receivedAt = subscription.receivedAt
        confirmedAt = subscription.confirmedAt
        error = subscription.confirmError
    }
}
