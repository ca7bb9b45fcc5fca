import Foundation

/// A signed-in browser: the console's session cookie, kept as its first characters (to find the row) and its
/// SHA-256, never in clear.
public struct SessionRecord: Sendable, Equatable {
    /// Row id, 0 before it is stored.
    public var id: Int64
    /// The cookie's first characters after the scheme.
    public var prefix: String
    /// SHA-256 of the cookie value.
    public var hash: Data
    /// The user it signs in, when it came from a user's token or an emailed link.
    public var user: String?
    /// The API token it was made from (`nil` for an emailed link).
    public var tokenName: String?
    /// What it may do: the role of the token, or of the user.
    public var role: TokenRole
    /// The secret the session's forms carry (CSRF), random per session.
    public var csrf: String
    /// How it was made: `token` or `email`.
    public var method: String
    /// When it was created.
    public var createdAt: Date
    /// When it stops working, whatever happens.
    public var expiresAt: Date
    /// When it was revoked (signed out, or by an admin).
    public var revokedAt: Date?

    public init(
        id: Int64 = 0, prefix: String, hash: Data, user: String?, tokenName: String?, role: TokenRole, csrf: String,
        method: String, createdAt: Date, expiresAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.prefix = prefix
        self.hash = hash
        self.user = user
        self.tokenName = tokenName
        self.role = role
        self.csrf = csrf
        self.method = method
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }

    /// The actor of what it does: its user, else `token:<name>`.
    public var actor: String { user ?? "token:\(tokenName ?? "unknown")" }

    /// Whether it still works at `time`.
    public func isLive(at time: Date) -> Bool { revokedAt == nil && time < expiresAt }
}

/// A one-time sign-in link sent by email, kept hashed like a session.
public struct SignInLinkRecord: Sendable, Equatable {
    /// Row id, 0 before it is stored.
    public var id: Int64
    /// The link token's first characters after the scheme.
    public var prefix: String
    /// SHA-256 of the link token.
    public var hash: Data
    /// Whom it signs in.
    public var user: String
    /// When it was sent.
    public var createdAt: Date
    /// When it stops working.
    public var expiresAt: Date
    /// When it was used; a link works once.
    public var usedAt: Date?

    public init(
        id: Int64 = 0, prefix: String, hash: Data, user: String, createdAt: Date, expiresAt: Date, usedAt: Date? = nil
    ) {
        self.id = id
        self.prefix = prefix
        self.hash = hash
        self.user = user
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.usedAt = usedAt
    }
}
