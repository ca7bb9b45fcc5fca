import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite("silences: held-back alerts open their incident when the silence ends")
struct SilenceAPITests {
    static func post(_ client: some TestClientProtocol, _ test: TestServer, _ uri: String, _ body: String) async throws
        -> (HTTPResponse.Status, [String: Any])
    {
        try await client.execute(uri: uri, method: .post, headers: test.auth, body: ByteBuffer(string: body)) {
            ($0.status, $0.body.json)
        }
    }

    @Test("a matching alert is recorded and counted but opens nothing; expiring the silence lets it through")
    func silenceThenRelease() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            let (created, silence) = try await Self.post(
                client, test, "/api/v1/silences",
                #"{"matchers":{"alertname":"DiskFull","host":"~db-.*"},"duration":"2h","comment":"resizing volumes"}"#)
            #expect(created == .created, "\(silence)")
            #expect(silence["state"] as? String == "active")
            #expect(silence["created_by"] as? String == "alice")
            let id = try #require(silence["id"] as? Int)

            let alert = #"{"name":"DiskFull","key":"disk-db-2","labels":{"host":"db-2"},"severity":"critical"}"#
            for _ in 0..<3 {
                let (status, outcome) = try await Self.post(client, test, "/webhooks/generic", alert)
                #expect(status == .ok)
                #expect((outcome["outcomes"] as? [String: Int])?["silenced"] == 1, "\(outcome)")
            }
            let other = #"{"name":"DiskFull","key":"disk-web-1","labels":{"host":"web-1"},"severity":"critical"}"#
            #expect(
                (try await Self.post(client, test, "/webhooks/generic", other).1["outcomes"] as? [String: Int])?[
                    "opened"] == 1)
            #expect(try await test.store.incidents().count == 1, "only the unsilenced alert opened an incident")

            try await client.execute(uri: "/api/v1/silences", method: .get, headers: test.auth) { response in
                let held = response.body.json["held_alerts"] as? [[String: Any]]
                #expect(held?.count == 1)
                #expect(held?.first?["count"] as? Int == 3, "counted while silenced")
                #expect(held?.first?["silenced_by"] as? String == "silence \(id)")
            }
            #expect(await test.server.silences.sweep() == 0, "still silenced: nothing goes through")

