import FirebreakTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Server
import Store
import Testing

@Suite("post-mortems over HTTP")
struct PostmortemAPITests {
    @Test("GET /incidents/{id}/postmortem answers Markdown or HTML by Accept; closing a P1 needs a published one")
    func postmortem() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/incidents", method: .post, headers: test.auth,
                body: #"{"title":"Checkout errors","severity":"P1","by":"alice"}"#.buffer
            ) { response in
                #expect(response.status == .created)
            }
            for action in ["ack", "resolve"] {
                try await client.execute(
                    uri: "/api/v1/incidents/INC-1/\(action)", method: .post, headers: test.auth,
                    body: #"{"by":"alice"}"#.buffer
                ) { response in
                    #expect(response.status == .ok)
                }
            }
            try await client.execute(
                uri: "/api/v1/incidents/INC-1/close", method: .post, headers: test.auth, body: #"{"by":"alice"}"#.buffer
            ) { response in
                #expect(response.status.code / 100 == 4)
                #expect(
                    (response.body.json["detail"] as? String)?.contains("firebreak postmortem publish INC-1") == true)
            }
            try await client.execute(uri: "/api/v1/incidents/INC-1/postmortem", method: .get, headers: test.auth) {
                response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/markdown; charset=utf-8")
                #expect(response.headers[HTTPField.Name("X-Postmortem-Status")!] == "generated")
                let text = String(buffer: response.body)
                #expect(text.hasPrefix("# Post-mortem: Checkout errors"))
                #expect(text.contains("| Acknowledged |"))
            }
            var html = test.auth
            html[.accept] = "text/html,application/xhtml+xml"
            try await client.execute(uri: "/api/v1/incidents/INC-1/postmortem", method: .get, headers: html) {
                response in
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                let text = String(buffer: response.body)
                #expect(text.hasPrefix("<!DOCTYPE html>"))
                #expect(text.contains("<nav class=\"toc\">"))
            }
            try await test.store.savePostmortem(
                incidentID: "INC-1", markdown: "# Checkout errors\n\nWritten by hand.\n", status: .published,
                by: "alice", at: Date())
            try await client.execute(uri: "/api/v1/incidents/INC-1/postmortem", method: .get, headers: test.auth) {
                response in
                #expect(response.headers[HTTPField.Name("X-Postmortem-Status")!] == "published")
                #expect(String(buffer: response.body) == "# Checkout errors\n\nWritten by hand.\n")
            }
            try await client.execute(
                uri: "/api/v1/incidents/INC-1/close", method: .post, headers: test.auth, body: #"{"by":"alice"}"#.buffer
            ) { response in
                #expect(response.status == .ok)
                #expect(response.body.json["status"] as? String == "closed")
            }
            try await client.execute(uri: "/api/v1/incidents/INC-9/postmortem", method: .get, headers: test.auth) {
                response in
                #expect(response.status == .notFound)
            }
        }
    }
}
