import Crypto
import FirebreakTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Incidents
import Server
import Store
import Testing

enum WebhookFixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/webhooks")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }
}

extension TestServer {
    func writeRunbook(_ name: String, _ text: String) throws {
        let runbooks = directory.url.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: runbooks, withIntermediateDirectories: true)
        try text.write(to: runbooks.appendingPathComponent(name), atomically: true, encoding: .utf8)
    }
}

@Suite("Alert webhooks")
struct WebhookTests {
    static let triage = """
        ---
        id: checkout-triage
        triggers:
          - alertname: HighErrorRate
            labels: { service: "~check.*" }
        ---
        # Checkout triage

        ```sh {name=inspect}
        echo "alert=$ALERT_NAME service=$ALERT_LABEL_SERVICE status=$ALERT_STATUS summary=$ALERT_ANNOTATION_SUMMARY"
        ```
        """

    @Test(
        "Alertmanager: firing opens a P1 and runs the matching runbook once; a re-post counts; resolved auto-resolves")
    func alertmanagerLifecycle() async throws {
        let test = try await TestServer()
        try test.writeRunbook("triage.md", Self.triage)
        let firing = try WebhookFixtures.text("alertmanager/firing.json")
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/alertmanager", method: .post, headers: test.auth, body: firing.buffer
            ) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["incidents"] as? [String] == ["INC-1"])
                #expect(response.body.json["runs"] as? [String] == ["RUN-1"])
                #expect((response.body.json["outcomes"] as? [String: Int])?["opened"] == 1)
            }
            for _ in 0..<2 {
                try await client.execute(
                    uri: "/webhooks/alertmanager", method: .post, headers: test.auth, body: firing.buffer
                ) { response in
                    #expect((response.body.json["outcomes"] as? [String: Int])?["repeated"] == 1)
                    #expect(response.body.json["runs"] as? [String] == [])
                }
            }
            await test.server.launcher.waitForIdle()
            let incident = try await test.store.incident(id: "INC-1")
            #expect(incident.severity == .p1, "severity=critical maps to P1")
            #expect(try await test.store.incidents().count == 1)
            #expect(try await test.store.alerts(incidentID: "INC-1").first?.fireCount == 3)
            let detail = try await test.store.runDetail(id: 1)
            #expect(detail.run.status == .succeeded)
            #expect(detail.run.incidentID == "INC-1")
            #expect(
                detail.attempts[0]?.first?.output
                    == "alert=HighErrorRate service=checkout status=firing summary=High 5xx error rate on checkout\n")
            let resolved = try WebhookFixtures.text("alertmanager/resolved.json")
            try await client.execute(
                uri: "/webhooks/alertmanager", method: .post, headers: test.auth, body: resolved.buffer
            ) { response in
                #expect((response.body.json["outcomes"] as? [String: Int])?["auto_resolved"] == 1)
            }
            try await client.execute(
                uri: "/webhooks/alertmanager", method: .post, headers: test.auth, body: resolved.buffer
            ) { response in
                #expect(
                    (response.body.json["outcomes"] as? [String: Int])?["ignored"] == 1,
                    "a re-posted resolve is a no-op")
            }
            #expect(try await test.store.incident(id: "INC-1").status == .resolved)
            let kinds = try await test.store.timeline(incidentID: "INC-1").map(\.kind.rawValue)
            #expect(kinds.filter { $0 == "alert_repeated" }.count == 2)
            #expect(kinds.contains("runbook_routed"))
            #expect(kinds.filter { $0 == "resolved" }.count == 1)
            // Within the reopen window the same group reopens the incident; the runbook already ran for it.
            try await client.execute(
                uri: "/webhooks/alertmanager", method: .post, headers: test.auth, body: firing.buffer
            ) { response in
                #expect((response.body.json["outcomes"] as? [String: Int])?["reopened"] == 1)
                #expect(response.body.json["runs"] as? [String] == [])
            }
            let skipped = try await test.store.timeline(incidentID: "INC-1").last { $0.kind == .runbookSkipped }
            #expect(skipped?.details["reason"] == "already ran for this incident")
        }
    }

    @Test("alert values reach steps only as variables: $(…) and backticks are never executed")
    func injection() async throws {
        let test = try await TestServer()
        let marker = test.directory.path("pwned")
        try test.writeRunbook(
            "echo.md",
            """
            ---
            id: echo-alert
            triggers:
              - alertname: Injected
            ---
            # Echo

            ```sh {name=echo}
            echo "service=$ALERT_LABEL_SERVICE"
            echo "note=$ALERT_ANNOTATION_NOTE"
            ```
            """)
        let label = "$(touch \(marker))"
        let note = "`touch \(marker)`; touch \(marker)"
        let body = try JSONSerialization.data(withJSONObject: [
            "name": "Injected", "labels": ["service": label], "annotations": ["note": note],
        ])
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/generic", method: .post, headers: test.auth,
                body: ByteBuffer(bytes: body)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["runs"] as? [String] == ["RUN-1"])
            }
        }
        await test.server.launcher.waitForIdle()
        let detail = try await test.store.runDetail(id: 1)
        #expect(detail.run.status == .succeeded)
        #expect(detail.attempts[0]?.first?.output == "service=\(label)\nnote=\(note)\n")
        #expect(!FileManager.default.fileExists(atPath: marker), "nothing from the alert was executed")
    }

    @Test("auth: none is 401, a wrong token 403; ?token= and basic auth work for senders without headers")
    func auth() async throws {
        let test = try await TestServer()
        let body = #"{"name":"A"}"#
        try await test.application().test(.router) { client in
            try await client.execute(uri: "/webhooks/generic", method: .post, body: body.buffer) { response in
                #expect(response.status == .unauthorized)
                #expect(response.body.json["error"] as? String == "unauthorized")
            }
            try await client.execute(
                uri: "/webhooks/generic?token=fbk_wrongwrongwrong", method: .post, body: body.buffer
            ) { response in
                #expect(response.status == .forbidden)
            }
            try await client.execute(uri: "/webhooks/generic?token=\(test.token)", method: .post, body: body.buffer) {
                response in
                #expect(response.status == .ok)
            }
            let basic = Data("alertmanager:\(test.token)".utf8).base64EncodedString()
            try await client.execute(
                uri: "/webhooks/generic", method: .post, headers: [.authorization: "Basic \(basic)"],
                body: body.buffer
            ) { response in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("bad payloads are 400 JSON naming the field, never a 500")
    func badPayloads() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            for (path, body, expected) in [
                ("alertmanager", "{", "malformed JSON"),
                ("alertmanager", #"{"version":"4","alerts":[{"status":"firing"}]}"#, "'alerts[0].labels' is required"),
                ("alertmanager", #"{"version":"4","alerts":"x"}"#, "'alerts' must be an array"),
                ("grafana", #"{"version":"2","alerts":[]}"#, "version '2'"),
                ("generic", #"{"name":"A","status":"on fire"}"#, "status must be 'firing' or 'resolved'"),
                ("cloudwatch", #"{"Type":"Notification"}"#, "is required"),
            ] {
                try await client.execute(uri: "/webhooks/\(path)", method: .post, headers: test.auth, body: body.buffer)
                { response in
                    #expect(response.status == .badRequest, "\(path) \(body)")
                    #expect(response.body.json["error"] as? String == "invalid_payload")
                    #expect(
                        (response.body.json["detail"] as? String)?.contains(expected) == true,
                        "\(response.body.json["detail"] ?? "") should contain \(expected)")
                }
            }
        }
        #expect(try await test.store.incidents().isEmpty)
    }

    @Test("PagerDuty Events v2: 202 with the dedup_key; acknowledge and resolve act on that incident; invalid is 400")
    func pagerDuty() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            let trigger =
                #"{"routing_key":"\#(test.token)","event_action":"trigger","payload":{"summary":"Disk full on db1","source":"db1","severity":"error"}}"#
            var key = ""
            try await client.execute(uri: "/v2/enqueue", method: .post, body: trigger.buffer) { response in
                #expect(response.status == .accepted)
                #expect(response.body.json["status"] as? String == "success")
                #expect(response.body.json["message"] as? String == "Event processed")
                key = response.body.json["dedup_key"] as? String ?? ""
                #expect(key.count == 32, "a trigger without dedup_key gets a generated one")
            }
            #expect(try await test.store.incident(id: "INC-1").severity == .p2, "error maps to P2")
            let ack = #"{"routing_key":"\#(test.token)","event_action":"acknowledge","dedup_key":"\#(key)"}"#
            try await client.execute(uri: "/v2/enqueue", method: .post, body: ack.buffer) { response in
                #expect(response.status == .accepted)
                #expect(response.body.json["dedup_key"] as? String == key)
            }
            #expect(try await test.store.incident(id: "INC-1").status == .acknowledged)
            let resolve =
                #"{"routing_key":"ignored-with-a-header-token","event_action":"resolve","dedup_key":"\#(key)"}"#
            try await client.execute(uri: "/v2/enqueue", method: .post, headers: test.auth, body: resolve.buffer) {
                response in
                #expect(response.status == .accepted)
            }
            #expect(try await test.store.incident(id: "INC-1").status == .resolved)
            try await client.execute(
                uri: "/v2/enqueue", method: .post,
                body: #"{"routing_key":"\#(test.token)","event_action":"trigger","payload":{"summary":"x"}}"#.buffer
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.body.json["status"] as? String == "invalid event")
                #expect((response.body.json["errors"] as? [String])?.count == 2)
            }
            try await client.execute(
                uri: "/v2/enqueue", method: .post,
                body:
                    #"{"routing_key":"nope","event_action":"trigger","payload":{"summary":"x","source":"s","severity":"info"}}"#
                    .buffer
            ) { response in
                #expect(response.status == .forbidden, "the routing key must be a Firebreak token")
            }
        }
        #expect(try await test.store.incidents().count == 1)
    }

    static func cloudwatchConfig(_ test: TemporaryDirectory, topics: [String] = []) -> String {
        """
        webhooks:
          cloudwatch:
            certificates: \(WebhookFixtures.directory.appendingPathComponent("sns/signing-cert.pem").path)
            topics: [\(topics.joined(separator: ", "))]
        """
    }

    @Test("CloudWatch through SNS: v1 and v2 signatures verify; a tampered message is 403; OK resolves")
    func cloudwatch() async throws {
        let test = try await TestServer(Self.cloudwatchConfig(TemporaryDirectory()))
        let textPlain: HTTPFields = [.authorization: "Bearer \(test.token)", .contentType: "text/plain; charset=UTF-8"]
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/cloudwatch", method: .post, headers: textPlain,
                body: try WebhookFixtures.text("sns/notification-tampered.json").buffer
            ) { response in
                #expect(response.status == .forbidden)
                #expect((response.body.json["detail"] as? String)?.contains("signature does not verify") == true)
            }
            #expect(try await test.store.incidents().isEmpty)
            try await client.execute(
                uri: "/webhooks/cloudwatch", method: .post, headers: textPlain,
                body: try WebhookFixtures.text("sns/notification-alarm.json").buffer
            ) { response in
                #expect(response.status == .ok)
                #expect((response.body.json["outcomes"] as? [String: Int])?["opened"] == 1)
            }
            #expect(try await test.store.incident(id: "INC-1").title == "5xx count on checkout ALB above 5/min")
            try await client.execute(
                uri: "/webhooks/cloudwatch", method: .post, headers: textPlain,
                body: try WebhookFixtures.text("sns/notification-ok.json").buffer
            ) { response in
                #expect(response.status == .ok)
                #expect((response.body.json["outcomes"] as? [String: Int])?["auto_resolved"] == 1)
            }
            try await client.execute(
                uri: "/webhooks/cloudwatch?token=\(test.token)", method: .post,
                headers: [.contentType: "text/plain"],
                body: try WebhookFixtures.text("sns/subscription-confirmation.json").buffer
            ) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["status"] as? String == "pending_confirmation")
                #expect(
                    (response.body.json["subscribe_url"] as? String)?.hasPrefix(
                        "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription") == true)
            }
        }
        #expect(try await test.store.incident(id: "INC-1").status == .resolved)
        #expect(try await test.store.subscriptions().first?.topicArn == "arn:aws:sns:eu-west-1:123456789012:cw-alarms")
    }

    @Test("CloudWatch: a topic outside the allow-list is refused; an unreachable signing certificate is refused")
    func cloudwatchRefusals() async throws {
        let allowList = try await TestServer(
            Self.cloudwatchConfig(TemporaryDirectory(), topics: ["arn:aws:sns:us-east-1:1:other"]))
        try await allowList.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/cloudwatch", method: .post, headers: allowList.auth,
                body: try WebhookFixtures.text("sns/notification-alarm.json").buffer
            ) { response in
                #expect(response.status == .forbidden)
                #expect((response.body.json["detail"] as? String)?.contains("webhooks.cloudwatch.topics") == true)
            }
        }
        // Without local certificates the signing certificate is fetched from Amazon, which cannot be reached here:
        // refused, with the reason (SNSCertificateTests covers fetching against a loopback stand-in).
        let unconfigured = try await TestServer()
        try await unconfigured.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/cloudwatch", method: .post, headers: unconfigured.auth,
                body: try WebhookFixtures.text("sns/notification-alarm.json").buffer
            ) { response in
                #expect(response.status == .forbidden)
                #expect(
                    (response.body.json["detail"] as? String)?.contains("SimpleNotificationService-fixture.pem") == true
                )
            }
        }
        let off = try await TestServer("webhooks:\n  cloudwatch:\n    verify_signatures: false\n")
        try await off.application().test(.router) { client in
            try await client.execute(
                uri: "/webhooks/cloudwatch", method: .post, headers: off.auth,
                body: try WebhookFixtures.text("sns/notification-tampered.json").buffer
            ) { response in
                #expect(response.status == .ok, "verification switched off in configuration")
            }
        }
    }

    @Test("Grafana: with a secret, the HMAC-SHA256 signature header is required and checked")
    func grafanaSignature() async throws {
        let test = try await TestServer("webhooks:\n  grafana:\n    secret: s3cret\n")
        let body =
            #"{"version":"1","groupKey":"g","alerts":[{"status":"firing","labels":{"alertname":"CPU","severity":"warning"},"fingerprint":"f"}]}"#
        let signature = HMAC<SHA256>.authenticationCode(
            for: Data(body.utf8), using: SymmetricKey(data: Data("s3cret".utf8))
        )
        .map { String(format: "%02x", $0) }.joined()
        let header = HTTPField.Name("X-Grafana-Alerting-Signature")!
        try await test.application().test(.router) { client in
            try await client.execute(uri: "/webhooks/grafana", method: .post, headers: test.auth, body: body.buffer) {
                response in
                #expect(response.status == .unauthorized)
            }
            var wrong = test.auth
            wrong[header] = String(repeating: "0", count: 64)
            try await client.execute(uri: "/webhooks/grafana", method: .post, headers: wrong, body: body.buffer) {
                response in
                #expect(response.status == .forbidden)
            }
            var signed = test.auth
            signed[header] = signature
            try await client.execute(uri: "/webhooks/grafana", method: .post, headers: signed, body: body.buffer) {
                response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await test.store.incident(id: "INC-1").severity == .p3)
    }
}
