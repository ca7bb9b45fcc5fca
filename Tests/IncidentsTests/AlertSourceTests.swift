import Foundation
import Incidents
import Testing

enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/webhooks")

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: directory.appendingPathComponent(name))
    }
}

@Suite("Alert sources")
struct AlertSourceTests {
    @Test("Alertmanager v4: the real firing and resolved payloads")
    func alertmanager() throws {
        let firing = try AlertSources.alertmanager(Fixtures.data("alertmanager/firing.json"))
        #expect(firing.groupKey == #"{}:{alertname="HighErrorRate", service="checkout"}"#)
        let alert = try #require(firing.alerts.first)
        #expect(alert.source == "alertmanager")
        #expect(alert.key == "7d2d332feada5c59")
        #expect(alert.status == .firing)
        #expect(alert.name == "HighErrorRate")
        #expect(alert.labels["service"] == "checkout")
        #expect(alert.severity == "critical")
        #expect(alert.summary == "High 5xx error rate on checkout")
        #expect(alert.endsAt == nil, "0001-01-01T00:00:00Z means still firing")
        #expect(alert.startsAt == Date(timeIntervalSince1970: 1_795_424_829.457))
        #expect(alert.url?.hasPrefix("http://127.0.0.1:9090/graph") == true)
        let resolved = try AlertSources.alertmanager(Fixtures.data("alertmanager/resolved.json"))
        #expect(resolved.alerts.first?.status == .resolved)
        #expect(resolved.alerts.first?.endsAt != nil)
        #expect(resolved.groupKey == firing.groupKey)
    }

