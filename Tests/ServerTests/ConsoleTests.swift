import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Incidents
import Store
import Testing

@testable import Server

@Suite("console: sign-in, sessions, CSRF, headers and the incident pages")
struct ConsoleTests {
    @Test("a page without a session sends the browser to sign in and back; a form post without one is refused")
    func pagesNeedASession() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            try await client.execute(uri: "/incidents?status=all", method: .get) { response in
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/sign-in?next=/incidents?status%3Dall")
            }
            // A link followed from another site arrives without the SameSite=Strict cookie: the page opens the
            // address again from this site instead of asking to sign in.
            try await client.execute(
                uri: "/incidents/INC-7", method: .get, headers: [HTTPField.Name("Sec-Fetch-Site")!: "cross-site"]
            ) { response in
                #expect(response.status == .ok)
                #expect(response.text.contains(#"<meta http-equiv="refresh" content="0; url=/incidents/INC-7">"#))
            }
            try await client.execute(
                uri: "/incidents/INC-7", method: .get, headers: [HTTPField.Name("Sec-Fetch-Site")!: "same-origin"]
            ) { response in
                #expect(response.status == .seeOther)
            }
            try await client.execute(uri: "/incidents/INC-1/ack", method: .post, body: ByteBuffer(string: "_csrf=x")) {
                response in
                #expect(response.status == .forbidden)
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.text.contains("Your session has ended"))
            }
        }
    }

    @Test("signing in with a token sets an HttpOnly, SameSite=Strict session cookie; the session has the token's role")
    func signInWithToken() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            let response = try await browser.signIn(client, token: test.token)
            #expect(response.status == .seeOther)
            #expect(response.headers[.location] == "/incidents")
            let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("firebreak_session=") })
            #expect(cookie.contains("HttpOnly"))
            #expect(cookie.contains("SameSite=Strict"))
            #expect(!cookie.contains("Secure"), "plain http: a Secure cookie would never come back")
            let page = try await browser.get(client, "/incidents")
            #expect(page.status == .ok)
            #expect(page.text.contains("alice · admin"))
            let sessions = try await test.store.liveSessions(at: Date())
            #expect(sessions.count == 1)
            #expect(sessions.first?.user == "alice")
            #expect(sessions.first?.role == .admin)
            let value = String(cookie.dropFirst("firebreak_session=".count).prefix { $0 != ";" })
            #expect(sessions.first?.hash == TokenAuthority.hash(value), "stored as its hash")
            #expect(!(sessions.first?.prefix ?? "").isEmpty && !value.isEmpty)
        }
    }

    @Test("the cookie is Secure when public_url is https")
    func secureCookie() async throws {
        let test = try await TestServer("server: {public_url: \"https://firebreak.example.com\"}")
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            let response = try await browser.signIn(client, token: test.token)
            let cookie = try #require(response.headers[values: .setCookie].first { $0.hasPrefix("firebreak_session=") })
            #expect(cookie.contains("Secure"))
        }
    }

    @Test("bad, revoked and webhook tokens are refused with a message, and no session is made")
    func refusedTokens() async throws {
        let test = try await TestServer()
        let webhook = try await test.server.tokens.create(name: "hook", role: .webhook)
        let revoked = try await test.server.tokens.create(name: "gone", role: .admin)
        try await test.store.revokeToken(name: "gone", at: Date())
        try await test.application().test(.router) { client in
            for (token, message) in [
                ("fbk_nonsense", "not a valid token"), (webhook, "cannot use the console"), (revoked, "revoked"),
            ] {
                var browser = ConsoleBrowser()
                let response = try await browser.signIn(client, token: token)
                #expect(response.status == .forbidden)
                #expect(response.text.contains(message), "\(message)")
                #expect(browser.cookies["firebreak_session"] == nil)
            }
            // The sign-in form itself needs its pre-session secret (login CSRF).
            var stranger = ConsoleBrowser()
            let forged = try await stranger.post(client, "/sign-in", ["token": test.token, "_csrf": "guess"])
            #expect(forged.status == .forbidden)
        }
        #expect(try await test.store.liveSessions(at: Date()).isEmpty)
    }

    @Test("every page carries a CSP without inline script, X-Frame-Options DENY and a Referrer-Policy")
    func securityHeaders() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: test.token)
            for uri in ["/sign-in", "/incidents", "/incidents/INC-404", "/static/console.css"] {
                let response = try await browser.get(client, uri)
                let policy = response.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("script-src 'self'"), "\(uri)")
                #expect(!policy.contains("unsafe-inline"), "\(uri)")
                #expect(policy.contains("frame-ancestors 'none'"), "\(uri)")
                #expect(response.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(uri)")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(uri)")
            }
            let missing = try await browser.get(client, "/incidents/INC-404")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "text/html; charset=utf-8", "an HTML page, not JSON")
            #expect(missing.text.contains("no incident INC-404"))
        }
    }

    @Test("a form without the session's CSRF secret, with another session's, or from another origin changes nothing")
    func csrfRefusals() async throws {
        let test = try await TestServer()
        let incident = try await Self.openIncident(test)
        let other = try await test.server.tokens.create(name: "bob", user: "bob", role: .responder)
        try await test.application().test(.router) { client in
            var alice = ConsoleBrowser()
            _ = try await alice.signIn(client, token: test.token)
            var bob = ConsoleBrowser()
            _ = try await bob.signIn(client, token: other)
            let bobsSecret = ConsoleBrowser.csrf(in: try await bob.get(client, "/incidents").text)
            let alicesSecret = ConsoleBrowser.csrf(in: try await alice.get(client, "/incidents").text)
            #expect(!bobsSecret.isEmpty && bobsSecret != alicesSecret)
            let attempts: [([String: String], HTTPFields)] = [
                ([:], [:]), (["_csrf": ""], [:]), (["_csrf": bobsSecret], [:]),
                (["_csrf": alicesSecret], [.origin: "https://evil.example"]),
            ]
            for (form, headers) in attempts {
                let response = try await alice.post(client, "/incidents/\(incident)/ack", form, headers: headers)
                #expect(response.status == .forbidden)
                #expect(response.text.contains("Refused"))
            }
            #expect(try await test.store.incident(id: incident).status == .triggered)
            let done = try await alice.post(client, "/incidents/\(incident)/ack", ["_csrf": alicesSecret])
            #expect(done.status == .seeOther)
            #expect(done.headers[.location] == "/incidents/\(incident)?done=ack")
        }
        let acknowledged = try await test.store.incident(id: incident)
        #expect(acknowledged.status == .acknowledged)
        #expect(acknowledged.commander == "alice", "the person signed in is the actor")
        let audit = try await test.store.audit(since: nil, limit: 50)
        #expect(
            audit.contains {
                $0.via == "console" && $0.action == "POST /incidents/\(incident)/ack" && $0.actor == "alice"
            })
        #expect(audit.filter { $0.via == "console" && $0.result == "403 csrf" }.count == 4, "each refusal is audited")
    }

    @Test("a viewer sees the incident but no actions, and a viewer's post is refused naming the role")
    func viewerCannotAct() async throws {
        let test = try await TestServer()
        let incident = try await Self.openIncident(test)
        let viewer = try await test.server.tokens.create(name: "watcher", user: "carol", role: .viewer)
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: viewer)
            let page = try await browser.get(client, "/incidents/\(incident)")
            #expect(page.status == .ok)
            #expect(!page.text.contains("id=\"action-ack\""))
            let refused = try await browser.post(
                client, "/incidents/\(incident)/ack", ["_csrf": ConsoleBrowser.csrf(in: page.text)])
            #expect(refused.status == .forbidden)
            #expect(refused.text.contains("needs the role responder"))
        }
        #expect(try await test.store.incident(id: incident).status == .triggered)
    }

    @Test("a refusal by the engine shows the incident page again with the reason, as the CLI prints it")
    func engineRefusal() async throws {
        let test = try await TestServer("severities: {P1: {postmortem_required: true}}")
        let incident = try await Self.openIncident(test)
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: test.token)
            var secret = ConsoleBrowser.csrf(in: try await browser.get(client, "/incidents/\(incident)").text)
            _ = try await browser.post(client, "/incidents/\(incident)/resolve", ["_csrf": secret])
            secret = ConsoleBrowser.csrf(in: try await browser.get(client, "/incidents/\(incident)").text)
            let refused = try await browser.post(client, "/incidents/\(incident)/close", ["_csrf": secret])
            #expect(refused.status == .conflict)
            #expect(refused.text.contains("id=\"problem\""))
            #expect(refused.text.contains("post-mortem"))
            #expect(refused.text.contains("id=\"incident-status\">resolved<"))
        }
    }

    @Test("signing out revokes the session: the same cookie no longer opens a page")
    func signOut() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: test.token)
            let cookies = browser.cookies
            let page = try await browser.get(client, "/incidents")
            let out = try await browser.post(client, "/sign-out", ["_csrf": ConsoleBrowser.csrf(in: page.text)])
            #expect(out.status == .seeOther)
            #expect(browser.cookies["firebreak_session"] == nil, "the cookie is cleared")
            var replay = ConsoleBrowser(cookies: cookies)
            let after = try await replay.get(client, "/incidents")
            #expect(after.status == .seeOther, "a revoked session is signed out everywhere")
        }
        #expect(try await test.store.liveSessions(at: Date()).isEmpty)
    }

    @Test("after sign-in the browser goes to the page it came from, never to another site")
    func nextStaysHere() {
        #expect(SignInRoutes.next("/incidents/INC-3") == "/incidents/INC-3")
        #expect(SignInRoutes.next("//evil.example/x") == "/incidents")
        #expect(SignInRoutes.next("https://evil.example") == "/incidents")
        #expect(SignInRoutes.next("/\\evil.example") == "/incidents")
        #expect(SignInRoutes.next(nil) == "/incidents")
    }

    static func openIncident(_ test: TestServer, title: String = "Checkout is down") async throws -> String {
        let engine = IncidentEngine(policy: test.server.config.policy)
        let now = Date()
        return try await test.store.openIncident(at: now) { id in
            engine.open(id: id, title: title, severity: .p1, summary: nil, by: "alice", at: now)
        }.incident.id
    }
}

