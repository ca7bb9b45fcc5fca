import Foundation
import Store

/// Creates and checks the console's sessions and emailed sign-in links. Like API tokens, each is a random value
/// the store keeps as its first characters and its SHA-256, compared in constant time.
public struct SessionAuthority: Sendable {
    let store: any Storage
    /// How long a session lasts, however active.
    public var lifetime: TimeInterval = 12 * 3_600
    /// How long an emailed link works.
    public var linkLifetime: TimeInterval = 15 * 60

    static let sessionScheme = "fbs_"
    static let linkScheme = "fbl_"

    public init(store: any Storage) {
        self.store = store
    }

    /// A new session for `caller`, and the cookie value that proves it (shown only now).
    public func create(for caller: TokenAuthority.Caller, method: String, at time: Date) async throws
        -> (SessionRecord, cookie: String)
    {
        let cookie = Self.sessionScheme + Self.randomValue()
        let record = try await store.createSession(
            SessionRecord(
                prefix: Self.prefix(of: cookie, scheme: Self.sessionScheme), hash: TokenAuthority.hash(cookie),
                user: caller.user, tokenName: method == "token" ? caller.name : nil, role: caller.role,
                csrf: Self.randomValue(), method: method, createdAt: time, expiresAt: time + lifetime))
        return (record, cookie)
    }

    /// The live session a cookie value proves, or `nil`.
    public func session(cookie: String, at time: Date) async throws -> SessionRecord? {
        guard cookie.hasPrefix(Self.sessionScheme), cookie.count > Self.sessionScheme.count + 8 else { return nil }
        let digest = TokenAuthority.hash(cookie)
        var found: SessionRecord?
        for candidate in try await store.sessions(prefix: Self.prefix(of: cookie, scheme: Self.sessionScheme))
        where TokenAuthority.constantTimeEqual(candidate.hash, digest) {
            found = candidate
        }
        return found.flatMap { $0.isLive(at: time) ? $0 : nil }
    }

    /// A new one-time link token for `user`.
    public func createLink(for user: String, at time: Date) async throws -> String {
        let token = Self.linkScheme + Self.randomValue()
        _ = try await store.createSignInLink(
            SignInLinkRecord(
                prefix: Self.prefix(of: token, scheme: Self.linkScheme), hash: TokenAuthority.hash(token), user: user,
                createdAt: time, expiresAt: time + linkLifetime))
        return token
    }

    /// Why a link does not sign anyone in.
    public enum LinkProblem: Error, Equatable {
        case unknown
        case expired
        case used
    }

    /// The user a link token signs in, if it is ours, unexpired and unused; with `consume`, it is used up.
    public func user(forLink token: String, consume: Bool, at time: Date) async throws -> Result<String, LinkProblem> {
        guard token.hasPrefix(Self.linkScheme), token.count > Self.linkScheme.count + 8 else {
            return .failure(.unknown)
        }
        let digest = TokenAuthority.hash(token)
        var found: SignInLinkRecord?
        for candidate in try await store.signInLinks(prefix: Self.prefix(of: token, scheme: Self.linkScheme))
        where TokenAuthority.constantTimeEqual(candidate.hash, digest) {
            found = candidate
        }
        guard let link = found else { return .failure(.unknown) }
        guard time < link.expiresAt else { return .failure(.expired) }
        guard link.usedAt == nil else { return .failure(.used) }
        if consume, !(try await store.useSignInLink(id: link.id, at: time)) { return .failure(.used) }
        return .success(link.user)
    }

    static func prefix(of value: String, scheme: String) -> String {
        String(value.dropFirst(scheme.count).prefix(8))
    }

    static func randomValue() -> String {
        var generator = SystemRandomNumberGenerator()
        return TokenAuthority.base64url((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
