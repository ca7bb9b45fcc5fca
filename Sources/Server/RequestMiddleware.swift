import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore

/// The outermost middleware: gives each request an id (from `X-Request-ID` or generated), limits the body size,
/// turns every error into a JSON body, counts requests by route and status, and logs one line per request.
struct RequestMiddleware: RouterMiddleware {
    typealias Context = FirebreakContext
    let maxBodyBytes: Int

    static let requestIDField = HTTPField.Name("X-Request-ID")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let requestID = Self.acceptableID(request.headers[Self.requestIDField]) ?? Self.generateID()
        context.requestID = requestID
        context.logger[metadataKey: "request.id"] = .string(requestID)
        context.logger[metadataKey: "hb.request.id"] = nil
        let started = ContinuousClock.now
        var response: Response
        // HEAD is GET without the body (RFC 9110 §9.3.2): the router answers it through the GET route
        // (`autoGenerateHeadEndpoints`); errors and 404s lose their body here.
        let isHead = request.method == .head
        do {
            var request = request
            if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
                throw Self.tooLarge(maxBodyBytes)
            }
            if request.method == .post || request.method == .put || request.method == .patch {
                do {
                    _ = try await request.collectBody(upTo: maxBodyBytes)
                } catch let error as HTTPError where error.status == .contentTooLarge {
                    throw Self.tooLarge(maxBodyBytes)
                } catch is NIOTooManyBytesError {
                    // A chunked body has no Content-Length to refuse up front; it fails while being collected, and
                    // the rest of it (of unknown size) is never read: the connection closes.
                    var error = Self.tooLarge(maxBodyBytes)
                    error.headers[.connection] = "close"
                    throw error
                }
            }
            response = try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.status == .internalServerError {
                context.logger.error("request failed: \(String(reflecting: error))")
            }
            response =
                ConsoleMiddleware.wantsPage(request)
                ? ConsoleMiddleware.plainPage(apiError)
                : try apiError.response(from: request, context: context)
        }
        response.headers[Self.requestIDField] = requestID
        if isHead, let length = response.body.contentLength, length > 0 {
            // An error or 404 answered to HEAD: keep its length, drop its body.
            let declared = response.headers[.contentLength] ?? String(length)
            response.body = ResponseBody()
            response.headers[.contentLength] = declared
        }
        Self.observe(request, response, context: context, since: started)
        return response
    }

    /// Counts and times the request, and writes its access-log line.
    static func observe(
        _ request: Request, _ response: Response, context: FirebreakContext, since started: ContinuousClock.Instant
    ) {
        let route = context.endpointPath ?? "unmatched"
        let status = String(response.status.code)
        let elapsed = ContinuousClock.now - started
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        Counter(
            label: "firebreak_http_requests_total",
            dimensions: [("route", route), ("method", request.method.rawValue), ("status", status)]
        ).increment()
        Metrics.Timer(
            label: "firebreak_http_request_duration_seconds",
            dimensions: [("route", route), ("method", request.method.rawValue)]
        )
        .recordNanoseconds(nanoseconds)
        let path = loggedPath(request.uri.path)
        context.logger.info(
            "\(request.method.rawValue) \(path) \(status)",
            metadata: [
                "http.status": .string(status), "http.route": .string(route),
                "duration_ms": .string(String(format: "%.1f", Double(nanoseconds) / 1e6)),
            ])
    }

    /// The path as the access log writes it: an acknowledge or sign-in link's path is its credential, so the log
    /// names the route, never the token.
    static func loggedPath(_ path: String) -> String {
        for prefix in ["/ack/", "/sign-in/link/"] where path.hasPrefix(prefix) { return prefix + "<redacted>" }
        return path
    }

    static func tooLarge(_ limit: Int) -> APIError {
        APIError(
            .contentTooLarge, "body_too_large",
            "the request body is larger than \(limit) bytes; send less, or raise server.max_body in firebreak.yml")
    }

    /// A caller's request id is kept when it is short and plain, so it is safe in logs and headers.
    static func acceptableID(_ value: String?) -> String? {
        guard let value, !value.isEmpty, value.count <= 128,
            value.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.:".unicodeScalars.contains($0))
            })
        else { return nil }
        return value
    }

    static func generateID() -> String {
        UUID().uuidString.lowercased()
    }
}