@Suite("console lists and items")
struct ConsoleListTests {
    @Test("more open incidents than a page: the next page has the oldest, and the open filter is done by the store")
    func openIncidentsPage() async throws {
        let test = try await TestServer()
        for number in 1...52 { _ = try await ConsoleTests.openIncident(test, title: "Incident number \(number)") }
        let engine = IncidentEngine(policy: test.server.config.policy)
        _ = try await test.store.updateIncident(id: "INC-52", at: Date()) {
            try engine.apply(.resolve, to: $0, by: "alice", at: Date())
        }
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: test.token)
            let first = try await browser.get(client, "/incidents").text
            #expect(first.components(separatedBy: "<tr data-incident=").count - 1 == 50)
            #expect(!first.contains(">INC-52<"), "resolved is not open")
            #expect(first.contains("offset=50"))
            let second = try await browser.get(client, "/incidents?status=open&severity=&offset=50").text
            #expect(second.components(separatedBy: "<tr data-incident=").count - 1 == 1)
            #expect(second.contains(">INC-1<"), "the oldest open incident is on the second page")
        }
    }

    @Test("an action item is marked done only under its own incident")
    func actionItemBelongsToIncident() async throws {
        let test = try await TestServer()
        let first = try await ConsoleTests.openIncident(test)
        let second = try await ConsoleTests.openIncident(test, title: "Another")
        let item = try await test.store.addActionItem(
            ActionItem(incidentID: first, type: .prevent, owner: "bob", text: "Add an alert", createdAt: Date()))
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: test.token)
            let secret = ConsoleBrowser.csrf(in: try await browser.get(client, "/incidents").text)
            let wrong = try await browser.post(
                client, "/incidents/\(second)/postmortem/actions/\(item.id)/done", ["_csrf": secret])
            #expect(wrong.status == .notFound)
            #expect(try await test.store.actionItems(incidentID: first).first?.status == "open")
            let right = try await browser.post(
                client, "/incidents/\(first)/postmortem/actions/\(item.id)/done", ["_csrf": secret])
            #expect(right.status == .seeOther)
        }
        #expect(try await test.store.actionItems(incidentID: first).first?.status == "done")
    }
}

