import Basics
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Store
import WebConsole

/// The console's guard: security headers on every page, the session from its cookie, the CSRF check on every
/// form, and errors as HTML pages (never JSON, never a 500 page with a Swift type in it).
struct ConsoleMiddleware: RouterMiddleware {
    typealias Context = FirebreakContext
    let sessions: SessionAuthority
    let renderer: PageRenderer
    let feed: ChangeFeed
    /// Where refused forms are recorded.
    var audit: AuditLog?
    /// Whether pages need a session (sign-in pages and assets do not).
    let requireSession: Bool

    static let sessionCookie = "firebreak_session"
    static let signInCookie = "firebreak_sign_in"

    /// No inline script or style, nothing from elsewhere, no framing; forms post only here.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        HTTPField.Name("Referrer-Policy")!: "same-origin",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
    ]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        context.changeSequence = feed.sequence
        var response: Response
        do {
            if let cookie = request.cookies[Self.sessionCookie]?.value {
                context.session = try await sessions.session(cookie: cookie, at: Date())
                context.caller = context.session.map {
                    TokenAuthority.Caller(name: $0.tokenName ?? "session", user: $0.user, role: $0.role)
                }
            }
            if request.method == .post {
                context.form = try await Self.form(request)
                try checkOrigin(request)
            }
            if requireSession {
                guard let session = context.session else { return try signInFirst(request) }
                if request.method == .post {
                    try Self.checkCSRF(context.form["_csrf"], expected: session.csrf)
                }
            }
            response = try await next(request, context)
        } catch {
            response = errorPage(error, context: context)
            if request.method == .post, response.status == .forbidden, let audit {
                let answer = APIError.from(error)
                await audit.record(
                    AuditRecord(
                        at: Date(), actor: context.consoleActor,
                        action: "POST \(request.uri.path)", target: nil, via: "console", requestID: context.requestID,
                        result: "403 \(answer.error)"))
            }
        }
        for field in Self.securityHeaders { response.headers[field.name] = field.value }
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// Without a session: a page sends the browser to sign in and come back; a form post is refused.
    ///
    /// A `SameSite=Strict` cookie is not sent when the navigation started on another site (a link in an email or
    /// a chat). Such a request gets a page that opens the same address again from this site, which carries the
    /// cookie; only a browser that is really signed out then lands on the sign-in page.
    func signInFirst(_ request: Request) throws -> Response {
        guard request.method == .get || request.method == .head else {
            throw APIError(
                .forbidden, "signed_out", "Your session has ended; sign in again, then repeat what you were doing.")
        }
        let target = request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        // Only a path of this console (`//host` would leave it).
        if request.headers[HTTPField.Name("Sec-Fetch-Site")!] == "cross-site",
            SignInRoutes.next(Substring(target)) == target
        {
            var chrome = Chrome(title: "Opening", session: nil)
            chrome.refresh = target
            let page = MessagePage(
                chrome: chrome, heading: "Opening the console…", text: "If nothing happens, follow the link below.",
                problem: false, back: target)
            return ConsolePage.html(renderer.render("message", page))
        }
        var components = URLComponents()
        components.path = "/sign-in"
        if target != "/" { components.queryItems = [URLQueryItem(name: "next", value: target)] }
        return Response(status: .seeOther, headers: [.location: components.string ?? "/sign-in"])
    }

    /// A form from another site is refused even before the token check: browsers send `Origin` with every POST.
    func checkOrigin(_ request: Request) throws {
        guard let origin = request.headers[.origin], let host = request.head.authority
        else { return }
        guard let url = URL(string: origin), let originHost = url.host else {
            throw Self.csrfError("the form came from an origin the console cannot read ('\(origin)')")
        }
        let authority = url.port.map { "\(originHost):\($0)" } ?? originHost
        guard authority == host || originHost == host else {
            throw Self.csrfError("the form came from \(origin), not from this console")
        }
    }

    /// A form's `_csrf` field must carry the session's secret.
    static func checkCSRF(_ presented: String?, expected: String) throws {
        guard let presented, TokenAuthority.constantTimeEqual(Data(presented.utf8), Data(expected.utf8)) else {
            throw csrfError("the form's security token is missing or stale")
        }
    }

    static func csrfError(_ reason: String) -> APIError {
        APIError(.forbidden, "csrf", "Refused: \(reason). Reload the page and try again.")
    }

    /// The fields of an `application/x-www-form-urlencoded` body (the last of repeated names wins).
    static func form(_ request: Request) async throws -> [String: String] {
        guard let type = request.headers[.contentType], type.lowercased().hasPrefix("application/x-www-form-urlencoded")
        else { return [:] }
        var body = request.body
        let buffer = try await body.collect(upTo: .max)
        return parseForm(String(buffer: buffer))
    }

    /// Parsed by hand: Foundation's `URLComponents.percentEncodedQuery` stops the process on text that is not
    /// valid percent-encoding (a bare space, `%zz`), and a body is whatever a client sends. A field whose
    /// encoding is broken keeps its raw text.
    static func parseForm(_ text: String) -> [String: String] {
        func decode(_ part: Substring) -> String {
            let spaced = part.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// An error as a page: its status, and the message a person can act on.
    func errorPage(_ error: any Error, context: FirebreakContext) -> Response {
        let apiError = APIError.from(error)
        let heading: String
        switch apiError.status.code {
        case 403: heading = "Not allowed"
        case 404: heading = "Not found"
        case 409: heading = "Not possible now"
        case 400..<500: heading = "That did not work"
        default: heading = "Something went wrong"
        }
        let serverSide = apiError.status.code >= 500
        if serverSide {
            context.logger.error("console request failed: \(String(reflecting: error))")
        }
        // A server-side failure's detail (a database error, SQL) is for the log, not the page.
        // A store's "not found" names the record; its API hint (GET /api/v1/…) is for programs.
        let detail =
            (error as? StoreError).map { $0.code == .notFound ? $0.message + "." : apiError.detail } ?? apiError.detail
        let text =
            serverSide
            ? "The server could not finish this (request \(context.requestID)); the server log has the details. Try again in a moment."
            : detail
        let page = MessagePage(
            chrome: Chrome(title: heading, session: context.session), heading: heading, text: text, problem: true,
            back: context.session == nil ? "/sign-in" : Self.section(of: context))
        return ConsolePage.html(renderer.render("message", page), status: apiError.status)
    }
}

extension ConsoleMiddleware {
    /// Whether an error outside the console's routes (an unknown path) should be a page: a browser asks for
    /// HTML, and the path is not one of the API's, whose callers always get JSON.
    static func wantsPage(_ request: Request) -> Bool {
        let path = request.uri.path
        guard (request.headers[.accept] ?? "").contains("text/html") else { return false }
        return !["/api/", "/webhooks", "/v2/", "/health", "/metrics", "/ack/"].contains { path.hasPrefix($0) }
    }

    /// A small page for such an error, with the console's security headers.
    static func plainPage(_ error: APIError) -> Response {
        let text =
            error.status.code >= 500
            ? "The server could not finish this; the server log has the details." : error.detail
        var headers = securityHeaders
        headers[.cacheControl] = "no-store"
        let heading = error.status.code == 404 ? "Not found" : "That did not work"
        let page =
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Firebreak</title>"
            + "<link rel=\"stylesheet\" href=\"/static/console.css\"></head><body><main>"
            + "<h1>\(heading)</h1><p class=\"problem\">\(HTML.escape(text))</p>"
            + "<p><a href=\"/\">Open the console</a></p></main></body></html>\n"
        return ConsolePage.html(page, status: error.status, headers: headers)
    }

    /// The list page of the part of the console a request was in: where an error page's "Back" goes.
    static func section(of context: FirebreakContext) -> String {
        let path = context.endpointPath ?? "/incidents"
        for section in ["/runs", "/runbooks", "/oncall", "/overview"] where path.hasPrefix(section) { return section }
        return "/incidents"
    }
}

/// Answers for the console's pages.
enum ConsolePage {
    /// An HTML page.
    static func html(_ text: String, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// 303 to `location` (after a form, so reloading does not post again).
    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }
}
