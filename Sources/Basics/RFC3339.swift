import Foundation

/// RFC 3339 times as people type them: `2026-03-30T09:00:00+02:00`, `2026-03-30T07:00:00Z`, with or without
/// fractional seconds.
public enum RFC3339 {
    /// The instant, or nil when the text is not an RFC 3339 date-time.
    public static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