/// Bearer-token authentication and rate limiting for the API. A valid token is limited by its name; a request
/// without one is limited by its address, so guessing tokens is limited too. Every answer carries the
/// `X-RateLimit-*` headers.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = FirebreakContext
    let tokens: TokenAuthority
    let limiter: RateLimiter
    let audit: AuditLog

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let verdict: TokenAuthority.Verdict?
        let calendarToken = request.uri.path.hasSuffix(".ics") ? request.uri.queryParameters["token"] : nil
        if request.headers[.authorization] == nil, let calendarToken {
            // A calendar app subscribing to `.ics` cannot send headers: the token may come in the query there.
            verdict = try await tokens.verify(String(calendarToken))
        } else if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                verdict = try await tokens.verify(String(parts[1]).trimmingCharacters(in: .whitespaces))
            } else {
                verdict = .unknown
            }
        } else {
            verdict = nil
        }
        let key: String
        if case .valid(let caller) = verdict {
            key = "token:\(caller.name)"
        } else {
            key = "addr:\(context.remoteAddress)"
        }
        let decision = limiter.take(key)
        var headers: HTTPFields = [
            HTTPField.Name("X-RateLimit-Limit")!: String(decision.limit),
            HTTPField.Name("X-RateLimit-Remaining")!: String(decision.remaining),
            HTTPField.Name("X-RateLimit-Reset")!: String(decision.reset),
        ]
        do {
            guard decision.allowed else {
                headers[.retryAfter] = String(decision.retryAfter)
                throw APIError(
                    .tooManyRequests, "rate_limited",
                    "too many requests; retry after \(decision.retryAfter)s (limit \(decision.limit) burst, server.rate_limit in firebreak.yml)",
                    headers: headers)
            }
            switch verdict {
            case nil:
                var challenge = headers
                challenge[.wwwAuthenticate] = "Bearer"
                throw APIError(
                    .unauthorized, "unauthorized",
                    "send 'Authorization: Bearer <token>'; create a token with 'firebreak token create NAME'",
                    headers: challenge)
            case .unknown?:
                throw APIError(
                    .forbidden, "forbidden",
                    "the token is not valid; check it, or create one with 'firebreak token create NAME'",
                    headers: headers)
            case .revoked(let name)?:
                throw APIError(
                    .forbidden, "forbidden",
                    "the token '\(name)' has been revoked; create a new one with 'firebreak token create NAME'",
                    headers: headers)
            case .valid(let caller)?:
                context.caller = caller
                context.logger[metadataKey: "token"] = .string(caller.name)
            }
            var response = try await next(request, context)
            for field in headers { response.headers[field.name] = field.value }
            return response
        } catch {
            var apiError = APIError.from(error)
            if context.caller == nil, apiError.status == .unauthorized || apiError.status == .forbidden {
                // A refused authentication: who tried is unknown, what they tried is not.
                await audit.record(
                    action: "\(request.method.rawValue) \(request.uri.path)", context: context,
                    result: "\(apiError.status.code) \(apiError.error)")
            }
            for field in headers where apiError.headers[field.name] == nil {
                apiError.headers[field.name] = field.value
            }
            throw apiError
        }
    }
}

/// The rate limit of the routes that need no token (`/health`, `/metrics`), per address: they must not become a
/// way for anyone who can reach the port to load the server.
struct OpenAccessMiddleware: RouterMiddleware {
    typealias Context = FirebreakContext
    let limiter: RateLimiter

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let decision = limiter.take("open:\(context.remoteAddress)")
        guard decision.allowed else {
            throw APIError(
                .tooManyRequests, "rate_limited",
                "too many requests; retry after \(decision.retryAfter)s (server.rate_limit in firebreak.yml)",
                headers: [.retryAfter: String(decision.retryAfter)])
        }
        return try await next(request, context)
    }
}
