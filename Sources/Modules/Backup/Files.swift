import Crypto
import Foundation
import Subprocess
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// File work the backup and restore engines share: checksums, fsync, atomic renames, archives, dump tools.
enum Files {
    /// Hex SHA-256 of a file, read in 1 MiB chunks.
    static func sha256(of path: String) throws(ModuleError) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ModuleError(.refused, "\(path) is missing or unreadable")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        } catch {
            throw ModuleError(.refused, "\(path) cannot be read: \(error.localizedDescription)")
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// Size in bytes.
    static func size(of path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? NSNumber)?.int64Value ?? 0
    }

    /// Flushes a file or directory to disk.
    static func fsync(_ path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = Glibc.fsync(descriptor)
        close(descriptor)
    }

    /// Makes a directory (and its parents) owner-only.
    static func makeDirectory(_ path: String) throws(ModuleError) {
        do {
            try FileManager.default.createDirectory(
                atPath: path, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        } catch {
            throw ModuleError(
                .failed, "cannot create \(path): \(error.localizedDescription); check the permissions of its parent")
        }
    }

    /// Flushes `temporary`, renames it to `final` and flushes the directory: after this returns, `final` is
    /// complete on disk or absent.
    static func commit(_ temporary: String, to final: String) throws(ModuleError) {
        fsync(temporary)
        guard rename(temporary, final) == 0 else {
            let reason = String(cString: strerror(errno))
            throw ModuleError(.failed, "cannot rename \(temporary) to \(final): \(reason)")
        }
        fsync((final as NSString).deletingLastPathComponent)
    }

    /// Swaps two paths in one step (Linux `renameat2` with `RENAME_EXCHANGE`): at every instant each path names
    /// one complete tree. `false` when the system or filesystem cannot (the caller falls back to two renames).
    static func exchange(_ first: String, _ second: String) -> Bool {
        #if os(Linux)
            typealias Renameat2 =
                @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
            // renameat2 needs _GNU_SOURCE, which the Glibc module does not define; look it up at run time instead.
            guard let symbol = dlsym(nil, "renameat2") else { return false }
            let renameat2 = unsafeBitCast(symbol, to: Renameat2.self)
            let exchangeFlag: UInt32 = 1 << 1  // RENAME_EXCHANGE
            let atWorkingDirectory: Int32 = -100  // AT_FDCWD
            return renameat2(atWorkingDirectory, first, atWorkingDirectory, second, exchangeFlag) == 0
        #else
            return false
        #endif
    }

    /// Copies a file byte for byte, then flushes it.
    static func copy(_ source: String, to destination: String) throws(ModuleError) {
        do {
            try? FileManager.default.removeItem(atPath: destination)
            try FileManager.default.copyItem(atPath: source, toPath: destination)
            fsync(destination)
        } catch {
            throw ModuleError(.failed, "cannot copy \(source) to \(destination): \(error.localizedDescription)")
        }
    }

    /// A random suffix for temporary names.
    static func token() -> String {
        String(UUID().uuidString.prefix(8)).lowercased()
    }

    /// Runs `tar` with `arguments`.
    static func tar(_ arguments: [String]) async throws(ModuleError) {
        let outcome: (Bool, String)
        do {
            let result = try await Subprocess.run(
                .name("tar"), arguments: Arguments(arguments), output: .discarded, error: .string(limit: 64 * 1024))
            outcome = (result.terminationStatus.isSuccess, result.standardError)
        } catch {
            throw ModuleError(.failed, "cannot run tar: \(error); install GNU tar")
        }
        guard outcome.0 else {
            throw ModuleError(.failed, "tar failed: \(outcome.1.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// Archives `path` (a file or a directory) into a gzip-compressed tar at `archive`, keeping numeric owners
    /// and permissions.
    static func archive(_ path: String, to archive: String) async throws(ModuleError) {
        let url = URL(fileURLWithPath: path)
        try await tar([
            "--create", "--gzip", "--numeric-owner", "--file", archive,
            "--directory", url.deletingLastPathComponent().path, url.lastPathComponent,
        ])
    }

    /// Lists an archive, which reads every byte and checks the gzip checksum.
    static func checkArchive(_ archive: String) async throws(ModuleError) {
        try await tar(["--list", "--gzip", "--file", archive])
    }

    /// Extracts an archive into `directory`, keeping permissions (and owners, when run as root).
    static func extract(_ archive: String, into directory: String) async throws(ModuleError) {
        try await tar([
            "--extract", "--gzip", "--same-permissions", "--numeric-owner", "--file", archive,
            "--directory", directory,
        ])
    }

    /// Runs `command` with `/bin/sh -c`, writing its standard output to `path`.
    static func dump(_ command: String, to path: String, timeout: Duration) async throws(ModuleError) {
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(
                FilePath(path), .writeOnly, options: [.create, .truncate],
                permissions: [.ownerReadWrite])
        } catch {
            throw ModuleError(.failed, "cannot create \(path): \(error)")
        }
        let result: (Bool, String, String)?
        do {
            result = try await withThrowingTaskGroup(of: (Bool, String, String)?.self) { group in
                group.addTask {
                    let outcome = try await Subprocess.run(
                        .path("/bin/sh"), arguments: ["-c", command],
                        output: .fileDescriptor(descriptor, closeAfterSpawningProcess: true),
                        error: .string(limit: 64 * 1024))
                    return (outcome.terminationStatus.isSuccess, "\(outcome.terminationStatus)", outcome.standardError)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                return try await group.next() ?? nil
            }
        } catch {
            throw ModuleError(.failed, "cannot run the dump command: \(error)")
        }
        guard let (success, status, errors) = result else {
            throw ModuleError(.failed, "the dump command did not finish within \(timeout); raise 'timeout'")
        }
        guard success else {
            let tail = errors.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw ModuleError(.failed, "the dump command failed (\(status))\(tail.isEmpty ? "" : ": \(tail)")")
        }
    }
}
