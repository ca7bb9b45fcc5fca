import Crypto
import Foundation

/// Signed, single-use, expiring acknowledge links for the people a page reaches.
///
/// A link is `<base>/ack/<notification id>.<expiry>.<signature>`: the signature is an HMAC-SHA256, under a key the
/// server keeps in the database, of the notification, the expiry, the user and the incident. Nothing about the link
/// is stored until it is used; its use is recorded once, so a second use is refused. Checking compares the
/// signature in constant time.
public struct AckLinks: Sendable {
    let secret: Data
    var key: SymmetricKey { SymmetricKey(data: secret) }
    /// How long a link stays valid after the page is sent.
    public let lifetime: TimeInterval
    /// The address people reach the server at.
    public let baseURL: String

    /// The name of the signing key in the store's secrets.
    public static let secretName = "ack-link-key"

    /// Creates the signer with the stored key.
    public init(secret: Data, baseURL: String, lifetime: TimeInterval = 24 * 3600) {
        self.secret = secret
        self.lifetime = lifetime
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// A fresh random key for ``secretName``.
    public static func newSecret() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    /// What a link says once its signature checks.
    public struct Verified: Sendable, Equatable {
        public var notificationID: Int64
        public var expires: Date
    }

    /// Why a link is refused.
    public enum Refusal: Error, Sendable, Equatable {
        /// Not a link of ours, or altered.
        case invalid
        /// Past its expiry.
        case expired(Date)
    }

    /// The token part of the link for a page sent at `sentAt`.
    public func token(notificationID: Int64, user: String, incidentID: String, sentAt: Date) -> String {
        let expires = Int64((sentAt.timeIntervalSince1970 + lifetime).rounded(.up))
        return "\(notificationID).\(expires).\(signature(notificationID, expires, user, incidentID))"
    }

    /// The whole link.
    public func url(notificationID: Int64, user: String, incidentID: String, sentAt: Date) -> String {
        "\(baseURL)/ack/\(token(notificationID: notificationID, user: user, incidentID: incidentID, sentAt: sentAt))"
    }

    /// The notification and expiry a token names, before its signature is checked (that needs the notification).
    public static func parse(_ token: String) -> (notificationID: Int64, expires: Int64, signature: String)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let id = Int64(parts[0]), id > 0, let expires = Int64(parts[1]), parts[2].count == 43
        else { return nil }
        return (id, expires, String(parts[2]))
    }

    /// Checks a token against the user and incident of the notification it names.
    public func verify(_ token: String, user: String, incidentID: String, at time: Date) -> Result<Verified, Refusal> {
        guard let parsed = Self.parse(token), let presented = Self.decode(parsed.signature) else {
            return .failure(.invalid)
        }
        let message = Self.message(parsed.notificationID, parsed.expires, user, incidentID)
        guard HMAC<SHA256>.isValidAuthenticationCode(presented, authenticating: Data(message.utf8), using: key) else {
            return .failure(.invalid)
        }
        let expires = Date(timeIntervalSince1970: TimeInterval(parsed.expires))
        guard time < expires else { return .failure(.expired(expires)) }
        return .success(Verified(notificationID: parsed.notificationID, expires: expires))
    }

    private func signature(_ id: Int64, _ expires: Int64, _ user: String, _ incident: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(
            for: Data(Self.message(id, expires, user, incident).utf8), using: key)
        return Data(code).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    private static func message(_ id: Int64, _ expires: Int64, _ user: String, _ incident: String) -> String {
        "firebreak-ack-v1\n\(id)\n\(expires)\n\(user)\n\(incident.uppercased())"
    }

    private static func decode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
