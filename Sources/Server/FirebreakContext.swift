import Hummingbird
import Logging
import NIOCore

/// The per-request context: the request id, the caller and where the request came from.
public struct FirebreakContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `X-Request-ID` of the request, or a generated one; echoed in the response and stored on the timeline.
    public var requestID = ""
    /// The name of the token that authenticated the request.
    public var tokenName: String?
    /// The peer's address, for rate limiting requests without a valid token.
    public let remoteAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "local"
    }

    /// Answers in the ``JSONConvention`` shared with the CLI.
    public var responseEncoder: ConventionResponseEncoder { ConventionResponseEncoder() }

    /// Bodies are limited by ``RequestMiddleware`` with the configured size; decoding never sees more.
    public var maxUploadSize: Int { Int.max }

    /// The actor for timeline entries: the body's `by`, else `token:<name>`.
    func actor(_ requested: String?) -> String {
        if let requested, !requested.trimmingCharacters(in: .whitespaces).isEmpty { return requested }
        return tokenName.map { "token:\($0)" } ?? "api"
    }
}