    @Test("Alertmanager: a wrong version, a bad status and a missing field are named")
    func alertmanagerErrors() {
        #expect(throws: AlertPayloadError.self) {
            try AlertSources.alertmanager(Data(#"{"version":"3","alerts":[]}"#.utf8))
        }
        do {
            _ = try AlertSources.alertmanager(
                Data(#"{"version":"4","alerts":[{"status":"burning","labels":{}}]}"#.utf8))
            Issue.record("a bad status must be refused")
        } catch {
            #expect(error.message.contains("alerts[0].status"))
        }
        do {
            _ = try AlertSources.alertmanager(Data(#"{"version":"4"}"#.utf8))
            Issue.record("missing alerts must be refused")
        } catch {
            #expect(error.message.contains("'alerts' is required"))
        }
    }

    @Test("Grafana: values and dashboard links become annotations")
    func grafana() throws {
        let body = #"""
            {"receiver":"fb","status":"firing","orgId":1,"version":"1","groupKey":"{}:{alertname=\"CPU\"}",
             "title":"[FIRING:1] CPU","state":"alerting","message":"CPU high",
             "alerts":[{"status":"firing","labels":{"alertname":"CPU","severity":"warning"},"annotations":{},
               "startsAt":"2026-11-23T10:00:00+01:00","endsAt":"0001-01-01T00:00:00Z","generatorURL":"",
               "fingerprint":"abc","values":{"A":97.5},"dashboardURL":"http://grafana/d/1","panelURL":"http://grafana/d/1?viewPanel=2",
               "silenceURL":"http://grafana/silence"}]}
            """#
        let batch = try AlertSources.grafana(Data(body.utf8))
        let alert = try #require(batch.alerts.first)
        #expect(alert.source == "grafana")
        #expect(alert.annotations["value.A"] == "97.5")
        #expect(alert.annotations["dashboard_url"] == "http://grafana/d/1")
        #expect(alert.url == "http://grafana/d/1?viewPanel=2", "an empty generatorURL falls back to the panel")
        #expect(alert.startsAt == Timestamp.parse("2026-11-23T09:00:00Z"))
    }

    @Test("generic: one object or a list; the key defaults to a fingerprint of name and labels")
    func generic() throws {
        let one = try AlertSources.generic(
            Data(#"{"name":"DiskFull","labels":{"host":"db1"},"severity":"error"}"#.utf8))
        let again = try AlertSources.generic(Data(#"{"name":"DiskFull","labels":{"host":"db1"}}"#.utf8))
        #expect(one.alerts.first?.key == again.alerts.first?.key)
        #expect(one.alerts.first?.status == .firing)
        let list = try AlertSources.generic(Data(#"[{"name":"A","key":"k1"},{"name":"B","status":"resolved"}]"#.utf8))
        #expect(list.alerts.map(\.key).first == "k1")
        #expect(list.alerts.last?.status == .resolved)
        #expect(throws: AlertPayloadError.self) {
            try AlertSources.generic(Data(#"{"name":"A","startsAt":"yesterday"}"#.utf8))
        }
        #expect(throws: AlertPayloadError.self) { try AlertSources.generic(Data(#"{"status":"firing"}"#.utf8)) }
    }

    @Test("timestamps: Z, fractions, nanoseconds, +01:00 and CloudWatch's +0000")
    func timestamps() {
        #expect(Timestamp.parse("1970-01-01T00:00:00Z") == Date(timeIntervalSince1970: 0))
        #expect(Timestamp.parse("2026-11-20T14:03:07.318+0000") == Timestamp.parse("2026-11-20T14:03:07.318Z"))
        #expect(Timestamp.parse("2026-11-20T15:03:07+01:00") == Timestamp.parse("2026-11-20T14:03:07Z"))
        #expect(
            Timestamp.parse("2026-11-20T14:03:07.123456789Z")!.timeIntervalSince1970.truncatingRemainder(dividingBy: 1)
                > 0.12)
        #expect(Timestamp.parse("0001-01-01T00:00:00Z") == nil)
        #expect(Timestamp.parse("2026-13-01T00:00:00Z") == nil)
        #expect(Timestamp.parse("2026-11-20 garbage") == nil)
    }
}

@Suite("PagerDuty Events v2 and CloudWatch")
struct PagerDutyAndCloudWatchTests {
    @Test("a valid trigger keeps its fields; one without dedup_key gets a generated key")
    func trigger() throws {
        let body = #"""
            {"routing_key":"r","event_action":"trigger","payload":{"summary":"DB down","source":"db1","severity":"critical",
             "component":"postgres","group":"prod","class":"outage","custom_details":{"free":"0%","n":3}},
             "links":[{"href":"http://x/1","text":"x"}]}
            """#
        let event = try PagerDutyEvent.decode(Data(body.utf8)) { "generated" }
        #expect(event.dedupKey == "generated")
        #expect(event.action == .trigger)
        #expect(event.alert.severity == "critical")
        #expect(event.alert.labels == ["source": "db1", "component": "postgres", "group": "prod", "class": "outage"])
        #expect(event.alert.annotations["n"] == "3")
        #expect(event.alert.url == "http://x/1")
    }

    @Test("an invalid event lists every problem")
    func invalid() {
        do {
            _ = try PagerDutyEvent.decode(Data(#"{"event_action":"trigger","payload":{"severity":"fatal"}}"#.utf8)) {
                "k"
            }
            Issue.record("must be refused")
        } catch {
            #expect(error.message == "Event object is invalid")
            #expect(error.errors.contains { $0.contains("routing_key") })
            #expect(error.errors.contains { $0.contains("payload.summary") })
            #expect(error.errors.contains { $0.contains("payload.source") })
            #expect(
                error.errors.contains { $0.contains("'payload.severity' must be critical, error, warning or info") })
        }
        #expect(throws: AlertPayloadError.self) {
            try PagerDutyEvent.decode(Data(#"{"routing_key":"r","event_action":"resolve"}"#.utf8)) { "k" }
        }
    }

    @Test("the SNS alarm notification becomes a firing alert keyed by the AlarmArn")
    func cloudwatch() throws {
        let message = try SNSMessage.decode(Fixtures.data("sns/notification-alarm.json"))
        #expect(message.type == "Notification")
        let text = try message.stringToSign()
        #expect(text.hasPrefix("Message\n{"))
        #expect(text.contains("\nSubject\nALARM: \"checkout-5xx-high\" in EU (Ireland)\nTimestamp\n"))
        #expect(text.hasSuffix("TopicArn\narn:aws:sns:eu-west-1:123456789012:cw-alarms\nType\nNotification\n"))
        let alert = try #require(try message.cloudWatchAlert())
        #expect(alert.key == "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:checkout-5xx-high")
        #expect(alert.status == .firing)
        #expect(alert.labels["region"] == "eu-west-1", "the region code comes from the ARN, not the display name")
        #expect(alert.labels["dimension.LoadBalancer"] == "app/checkout-alb/50dc6c495c0c9188")
        #expect(alert.labels["metric"] == "HTTPCode_Target_5XX_Count")
        #expect(alert.startsAt == Timestamp.parse("2026-11-20T14:03:07.318Z"))
        let ok = try SNSMessage.decode(Fixtures.data("sns/notification-ok.json"))
        #expect(try ok.cloudWatchAlert()?.status == .resolved)
        let confirmation = try SNSMessage.decode(Fixtures.data("sns/subscription-confirmation.json"))
        #expect(
            try confirmation.stringToSign().contains(
                "SubscribeURL\nhttps://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription"))
        let header = try SNSMessage.decode(
            Fixtures.data("sns/notification-ok.json"), headerType: "SubscriptionConfirmation")
        #expect(header.type == "SubscriptionConfirmation", "the x-amz-sns-message-type header wins")
    }
}
