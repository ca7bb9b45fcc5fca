import Foundation

/// A UTC ISO 8601 time for tables, or `-`.
func formatDate(_ date: Date?) -> String {
    date.map { ISO8601DateFormatter().string(from: $0) } ?? "-"
}

/// A byte count for tables, in units of 1024 bytes.
func formatBytes(_ bytes: Int64) -> String {
    ByteCountFormatter.string(fromByteCount: bytes, countStyle: .binary)
}
