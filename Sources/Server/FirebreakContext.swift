import Hummingbird
import Logging
import NIOCore
import Store

/// The per-request context: the request id, the caller and where the request came from.
public struct FirebreakContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// `X-Request-ID` of the request, or a generated one; echoed in the response and stored on the timeline.
    public var requestID = ""
    /// The token that authenticated the request: its name, user and role.
    public var caller: TokenAuthority.Caller?
    /// The name of the token that authenticated the request.
    public var tokenName: String? { caller?.name }
    /// The console session that signed the request in (console pages only).
    public var session: SessionRecord?
    /// The store's change sequence when the request arrived: a page rendered from what it read then asks its
    /// event stream for every change after it, so a commit between the read and the stream is not missed.
    public var changeSequence: UInt64 = 0
    /// The fields of a console form posted with the request, parsed by ``ConsoleMiddleware``.
    public var form: [String: String] = [:]
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

    /// The person signed in to the console (the session's user, else `token:<name>`).
    var consoleActor: String { session?.actor ?? "anonymous" }

    /// Whether the console session may act (the responder role or above).
    var canAct: Bool { session?.role.allows(.responder) ?? false }

    /// The actor of the request: the token's user, else `token:<name>`.
    var actor: String { caller?.actor ?? "anonymous" }

    /// The actor for timeline entries. A body's `by` may only repeat it: a token acts as its own user, never as
    /// someone else.
    /// - Throws: ``APIError`` 400 `by_not_allowed` for a `by` naming someone else.
    func actor(_ requested: String?) throws -> String {
        if let requested, !requested.trimmingCharacters(in: .whitespaces).isEmpty, requested != actor {
            throw APIError(
                .badRequest, "by_not_allowed",
                "'by' names '\(requested)', but this token acts as '\(actor)'; drop 'by', or use a token of that user (firebreak token create NAME --user \(requested))"
            )
        }
        return actor
    }
}