            let (expired, body) = try await Self.post(client, test, "/api/v1/silences/\(id)/expire", "{}")
            #expect(expired == .ok)
            #expect(body["state"] as? String == "expired")
            #expect(try await Self.post(client, test, "/api/v1/silences/\(id)/expire", "{}").0 == .conflict)
            #expect(await test.server.silences.sweep() == 1)
            let incidents = try await test.store.incidents()
            #expect(incidents.count == 2, "the alert still firing opened its incident when the silence ended")
            let opened = try #require(incidents.first { $0.dedupKey == "generic:disk-db-2" })
            let timeline = try await test.store.timeline(incidentID: opened.id)
            let ended = try #require(timeline.first { $0.kind.rawValue == "silence_ended" })
            #expect(ended.details["silence"] == "silence \(id)")
            #expect(ended.details["reason"] == "resizing volumes")
            #expect(ended.details["count"] == "3")
            #expect(try await test.store.silencedAlerts().isEmpty)
        }
    }

    @Test("an alert that resolves while silenced never opens an incident; bad silences are refused")
    func resolvedWhileSilenced() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            let (_, silence) = try await Self.post(
                client, test, "/api/v1/silences",
                #"{"matchers":{"alertname":"Flappy"},"duration":"1h","comment":"noisy"}"#)
            let id = try #require(silence["id"] as? Int)
            _ = try await Self.post(client, test, "/webhooks/generic", #"{"name":"Flappy","key":"f1"}"#)
            _ = try await Self.post(
                client, test, "/webhooks/generic", #"{"name":"Flappy","key":"f1","status":"resolved"}"#)
            #expect(try await test.store.silencedAlerts().isEmpty)
            _ = try await Self.post(client, test, "/api/v1/silences/\(id)/expire", "{}")
            #expect(await test.server.silences.sweep() == 0)
            #expect(try await test.store.incidents().isEmpty)

            for (body, error) in [
                (#"{"matchers":{},"duration":"1h","comment":"x"}"#, "missing_field"),
                (#"{"matchers":{"alertname":"X"},"comment":"x"}"#, "missing_field"),
                (#"{"matchers":{"alertname":"X"},"duration":"soon","comment":"x"}"#, "invalid_field"),
                (#"{"matchers":{"severity":"urgent"},"duration":"1h","comment":"x"}"#, "invalid_field"),
                (#"{"matchers":{"alertname":"X"},"duration":"1h"}"#, "missing_field"),
                (#"{"matchers":{"alertname":"X"},"ends_at":"2020-01-01T00:00:00Z","comment":"x"}"#, "invalid_field"),
                (#"{"matchers":{"host":"~db-["},"duration":"1h","comment":"x"}"#, "invalid_field"),
                (#"{"matchers":{"alertname":5},"duration":"1h","comment":"x"}"#, "invalid_field"),
                (#"{"matchers":{"alertname":""},"duration":"1h","comment":"x"}"#, "invalid_field"),
                (#"{"matchers":{"Host Name":"x"},"duration":"1h","comment":"x"}"#, "invalid_field"),
                (#"{"matchers":{"alertname":"X"},"ends_at":"tomorrow","comment":"x"}"#, "invalid_field"),
            ] {
                let (status, answer) = try await Self.post(client, test, "/api/v1/silences", body)
                #expect(status == .badRequest, "\(body)")
                #expect(answer["error"] as? String == error, "\(body): \(answer)")
            }
            #expect(try await Self.post(client, test, "/api/v1/silences/99/expire", "{}").0 == .notFound)

            // A pending silence, expired, never takes effect.
            let (_, pending) = try await Self.post(
                client, test, "/api/v1/silences",
                #"{"matchers":{"alertname":"Later"},"starts_at":"2099-01-01T00:00:00Z","duration":"1h","comment":"x"}"#)
            #expect(pending["state"] as? String == "pending")
            let pendingID = try #require(pending["id"] as? Int)
            let (_, cancelled) = try await Self.post(client, test, "/api/v1/silences/\(pendingID)/expire", "{}")
            #expect(cancelled["state"] as? String == "expired")
            #expect(try await Self.post(client, test, "/api/v1/silences/\(pendingID)/expire", "{}").0 == .conflict)
        }
    }

    @Test("a maintenance window from firebreak.yml silences its matchers while it is open")
    func maintenanceWindow() async throws {
        let test = try await TestServer(
            """
            maintenance_windows:
              - name: always
                cron: "* * * * *"
                duration: 2m
                match: {labels: {team: data}}
            """)
        try await test.application().test(.router) { client in
            let (_, outcome) = try await Self.post(
                client, test, "/webhooks/generic", #"{"name":"ReplicaLag","key":"r1","labels":{"team":"data"}}"#)
            #expect((outcome["outcomes"] as? [String: Int])?["silenced"] == 1, "\(outcome)")
            #expect(try await test.store.silencedAlerts().first?.silencedBy == "maintenance window always")
            #expect(try await test.store.incidents().isEmpty)
        }
    }
}

@Suite("silences: the races and the edges a review found")
struct SilenceEdgeTests {
    @Test("a quiet alert joining an open incident raises no severity, pages no one and starts nothing")
    func quietJoin() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            func post(_ uri: String, _ body: String) async throws -> [String: Any] {
                try await client.execute(uri: uri, method: .post, headers: test.auth, body: ByteBuffer(string: body)) {
                    $0.body.json
                }
            }
            let first =
                #"{"version":"4","groupKey":"g1","alerts":[{"status":"firing","labels":{"alertname":"Slow","severity":"warning"},"fingerprint":"fa"}]}"#
            #expect((try await post("/webhooks/alertmanager", first)["outcomes"] as? [String: Int])?["opened"] == 1)
            _ = try await post(
                "/api/v1/silences", #"{"matchers":{"alertname":"Down"},"duration":"1h","comment":"known outage"}"#)
            let second =
                #"{"version":"4","groupKey":"g1","alerts":[{"status":"firing","labels":{"alertname":"Down","severity":"critical"},"fingerprint":"fb"}]}"#
            #expect((try await post("/webhooks/alertmanager", second)["outcomes"] as? [String: Int])?["attached"] == 1)
        }
        let incident = try await test.store.incident(id: "INC-1")
        #expect(incident.severity == .p3, "a silenced critical alert does not raise the incident to P1")
        #expect(incident.escalation == nil, "nor plan an escalation")
        let timeline = try await test.store.timeline(incidentID: "INC-1")
        #expect(timeline.contains { $0.kind.rawValue == "alert_silenced" && $0.details["name"] == "Down" })
        #expect(!timeline.contains { $0.kind.rawValue == "severity_changed" })
        #expect(try await test.store.notifications(incidentID: "INC-1").count <= 1, "only the P3's own announcement")
    }

    @Test("a release for an alert no longer held (a resolve came first) opens nothing")
    func staleRelease() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { _ in
            let summary = try await test.server.pipeline.ingest(
                .release(incidentKey: "generic:gone", alertKey: "gone"), requestID: "test")
            #expect(summary.alerts == 0)
        }
        #expect(try await test.store.incidents().isEmpty)
    }

    @Test("a label named like a matcher key is refused, not stored (it would collide in the JSON)")
    func labelNamedAlertname() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/silences", method: .post, headers: test.auth,
                body: ByteBuffer(
                    string: #"{"matchers":{"alertname":"A","labels.alertname":"A"},"duration":"1h","comment":"x"}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect((response.body.json["detail"] as? String)?.contains("a matcher of its own") == true)
            }
        }
        #expect(try await test.store.silences(endingAfter: nil).isEmpty)
    }
}
