import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Incidents
import Store
import Testing

@testable import Server

/// Walks the console's own route table, so a page or form added later is checked the day it is added.
@Suite("console routes: every form needs the CSRF secret and its role; every page answers HTML")
struct ConsoleRouteTests {
    static func concrete(_ path: String) -> String {
        let id = path.hasPrefix("/runs/") ? "RUN-1" : path.hasPrefix("/runbooks/") ? "console-demo" : "INC-1"
        return path.replacingOccurrences(of: "{id}", with: id).replacingOccurrences(of: "{item}", with: "1")
            .replacingOccurrences(of: "{action}", with: "ack").replacingOccurrences(of: "{file}", with: "console.css")
            .replacingOccurrences(of: "{token}", with: "fbl_nothing")
    }

    static func server() async throws -> (TestServer, [TokenRole: String]) {
        let test = try await TestServer()
        test.directory.write("runbooks/console-demo.md", "# Demo\n\n```sh {name=hello}\necho hello\n```\n")
        _ = try await ConsoleTests.openIncident(test)
        var tokens: [TokenRole: String] = [:]
        for role in [TokenRole.viewer, .responder, .admin] {
            tokens[role] = try await test.server.tokens.create(name: "as-\(role.rawValue)", user: "alice", role: role)
        }
        return (test, tokens)
    }

    @Test("a guarded form posted without the session's secret is refused with 403 and an HTML page")
    func everyFormNeedsCSRF() async throws {
        let (test, tokens) = try await Self.server()
        let application = test.application()
        let posts = test.server.consoleRoutes.routes.filter { $0.method == .post && $0.role != nil }
        #expect(posts.count >= 15, "\(posts.map(\.path))")
        try await application.test(.router) { client in
            var admin = ConsoleBrowser()
            _ = try await admin.signIn(client, token: tokens[.admin]!)
            for route in posts {
                let response = try await admin.post(client, Self.concrete(route.path), ["_csrf": "wrong"])
                #expect(response.status == .forbidden, "\(route.path)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(route.path)")
                #expect(response.text.contains("Refused"), "\(route.path)")
            }
        }
        #expect(try await test.store.incident(id: "INC-1").status == .triggered)
        #expect(try await test.store.liveSessions(at: Date()).count == 1, "no form signed anyone out")
    }

    @Test("a session below a route's role gets 403 naming the role; the route's role gets past the check")
    func everyRouteChecksItsRole() async throws {
        let (test, tokens) = try await Self.server()
        let application = test.application()
        let routes = test.server.consoleRoutes.routes.filter { $0.role != nil && !$0.path.hasSuffix("/output") }
        try await application.test(.router) { client in
            for role in [TokenRole.viewer, .responder, .admin] {
                var browser = ConsoleBrowser()
                _ = try await browser.signIn(client, token: tokens[role]!)
                var secret = ConsoleBrowser.csrf(in: try await browser.get(client, "/incidents").text)
                for route in routes where route.path != "/events" {
                    let uri = Self.concrete(route.path)
                    let response =
                        route.method == .post
                        ? try await browser.post(client, uri, ["_csrf": secret])
                        : try await browser.get(client, uri)
                    let refused = response.status == .forbidden && response.text.contains("needs the role")
                    #expect(
                        refused == !role.allows(route.role!),
                        "\(role) \(route.method) \(route.path): \(response.status) \(response.text.suffix(400))")
                    #expect(response.status != .internalServerError, "\(route.path)")
                    if route.path == "/sign-out" {
                        _ = try await browser.signIn(client, token: tokens[role]!)
                        secret = ConsoleBrowser.csrf(in: try await browser.get(client, "/incidents").text)
                    }
                }
            }
        }
    }

    @Test("each page answers HTML with the page's own heading, escaped")
    func pagesRender() async throws {
        let (test, tokens) = try await Self.server()
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: tokens[.responder]!)
            let pages = [
                ("/incidents", "<h1>Incidents</h1>"), ("/incidents/INC-1", "INC-1: Checkout is down"),
                ("/incidents/INC-1/postmortem", "Post-mortem: INC-1"), ("/runbooks", "<h1>Runbooks</h1>"),
                ("/runbooks/console-demo", "<h1>Demo</h1>"), ("/runs", "<h1>Runs</h1>"),
                ("/oncall", "<h1>On call</h1>"),
                ("/overview", "<h1>Overview</h1>"),
            ]
            for (path, heading) in pages {
                let response = try await browser.get(client, path)
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.contentType] == "text/html; charset=utf-8", "\(path)")
                #expect(response.text.contains(heading), "\(path)")
            }
            let chart = try await browser.get(client, "/overview/chart.svg")
            #expect(chart.headers[.contentType] == "image/svg+xml")
            #expect(chart.text.hasPrefix("<svg"))
            #expect(try await browser.get(client, "/runs/RUN-99").status == .notFound)
            #expect(try await browser.get(client, "/runs/nonsense").status == .badRequest)
            #expect(try await browser.get(client, "/incidents?status=bogus").status == .badRequest)
        }
    }

    @Test("a hostile alert renders as text: labels, summary and name escaped, a javascript: URL not a link")
    func hostileAlert() async throws {
        let test = try await TestServer()
        let hook = try await test.server.tokens.create(name: "hook", role: .webhook)
        let hostile = #"<script>alert(1)</script>"><img src=x onerror=alert(2)>'"#
        let body = """
            {"name": "Evil\(hostile.replacingOccurrences(of: "\"", with: "\\\""))", "key": "k1",
             "labels": {"x": "\(hostile.replacingOccurrences(of: "\"", with: "\\\""))"},
             "summary": "\(hostile.replacingOccurrences(of: "\"", with: "\\\""))", "url": "javascript:alert(3)"}
            """
        try await test.application().test(.router) { client in
            let posted = try await client.execute(
                uri: "/webhooks/generic", method: .post,
                headers: [.authorization: "Bearer \(hook)", .contentType: "application/json"],
                body: ByteBuffer(string: body))
            #expect(posted.status.code < 300, "\(posted.text)")
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: test.token)
            for path in ["/incidents", "/incidents/INC-1"] {
                let page = try await browser.get(client, path).text
                #expect(!page.contains("<script>alert"), "\(path)")
                #expect(!page.contains("<img src=x"), "\(path)")
                #expect(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x"), "\(path)")
                #expect(!page.contains("href=\"javascript:"), "\(path)")
            }
        }
    }
}
