import Config
import Foundation
import HTTPTypes
import Hummingbird
import Notifications
import Store
import WebConsole

/// Signing in (a pasted API token, or a one-time link by email) and out.
struct SignInRoutes {
    let console: ConsoleRoutes

    func register(open: ConsoleGroup, guarded: ConsoleGroup) {
        open.get("sign-in", use: form)
        open.post("sign-in", use: signIn)
        open.post("sign-in/email", use: sendLink)
        open.get("sign-in/link/:token", use: confirmLink)
        open.post("sign-in/link/:token", use: useLink)
        guarded.post("sign-out", .viewer, use: signOut)
    }

    var secure: Bool { console.linkBase.lowercased().hasPrefix("https://") }

    /// A console cookie: HttpOnly, SameSite=Strict, Secure with an https `public_url`; the session cookie for the
    /// whole console, the sign-in secret for the sign-in pages only. `maxAge: 0` deletes it.
    func cookie(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge,
            path: name == ConsoleMiddleware.sessionCookie ? "/" : "/sign-in", secure: secure, httpOnly: true,
            sameSite: .strict)
    }

    /// The sign-in page, with a fresh pre-session secret in a cookie and in its forms (login CSRF).
    @Sendable func form(_ request: Request, context: FirebreakContext) async throws -> Response {
        if context.session != nil { return ConsolePage.redirect(Self.next(request.uri.queryParameters["next"])) }
        let signedOut = request.uri.queryParameters["signed_out"] != nil
        return signInPage(
            next: Self.next(request.uri.queryParameters["next"]), problem: nil, status: .ok,
            flash: signedOut ? "You are signed out." : nil)
    }

    func signInPage(next: String, problem: String?, status: HTTPResponse.Status, flash: String? = nil) -> Response {
        let secret = SessionAuthority.randomValue()
        var chrome = Chrome(title: "Sign in", session: nil)
        chrome.problem = problem
        chrome.flash = flash
        let page = SignInPage(
            chrome: chrome, csrf: secret, next: next, email: console.config.smtp != nil,
            linkMinutes: Int(console.sessions.linkLifetime / 60))
        var response = console.page("sign-in", page, status: status)
        response.setCookie(cookie(ConsoleMiddleware.signInCookie, secret, maxAge: 3_600))
        return response
    }

    func checkPreSession(_ request: Request, _ context: FirebreakContext) throws {
        guard let expected = request.cookies[ConsoleMiddleware.signInCookie]?.value else {
            throw ConsoleMiddleware.csrfError("the sign-in form is stale or cookies are off")
        }
        try ConsoleMiddleware.checkCSRF(context.form["_csrf"], expected: expected)
    }

    /// `POST /sign-in` with a pasted API token: a session with the token's user and role.
    @Sendable func signIn(_ request: Request, context: FirebreakContext) async throws -> Response {
        try checkPreSession(request, context)
        let next = Self.next(context.form["next"].map { Substring($0) })
        let token = (context.form["token"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else {
            return signInPage(next: next, problem: "Paste a token first.", status: .badRequest)
        }
        let problem: String
        switch try await console.tokens.verify(token) {
        case .valid(let caller) where caller.role >= .viewer:
            return try await startSession(caller, method: "token", next: next, context: context)
        case .valid(let caller):
            problem =
                "The token '\(caller.name)' has the role \(caller.role.rawValue), which cannot use the console; use a viewer, responder or admin token."
        case .revoked(let name):
            problem = "The token '\(name)' has been revoked; create a new one with 'firebreak token create NAME'."
        case .unknown:
            problem =
                "That is not a valid token. Tokens start with fbk_; create one with 'firebreak token create NAME'."
        }
        await console.record("sign in (token)", target: nil, result: "403 refused", context: context)
        return signInPage(next: next, problem: problem, status: .forbidden)
    }

    func startSession(_ caller: TokenAuthority.Caller, method: String, next: String, context: FirebreakContext)
        async throws -> Response
    {
        let (session, cookie) = try await console.sessions.create(for: caller, method: method, at: Date())
        var signed = context
        signed.session = session
        await console.record("sign in (\(method))", target: nil, result: "ok", context: signed)
        var response = ConsolePage.redirect(next)
        response.setCookie(self.cookie(ConsoleMiddleware.sessionCookie, cookie, maxAge: Int(console.sessions.lifetime)))
        response.setCookie(self.cookie(ConsoleMiddleware.signInCookie, "", maxAge: 0))
        return response
    }

    /// `POST /sign-in/email`: mails a one-time link to the user with that address. The answer is the same whether
    /// or not the address belongs to someone, so the form does not tell who the users are.
    @Sendable func sendLink(_ request: Request, context: FirebreakContext) async throws -> Response {
        try checkPreSession(request, context)
        let address = (context.form["email"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        guard console.config.smtp != nil else {
            return signInPage(
                next: "/incidents", problem: "Email is not set up (smtp: in firebreak.yml); sign in with a token.",
                status: .badRequest)
        }
        let user = console.config.users.values.first { user in
            user.contacts.contains { $0.type == "email" && $0.target.lowercased() == address }
        }
        if let user {
            let token = try await console.sessions.createLink(for: user.handle, at: Date())
            console.mailer.enqueue(
                .init(
                    address: address, name: user.name, handle: user.handle,
                    link: "\(console.linkBase)/sign-in/link/\(token)", minutes: Int(console.sessions.linkLifetime / 60))
            )
            await console.record("sign-in link queued", target: user.handle, result: "ok", context: context)
        }
        return signInPage(
            next: "/incidents", problem: nil, status: .ok,
            flash: "If \(address) belongs to a user, a sign-in link is on its way. It works once.")
    }

    /// `GET /sign-in/link/TOKEN`: asks before signing in, so a mail scanner that follows links does not use it up.
    @Sendable func confirmLink(_ request: Request, context: FirebreakContext) async throws -> Response {
        let token = try context.parameters.require("token")
        switch try await console.sessions.user(forLink: token, consume: false, at: Date()) {
        case .success(let user):
            let secret = SessionAuthority.randomValue()
            let page = MessagePage(
                chrome: Chrome(title: "Sign in", session: nil), heading: "Sign in as \(user)",
                text: "This link signs you in to the console once.", problem: false,
                form: .init(action: "/sign-in/link/\(token)", button: "Sign in", csrf: secret))
            var response = console.page("message", page)
            response.setCookie(cookie(ConsoleMiddleware.signInCookie, secret, maxAge: 3_600))
            return response
        case .failure(let problem):
            throw Self.linkError(problem)
        }
    }

    /// `POST /sign-in/link/TOKEN`: uses the link up and starts a session with the user's role.
    @Sendable func useLink(_ request: Request, context: FirebreakContext) async throws -> Response {
        try checkPreSession(request, context)
        let token = try context.parameters.require("token")
        switch try await console.sessions.user(forLink: token, consume: true, at: Date()) {
        case .success(let handle):
            guard let user = console.config.users[handle] else {
                throw APIError(
                    .forbidden, "unknown_user", "This link is for '\(handle)', who is no longer a user; ask an admin.")
            }
            let role = TokenRole(rawValue: user.role) ?? .responder
            return try await startSession(
                TokenAuthority.Caller(name: "email", user: handle, role: role), method: "email", next: "/incidents",
                context: context)
        case .failure(let problem):
            throw Self.linkError(problem)
        }
    }

    static func linkError(_ problem: SessionAuthority.LinkProblem) -> APIError {
        switch problem {
        case .unknown: APIError(.forbidden, "invalid_link", "This sign-in link is not valid; ask for a new one.")
        case .expired: APIError(.gone, "expired_link", "This sign-in link has expired; ask for a new one.")
        case .used: APIError(.conflict, "used_link", "This sign-in link was used already; ask for a new one.")
        }
    }

    /// `POST /sign-out`: revokes the session and forgets the cookie.
    @Sendable func signOut(_ request: Request, context: FirebreakContext) async throws -> Response {
        if let session = context.session { _ = try await console.store.revokeSession(id: session.id, at: Date()) }
        await console.record("sign out", target: nil, result: "ok", context: context)
        var response = ConsolePage.redirect("/sign-in?signed_out=1")
        response.setCookie(cookie(ConsoleMiddleware.sessionCookie, "", maxAge: 0))
        return response
    }

    /// Where to go after signing in: a path of this console only, never another site.
    /// Browsers drop tabs and line breaks from URLs, so `/<tab>/evil.example` would become `//evil.example`:
    /// any control character, space or backslash refuses the value, and what is left must parse as a bare path.
    static func next(_ value: Substring?) -> String {
        guard let value, value.hasPrefix("/"), !value.hasPrefix("//"),
            value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != "\\" }),
            let components = URLComponents(string: String(value)), components.scheme == nil, components.host == nil
        else {
            return "/incidents"
        }
        return String(value)
    }
}
