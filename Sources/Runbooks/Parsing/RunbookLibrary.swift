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

    /// The runbooks under `paths`, sorted: files are taken as they are; directories are searched recursively for
    /// `.md` files that are runbooks (``isRunbook(_:)``), so notes, READMEs and generated post-mortems that live
    /// beside runbooks are never taken for runbooks.
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
                .filter(Self.isRunbook)
            result += found
        }
        return result
    }

    /// The rule that makes a Markdown file in a runbooks directory a runbook: it opens with front matter (a `---`
    /// line), or it has at least one step (a shell or module block, or a task-list item), or it fails to parse
    /// (an unclosed fence must reach lint, not vanish). A post-mortem draft, a README or notes are none of these.
    public static func isRunbook(_ path: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: path) else { return true }  // load reports it
        if data.starts(with: Array("---\n".utf8)) || data.starts(with: Array("---\r\n".utf8)) { return true }
        let parsed = RunbookParser.parse(String(decoding: data, as: UTF8.self), defaultID: "candidate")
        return !parsed.runbook.steps.isEmpty || parsed.hasErrors
    }

    /// The runbooks of `directory` whose real path, every symlink resolved, stays inside it: the only ones the
    /// server may start, by the API or by an alert. Each is given by its real path, so what was checked is what
    /// is loaded.
    public func containedFiles(in directory: String) -> [String] {
        let root = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return ((try? files(in: [directory])) ?? []).compactMap { path in
            let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
            return real.hasPrefix(prefix) ? real : nil
        }
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
        throw RunbookError(
            "no runbook '\(reference)' in \(directory)/; "
                + (known.isEmpty
                    ? "that directory has no runbooks (pass a path, or --dir)"
                    : "available: \(known.joined(separator: ", "))"))
    }
}

extension RunbookLibrary {
    /// Whether `reference` has the shape of a runbook id: letters, digits, `.`, `_` and `-`, starting with a letter,
    /// digit or `_`; never a path.
    public static func isRunbookID(_ reference: String) -> Bool {
        guard let first = reference.utf8.first, reference.utf8.count <= 128, first != 46, first != 45 else {
            return false
        }
        return reference.utf8.allSatisfy {
            $0 == 95 || $0 == 45 || $0 == 46 || ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122)
        }
    }

    /// Finds a runbook by id only (file name or front matter `id`), among the files of `directory` whose real path,
    /// with every symlink resolved, stays inside the real path of `directory`. This is what the server uses: a
    /// request names a runbook, it never points at a file.
    /// - Throws: ``RunbookError/Kind/invalidReference`` for anything that is not an id (a path, `..`, an absolute
    ///   path), and ``RunbookError/Kind/notFound`` naming the runbooks that exist when none matches.
    public func findContained(_ reference: String, in directory: String) throws -> LoadedRunbook {
        guard Self.isRunbookID(reference) else {
            throw RunbookError(
                .invalidReference,
                "'\(reference.prefix(200))' is not a runbook id; the server starts runbooks from its runbooks "
                    + "directory by id (letters, digits, '.', '_' and '-'), never by path")
        }
        let inside = containedFiles(in: directory)
        let stem = { (path: String) in URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent }
        if let byName = inside.first(where: { stem($0) == reference }) {
            return try load(path: byName)
        }
        for path in inside {
            let loaded = try load(path: path)
            if loaded.runbook.id == reference { return loaded }
        }
        let known = inside.map(stem)
        throw RunbookError(
            .notFound,
            "no runbook '\(reference)' in the runbooks directory; "
                + (known.isEmpty ? "it has no runbooks" : "available: \(known.joined(separator: ", "))"))
    }
}

/// A runbook could not be found or read.
public struct RunbookError: Error, Sendable, CustomStringConvertible {
    /// What kind of problem it is.
    public enum Kind: Sendable {
        /// No such runbook, or it cannot be read.
        case notFound
        /// The reference is not acceptable (a path where an id is required).
        case invalidReference
    }

    /// What kind of problem it is.
    public var kind: Kind
    /// What went wrong and how to fix it.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind = .notFound, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Creates a not-found error.
    public init(_ message: String) {
        self.init(.notFound, message)
    }

    public var description: String { message }
}
