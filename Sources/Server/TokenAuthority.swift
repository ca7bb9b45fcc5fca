import Crypto
import Foundation
import Store

/// Creates and checks API tokens. A token is `fbk_` and 43 random base64url characters; the store keeps its first
/// characters (to find the row) and its SHA-256, never the token. Hashes are compared in constant time.
public struct TokenAuthority: Sendable {
    let store: any Storage

    public init(store: any Storage) {
        self.store = store
    }

    /// Who a live token speaks for.
    public struct Caller: Sendable, Equatable {
        /// The token's name.
        public var name: String
        /// The user it belongs to, if any.
        public var user: String?
        /// What it may do.
        public var role: TokenRole

        public init(name: String, user: String?, role: TokenRole) {
            self.name = name
            self.user = user
            self.role = role
        }

        /// The actor of what it does: its user, else `token:<name>`.
        public var actor: String { user ?? "token:\(name)" }
    }

    /// What a presented token turned out to be.
    public enum Verdict: Sendable, Equatable {
        /// A live token.
        case valid(Caller)
        /// A token that matches a revoked one.
        case revoked(String)
        /// Not a token of ours.
        case unknown
    }

    static let scheme = "fbk_"
    static let prefixLength = 8

    /// Creates a token named `name`, acting as `user` with `role`, and returns it; this is the only time it
    /// exists in clear.
    /// - Throws: ``StoreError`` `.conflict` when the name is taken; ``TokenError`` for a bad name.
    public func create(name: String, user: String? = nil, role: TokenRole, at time: Date = Date()) async throws
        -> String
    {
        guard !name.isEmpty, name.count <= 64,
            name.unicodeScalars.allSatisfy({
                CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0)
            })
        else {
            throw TokenError("token name '\(name)' must be 1–64 letters, digits, '-', '_' or '.'")
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = Self.scheme + Self.base64url(bytes)
        try await store.createToken(
            TokenRecord(
                name: name, prefix: Self.prefix(of: token), hash: Self.hash(token), createdAt: time, user: user,
                role: role))
        return token
    }

    /// Checks a presented token.
    public func verify(_ token: String) async throws -> Verdict {
        guard token.hasPrefix(Self.scheme), token.count > Self.scheme.count + Self.prefixLength else { return .unknown }
        let digest = Self.hash(token)
        var verdict = Verdict.unknown
        // Every candidate is compared in full, in constant time, whatever the earlier results.
        for candidate in try await store.tokens(prefix: Self.prefix(of: token))
        where Self.constantTimeEqual(candidate.hash, digest) {
            verdict =
                candidate.revokedAt == nil
                ? .valid(Caller(name: candidate.name, user: candidate.user, role: candidate.role))
                : .revoked(candidate.name)
        }
        return verdict
    }

    static func prefix(of token: String) -> String {
        String(token.dropFirst(scheme.count).prefix(prefixLength))
    }

    static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    /// Compares without an early exit, so the time taken does not depend on where the bytes differ.
    static func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}

/// A token request that cannot be carried out.
public struct TokenError: Error, Sendable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
