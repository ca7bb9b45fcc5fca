import Foundation

/// Parses durations written `500ms`, `2s`, `10m`, `1h`, `1d`, `1w` or combinations such as `1h30m`.
public enum DurationParser {
    /// Parses a duration, or returns `nil` when the text is not one.
    ///
    /// ```swift
    /// DurationParser.parse("1m30s") // .seconds(90)
    /// ```
    public static func parse(_ text: String) -> Duration? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return nil }
        var index = 0
        var totalMilliseconds: Int64 = 0
        while index < bytes.count {
            var number: Int64 = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                number = number * 10 + Int64(bytes[index] - 48)
                digits += 1
                index += 1
                if number > 1_000_000_000 { return nil }
            }
            guard digits > 0 else { return nil }
            var unitEnd = index
            while unitEnd < bytes.count, !(bytes[unitEnd] >= 48 && bytes[unitEnd] <= 57) { unitEnd += 1 }
            let unit = String(decoding: bytes[index..<unitEnd], as: UTF8.self)
            let factor: Int64
            switch unit {
            case "ms": factor = 1
            case "s": factor = 1000
            case "m": factor = 60_000
            case "h": factor = 3_600_000
            case "d": factor = 86_400_000
            case "w": factor = 604_800_000
            default: return nil
            }
            let (part, overflowed) = number.multipliedReportingOverflow(by: factor)
            let (sum, overflowedSum) = totalMilliseconds.addingReportingOverflow(part)
            guard !overflowed, !overflowedSum else { return nil }
            totalMilliseconds = sum
            index = unitEnd
        }
        return .milliseconds(totalMilliseconds)
    }

    /// Formats a duration compactly: `1h30m`, `2s`, `250ms`.
    public static func format(_ duration: Duration) -> String {
        var ms = duration.milliseconds
        if ms == 0 { return "0s" }
        var parts = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)] where ms >= size {
            parts += "\(ms / size)\(unit)"
            ms %= size
        }
        if ms > 0 { parts += "\(ms)ms" }
        return parts
    }

    /// Formats a duration as seconds with two decimals, `1.23s`, without Foundation's `String(format:)` (it runs
    /// on the per-step path of the console).
    public static func formatSeconds(_ duration: Duration) -> String {
        let centiseconds = (duration.milliseconds + 5) / 10
        let fraction = centiseconds % 100
        return "\(centiseconds / 100).\(fraction < 10 ? "0" : "")\(fraction)s"
    }

    /// Formats a span of seconds for people, to the whole second and in at most two units: `45s`, `12m 5s`,
    /// `3h 2m`, `2d 4h`.
    public static func formatElapsed(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        let (days, hours, minutes, rest) = (total / 86_400, total % 86_400 / 3600, total % 3600 / 60, total % 60)
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        return rest == 0 ? "\(minutes)m" : "\(minutes)m \(rest)s"
    }
}