@Suite("console answers for people")
struct ConsoleAnswerTests {
    @Test("an unknown path is an HTML page for a browser and JSON for a program")
    func unknownPath() async throws {
        let test = try await TestServer()
        try await test.application().test(.router) { client in
            let page = try await client.execute(uri: "/nope", method: .get, headers: [.accept: "text/html,*/*"])
            #expect(page.status == .notFound)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            let program = try await client.execute(uri: "/nope", method: .get, headers: [.accept: "application/json"])
            #expect(program.headers[.contentType]?.hasPrefix("application/json") == true)
            let api = try await client.execute(uri: "/api/v1/nope", method: .get, headers: [.accept: "text/html"])
            #expect(api.headers[.contentType]?.hasPrefix("application/json") == true, "the API always answers JSON")
        }
    }

    @Test("a finished run cannot be retried or resumed, and says why; a missing record names itself, not the API")
    func finishedRun() async throws {
        let test = try await TestServer()
        test.directory.write("runbooks/quick.md", "# Quick\n\n```sh {name=hello}\necho hello\n```\n")
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: test.token)
            let form = try await browser.get(client, "/runbooks/quick")
            let started = try await browser.post(
                client, "/runbooks/quick/runs", ["_csrf": ConsoleBrowser.csrf(in: form.text), "incident": ""])
            #expect(started.headers[.location] == "/runs/RUN-1")
            await test.server.launcher.waitForIdle()
            #expect(try await test.store.runDetail(id: 1).run.status == .succeeded)
            let secret = ConsoleBrowser.csrf(in: form.text)
            for action in ["retry", "resume"] {
                let refused = try await browser.post(client, "/runs/RUN-1/\(action)", ["_csrf": secret])
                #expect(refused.status == .conflict, "\(action)")
                #expect(refused.text.contains("RUN-1 succeeded"), "\(action)")
            }
            let missing = try await browser.get(client, "/incidents/INC-999")
            #expect(missing.text.contains("no incident INC-999."))
            #expect(!missing.text.contains("/api/v1"))
            #expect(try await browser.get(client, "/runs/RUN-999/output").status == .notFound)
        }
    }
}
