import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// Lets alert senders in. A token comes as `Authorization: Bearer`, as the password of basic auth
/// (`https://x:TOKEN@host/…`, for SNS), or as `?token=`. With `bodyKey`, a request with none of these is passed on
/// and the route checks the token in the body (PagerDuty's `routing_key`).
///
/// Verdicts are cached for two seconds, so a sender posting thousands of alerts a second costs one lookup per
/// token, and a revoked token stops working within two seconds.
struct WebhookAccess: RouterMiddleware {
    typealias Context = FirebreakContext
    let tokens: TokenVerdictCache
    let limiter: RateLimiter
    var bodyKey = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var context = context
        let presented = Self.credential(request)
        if presented == nil, bodyKey { return try await next(request, context) }
        var verdict: TokenAuthority.Verdict?
        if let presented { verdict = try await tokens.verify(presented) }
        let key: String
        if case .valid(let caller)? = verdict {
            key = "token:\(caller.name)"
        } else {
            key = "addr:\(context.remoteAddress)"
        }
        let decision = limiter.take(key)
        guard decision.allowed else {
            throw APIError(
                .tooManyRequests, "rate_limited",
                "too many webhook requests; retry after \(decision.retryAfter)s (webhooks.rate_limit in firebreak.yml)",
                headers: [.retryAfter: String(decision.retryAfter)])
        }
        switch verdict {
        case nil:
            throw APIError(
                .unauthorized, "unauthorized",
                "send the token as 'Authorization: Bearer <token>', as basic-auth password, or as ?token=; create one with 'firebreak token create NAME'",
                headers: [.wwwAuthenticate: "Bearer"])
        case .unknown?:
            throw APIError(
                .forbidden, "forbidden", "the token is not valid; create one with 'firebreak token create NAME'")
        case .revoked(let name)?:
            throw APIError(
                .forbidden, "forbidden",
                "the token '\(name)' has been revoked; create a new one with 'firebreak token create NAME'")
        case .valid(let caller)?:
            // Posting alerts opens incidents and pages people: a read-only token may not.
            guard caller.role == .webhook || caller.role >= .responder else {
                var error = APIError.roleRequired(.webhook, caller: caller, action: "post alerts")
                error.detail =
                    "posting alerts needs a webhook, responder or admin token, and '\(caller.name)' is a \(caller.role.rawValue) token; create one with 'firebreak token create NAME --role webhook'"
                throw error
            }
            context.caller = caller
            return try await next(request, context)
        }
    }

    /// The token presented in a header or the query, if any.
    static func credential(_ request: Request) -> String? {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2 {
                let value = String(parts[1]).trimmingCharacters(in: .whitespaces)
                switch parts[0].lowercased() {
                case "bearer": return value
                case "basic":
                    guard let decoded = Data(base64Encoded: value).map({ String(decoding: $0, as: UTF8.self) }),
                        let colon = decoded.firstIndex(of: ":")
                    else { return "" }
                    return String(decoded[decoded.index(after: colon)...])
                default: return ""
                }
            }
            return ""
        }
        return request.uri.queryParameters.get("token")
    }
}

/// Token verdicts for webhooks, cached briefly by the token's SHA-256.
final class TokenVerdictCache: Sendable {
    let authority: TokenAuthority
    private let cache = Mutex<[Data: (TokenAuthority.Verdict, ContinuousClock.Instant)]>([:])
    private let lifetime = Duration.seconds(2)

    init(authority: TokenAuthority) {
        self.authority = authority
    }

    func verify(_ token: String) async throws -> TokenAuthority.Verdict {
        let digest = Data(SHA256.hash(data: Data(token.utf8)))
        let now = ContinuousClock.now
        if let (verdict, at) = cache.withLock({ $0[digest] }), now - at < lifetime { return verdict }
        let verdict = try await authority.verify(token)
        cache.withLock { entries in
            if entries.count > 10_000 { entries.removeAll() }
            entries[digest] = (verdict, now)
        }
        return verdict
    }
}
