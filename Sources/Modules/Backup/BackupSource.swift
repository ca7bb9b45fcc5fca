import Foundation

/// What a backup copies.
public enum BackupSource: Sendable, Equatable, CustomStringConvertible {
    /// A SQLite database, copied live through the online backup API.
    case sqlite(path: String)
    /// A directory tree, archived (tar.gz) with ownership and permissions.
    case directory(path: String)
    /// One file, archived (tar.gz) with its ownership and permissions.
    case file(path: String)
    /// The standard output of a dump tool (for example `pg_dump`), run by `/bin/sh -c`.
    case command(name: String, command: String)

    /// Parses `sqlite:PATH`, `dir:PATH`, `file:PATH` or `command:NAME` (which needs `command`). Relative paths are
    /// made absolute, so one database always has one source name in the catalog.
    /// - Throws: ``ModuleError`` `.invalid` naming the accepted forms.
    public init(parsing text: String, command: String? = nil) throws(ModuleError) {
        guard let colon = text.firstIndex(of: ":") else {
            throw ModuleError(
                .invalid, "'\(text)' is not a backup source; write sqlite:PATH, dir:PATH, file:PATH or command:NAME")
        }
        let kind = text[..<colon]
        let rest = String(text[text.index(after: colon)...])
        guard !rest.isEmpty else { throw ModuleError(.invalid, "'\(text)' names no path or name after '\(kind):'") }
        switch kind {
        case "sqlite": self = .sqlite(path: Self.absolute(rest))
        case "dir": self = .directory(path: Self.absolute(rest))
        case "file": self = .file(path: Self.absolute(rest))
        case "command":
            guard let command, !command.isEmpty else {
                throw ModuleError(
                    .invalid,
                    "the source '\(text)' needs the command whose output is backed up (--command \"pg_dump …\" on the CLI, 'command:' in a step)"
                )
            }
            guard rest.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw ModuleError(
                    .invalid,
                    "'\(rest)' is not a usable name for a command source; use letters, digits, '-', '_' and '.'")
            }
            self = .command(name: rest, command: command)
        default:
            throw ModuleError(.invalid, "'\(kind):' is not a backup source kind; use sqlite:, dir:, file: or command:")
        }
    }

    static func absolute(_ path: String) -> String {
        let url =
            path.hasPrefix("/")
            ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
        return url.standardizedFileURL.path
    }

    /// `sqlite`, `dir`, `file` or `command`.
    public var kind: String {
        switch self {
        case .sqlite: "sqlite"
        case .directory: "dir"
        case .file: "file"
        case .command: "command"
        }
    }

    /// The catalog's name for it: `kind:path` or `command:NAME`.
    public var description: String {
        switch self {
        case .sqlite(let path), .directory(let path), .file(let path): "\(kind):\(path)"
        case .command(let name, _): "command:\(name)"
        }
    }

    /// The path it reads, when it reads one.
    public var path: String? {
        switch self {
        case .sqlite(let path), .directory(let path), .file(let path): path
        case .command: nil
        }
    }

    /// The file extension of its backups.
    var fileExtension: String {
        switch self {
        case .sqlite: "sqlite"
        case .directory, .file: "tar.gz"
        case .command: "dump"
        }
    }
}

/// How long backups are kept. A backup goes when it is older than `keepDays` and not among the newest `keepLast`
/// of its source; the newest good backup of a source is never deleted.
public struct Retention: Sendable, Equatable {
    /// Days a backup is kept; `nil` for no age limit.
    public var keepDays: Int?
    /// The newest backups of each source always kept; `nil` for no count rule.
    public var keepLast: Int?

    /// 30 days, as production-hardening plans ask for.
    public init(keepDays: Int? = 30, keepLast: Int? = nil) {
        self.keepDays = keepDays
        self.keepLast = keepLast
    }

    /// When a backup taken at `time` expires.
    public func expiry(from time: Date) -> Date? {
        keepDays.map { time.addingTimeInterval(TimeInterval($0) * 86_400) }
    }

    /// The backups (of any sources, newest first within each) that retention deletes at `now`, with the reason.
    public func expired(_ backups: [BackupRecordSummary], at now: Date) -> [(id: String, reason: String)] {
        var result: [(String, String)] = []
        for (_, group) in Dictionary(grouping: backups, by: \.source) {
            let ordered = group.sorted { $0.createdAt > $1.createdAt }
            let protected = ordered.first(where: { $0.good })?.id
            for (rank, backup) in ordered.enumerated() where backup.id != protected {
                if let keepLast, rank < keepLast { continue }
                if let expiresAt = backup.expiresAt {
                    if expiresAt <= now { result.append((backup.id, "expired \(Self.format(expiresAt))")) }
                } else if let keepLast {
                    result.append((backup.id, "beyond the newest \(keepLast)"))
                }
            }
        }
        return result.sorted { $0.0 < $1.0 }
    }

    static func format(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}

/// What retention needs to know about a backup.
public struct BackupRecordSummary: Sendable {
    public var id: String
    public var source: String
    public var createdAt: Date
    public var expiresAt: Date?
    /// Restorable (`ok`).
    public var good: Bool

    public init(id: String, source: String, createdAt: Date, expiresAt: Date?, good: Bool) {
        self.id = id
        self.source = source
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.good = good
    }
}
