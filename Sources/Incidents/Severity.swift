/// Incident severity: P0 (critical, public impact), P1 (major), P2 (minor, partial loss), P3 (low).
public enum Severity: String, Sendable, Equatable, CaseIterable, Comparable, Codable {
    case p0 = "P0"
    case p1 = "P1"
    case p2 = "P2"
    case p3 = "P3"

    /// Parses `P0`…`P3`, case-insensitively.
    public init?(parsing text: String) {
        self.init(rawValue: text.uppercased())
    }

    /// P0 is the most severe: `.p0 < .p1` means P0 ranks above P1.
    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}
