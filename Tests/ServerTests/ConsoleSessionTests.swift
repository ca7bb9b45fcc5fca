import FirebreakTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Store
import Testing

@testable import Server

@Suite("console sessions: emailed one-time links, expiry, revocation")
struct ConsoleSessionTests {
    static func config(smtpPort: Int) -> String {
        """
        server: {public_url: "http://console.example.com:8080"}
        smtp: {host: 127.0.0.1, port: \(smtpPort), security: none, from: firebreak@example.com, timeout: 5s}
        users:
          alice: {name: Alice Adams, role: admin, contact: [{email: alice@example.com}]}
          bob: {name: Bob Brown, contact: [{email: bob@example.com}]}
        """
    }

    /// Opens the sign-in page and asks for a link to `address`, as a person would.
    static func askForLink(_ client: some TestClientProtocol, _ browser: inout ConsoleBrowser, address: String)
        async throws -> TestResponse
    {
        let page = try await browser.get(client, "/sign-in")
        #expect(page.text.contains("id=\"send-link\""), "the form is offered when smtp: is set")
        return try await browser.post(
            client, "/sign-in/email", ["_csrf": ConsoleBrowser.csrf(in: page.text), "email": address])
    }

    /// The text part of an email, decoded from its base64.
    static func text(of mail: SMTPSink.Mail) -> String {
        guard let start = mail.raw.range(of: "Content-Transfer-Encoding: base64\r\n\r\n"),
            let end = mail.raw.range(of: "\r\n--", range: start.upperBound..<mail.raw.endIndex)
        else { return "" }
        let encoded = mail.raw[start.upperBound..<end.lowerBound].replacingOccurrences(of: "\r\n", with: "")
        return Data(base64Encoded: encoded).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The link in the one email the sink received.
    static func link(in mail: SMTPSink.Mail) -> String? {
        let text = Self.text(of: mail)
        guard let range = text.range(of: #"/sign-in/link/fbl_[A-Za-z0-9_-]+"#, options: .regularExpression) else {
            return nil
        }
        return String(text[range])
    }

    @Test("an emailed link is sent to the user's address, asks before signing in, works once, with the user's role")
    func emailedLink() async throws {
        let sink = try await SMTPSink.start(.plain)
        defer { sink.stop() }
        let test = try await TestServer(Self.config(smtpPort: sink.port))
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            let sent = try await Self.askForLink(client, &browser, address: "Alice@Example.com")
            #expect(sent.status == .ok)
            #expect(sent.text.contains("a sign-in link is on its way"))
            let mail = try #require(await sink.wait(for: 1).first)
            #expect(mail.recipients == ["alice@example.com"])
            let path = try #require(Self.link(in: mail), "the mail holds a link: \(mail.raw)")
            #expect(Self.text(of: mail).contains("http://console.example.com:8080/sign-in/link/"), "it uses public_url")
            // Following it (a mail scanner would) uses nothing up: it asks first.
            var person = ConsoleBrowser()
            let question = try await person.get(client, path)
            #expect(question.status == .ok)
            #expect(question.text.contains("Sign in as alice"))
            let signedIn = try await person.post(client, path, ["_csrf": ConsoleBrowser.csrf(in: question.text)])
            #expect(signedIn.status == .seeOther)
            let incidents = try await person.get(client, "/incidents")
            #expect(incidents.text.contains("alice · admin"), "the role comes from users.alice.role")
            // A second use is refused, from the same or another browser.
            var other = ConsoleBrowser()
            let again = try await other.get(client, path)
            #expect(again.status == .conflict)
            #expect(again.text.contains("used already"))
        }
        let sessions = try await test.store.liveSessions(at: Date())
        #expect(sessions.map(\.user) == ["alice"])
        #expect(sessions.first?.method == "email")
    }

    @Test("the access log never holds a link's token")
    func linksAreRedacted() {
        #expect(RequestMiddleware.loggedPath("/sign-in/link/fbl_abc") == "/sign-in/link/<redacted>")
        #expect(RequestMiddleware.loggedPath("/ack/1.2.abc") == "/ack/<redacted>")
        #expect(RequestMiddleware.loggedPath("/incidents/INC-1") == "/incidents/INC-1")
    }

    @Test("an unknown address gets the same answer and no email, so the form does not reveal who the users are")
    func unknownAddress() async throws {
        let sink = try await SMTPSink.start(.plain)
        defer { sink.stop() }
        let test = try await TestServer(Self.config(smtpPort: sink.port))
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            let answer = try await Self.askForLink(client, &browser, address: "mallory@example.com")
            #expect(answer.status == .ok)
            #expect(answer.text.contains("a sign-in link is on its way"))
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(sink.mail.isEmpty)
    }

    @Test("a link expires after 15 minutes, a forged one is refused, and a session ends after its lifetime")
    func expiry() async throws {
        let store = try SQLiteStore.inMemory()
        let authority = SessionAuthority(store: store)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let link = try await authority.createLink(for: "bob", at: start)
        #expect(try await authority.user(forLink: link, consume: false, at: start + 14 * 60) == .success("bob"))
        #expect(try await authority.user(forLink: link, consume: true, at: start + 15 * 60) == .failure(.expired))
        #expect(try await authority.user(forLink: link + "x", consume: true, at: start) == .failure(.unknown))
        #expect(try await authority.user(forLink: "fbl_short", consume: true, at: start) == .failure(.unknown))
        let caller = TokenAuthority.Caller(name: "t", user: "bob", role: .viewer)
        let (_, cookie) = try await authority.create(for: caller, method: "token", at: start)
        #expect(try await authority.session(cookie: cookie, at: start + 11 * 3_600)?.user == "bob")
        #expect(try await authority.session(cookie: cookie, at: start + 12 * 3_600) == nil, "12 hours at most")
        #expect(try await authority.session(cookie: "fbs_" + String(cookie.dropFirst(4).reversed()), at: start) == nil)
    }

    @Test("revoking the token a session came from signs that session out")
    func revokedTokenEndsSessions() async throws {
        let test = try await TestServer()
        let token = try await test.server.tokens.create(name: "laptop", user: "alice", role: .responder)
        try await test.application().test(.router) { client in
            var browser = ConsoleBrowser()
            _ = try await browser.signIn(client, token: token)
            #expect(try await browser.get(client, "/incidents").status == .ok)
            try await test.store.revokeToken(name: "laptop", at: Date())
            #expect(try await browser.get(client, "/incidents").status == .seeOther)
        }
    }
}
