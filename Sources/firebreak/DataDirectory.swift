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
            return DataDirectory(url: absolute(".firebreak", in: workingDirectory), source: .found)
        }
        return DataDirectory(url: base.appendingPathComponent("firebreak"), source: .userDefault)
    }

    /// The nearest `.firebreak` directory, or `.firebreak` beside the nearest `firebreak.yml`, from `start` up.
    static func search(from start: String) -> URL? {
        let manager = FileManager.default
        var directory = URL(fileURLWithPath: start).standardizedFileURL
        while true {
            var isDirectory: ObjCBool = false
            let candidate = directory.appendingPathComponent(".firebreak")
            if manager.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
            if manager.fileExists(atPath: directory.appendingPathComponent("firebreak.yml").path) {
                return candidate
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    private static func absolute(_ path: String, in workingDirectory: String) -> URL {
        path.hasPrefix("/")
            ? URL(fileURLWithPath: path) : URL(fileURLWithPath: workingDirectory).appendingPathComponent(path).standardizedFileURL
    }
}
