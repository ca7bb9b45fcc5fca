import Foundation

/// A runbook file read from disk and parsed.
public struct LoadedRunbook: Sendable {
    /// Path of the file, as given or found.
    public var path: String
    /// The file's text.
    public var source: String
    /// The parsed runbook and its problems.
    public var result: RunbookParser.Result

    /// The runbook value.
    public var runbook: Runbook { result.runbook }
}

/// Finds and loads runbook files.
public struct RunbookLibrary: Sendable {
    /// The linter used on every file.
    public var linter: RunbookLinter

    /// Creates a library.
    public init(linter: RunbookLinter = RunbookLinter()) {
        self.linter = linter
    }

    /// Reads and lints one file.
    /// - Throws: ``RunbookError`` when the file cannot be read.
    public func load(path: String) throws -> LoadedRunbook {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RunbookError("cannot read runbook \(path): no such file or not readable")
        }
        let source = String(decoding: data, as: UTF8.self)
        let id = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        return LoadedRunbook(path: path, source: source, result: linter.lint(source, defaultID: id))
    }

    /// The `.md` files under `paths` (files are taken as they are; directories are searched
    /// recursively, leaving out `README.md`), sorted.
    /// - Throws: ``RunbookError`` for a path that does not exist.
    public func files(in paths: [String]) throws -> [String] {
        var result: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw RunbookError("no such file or directory: \(path)")
            }
            guard isDirectory.boolValue else {
                result.append(path)
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            let found = ((try? manager.subpathsOfDirectory(atPath: path)) ?? [])
                .filter { $0.hasSuffix(".md") && !$0.hasSuffix("README.md") }
                .sorted()
                .map { "\(base)/\($0)" }
            result += found
        }
        return result
    }

    /// Finds a runbook by path, or by id (file name or front matter `id`) in `directory`.
    /// - Throws: ``RunbookError`` naming the runbooks that exist when none matches.
    public func find(_ reference: String, in directory: String) throws -> LoadedRunbook {
        if reference.hasSuffix(".md") || reference.contains("/") || FileManager.default.fileExists(atPath: reference) {
            return try load(path: reference)
        }
        let candidates = (try? files(in: [directory])) ?? []
        if let byName = candidates.first(where: {
            URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent == reference
        }) {
            return try load(path: byName)
        }
        for path in candidates {
            let loaded = try load(path: path)
            if loaded.runbook.id == reference { return loaded }
        }
        let known = candidates.map { URL(fileURLWithPath: $0).deletingPathExtension().lastPathComponent }
        throw RunbookError("no runbook '\(reference)' in \(directory)/; "
            + (known.isEmpty ? "that directory has no runbooks (pass a path, or --dir)" : "available: \(known.joined(separator: ", "))"))
    }
}

/// A runbook could not be found or read.
public struct RunbookError: Error, Sendable, CustomStringConvertible {
    /// What went wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
