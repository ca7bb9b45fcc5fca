import Foundation

/// Where the data directory is, and why: the default follows the user, as git finds its repository.
///
/// 1. `--data-dir`, then `FIREBREAK_DATA`;
/// 2. the nearest `.firebreak` directory in the working directory or above it, or `.firebreak` beside the nearest
///    `firebreak.yml`;
/// 3. `$XDG_DATA_HOME/firebreak`, else `~/.local/share/firebreak`.
///
/// An on-call engineer in the wrong directory then reaches the same database, never a fresh empty one.
struct DataDirectory: Equatable {
    /// How the directory was chosen.
    enum Source: String, Equatable {
        case option = "--data-dir"
        case environment = "FIREBREAK_DATA"
        case found = "found"
        case userDefault = "user default"
        case workingDirectory = "working directory"
    }

    var url: URL
    var source: Source

    /// A line for people: the path and why it is the one in use.
    var explanation: String {
        switch source {
        case .option: "\(url.path) (from --data-dir)"
        case .environment: "\(url.path) (from FIREBREAK_DATA)"
        case .found: "\(url.path) (found from the working directory)"
        case .userDefault: "\(url.path) (the per-user default; no .firebreak or firebreak.yml here or above)"
        case .workingDirectory: "\(url.path) (no HOME to put a per-user default in)"
        }
    }

    /// Resolves the directory from the option, the environment and the working directory.
    static func resolve(option: String?, environment: [String: String], workingDirectory: String) -> DataDirectory {
        if let option, !option.isEmpty {
            return DataDirectory(url: absolute(option, in: workingDirectory), source: .option)
        }
        if let path = environment["FIREBREAK_DATA"], !path.isEmpty {
            return DataDirectory(url: absolute(path, in: workingDirectory), source: .environment)
        }
        if let found = search(from: workingDirectory) {
            return DataDirectory(url: found, source: .found)
        }
        let base: URL
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            base = URL(fileURLWithPath: xdg)
        } else if let home = environment["HOME"], !home.isEmpty {
            base = URL(fileURLWithPath: home).appendingPathComponent(".local/share")
        } else {
            return DataDirectory(url: absolute(".firebreak", in: workingDirectory), source: .workingDirectory)
        }
        return DataDirectory(url: base.appendingPathComponent("firebreak"), source: .userDefault)
    }

    /// The nearest `.firebreak` directory, or `.firebreak` beside the nearest `firebreak.yml`, from `start` up.
    /// Works on path strings: `URL.deletingLastPathComponent()` of `/` is `/..`, which never ends the climb.
    static func search(from start: String) -> URL? {
        let manager = FileManager.default
        var directory = start.hasPrefix("/") ? start : "/" + start
        while directory.count > 1, directory.hasSuffix("/") { directory.removeLast() }
        for _ in 0..<4096 {
            let base = directory == "/" ? "" : directory
            var isDirectory: ObjCBool = false
            if manager.fileExists(atPath: base + "/.firebreak", isDirectory: &isDirectory), isDirectory.boolValue,
                isTrusted(base + "/.firebreak")
            {
                return URL(fileURLWithPath: base + "/.firebreak")
            }
            if manager.fileExists(atPath: base + "/firebreak.yml"), isTrusted(base + "/firebreak.yml") {
                return URL(fileURLWithPath: base + "/.firebreak")
            }
            guard directory != "/", let slash = directory.lastIndex(of: "/") else { return nil }
            directory = slash == directory.startIndex ? "/" : String(directory[..<slash])
        }
        return nil
    }

    /// Only what the user owns, and others cannot write, is taken on the way up: a `/tmp/.firebreak` made by
    /// someone else would otherwise hand them the database whose runbooks `serve` runs (git's safe.directory).
    static func isTrusted(_ path: String) -> Bool {
        var status = stat()
        guard lstat(path, &status) == 0 else { return false }
        return status.st_uid == getuid() && status.st_mode & 0o022 == 0
    }

    /// The configuration that belongs with a found data dir: `firebreak.yml` beside it, when there is one.
    var configBeside: String? {
        guard source == .found else { return nil }
        let path = url.deletingLastPathComponent().appendingPathComponent("firebreak.yml").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    private static func absolute(_ path: String, in workingDirectory: String) -> URL {
        path.hasPrefix("/")
            ? URL(fileURLWithPath: path)
            : URL(fileURLWithPath: workingDirectory).appendingPathComponent(path).standardizedFileURL
    }
}
