import Foundation
import Workflows

/// One `firebreak serve` per data directory: two would deliver every notification twice. The kernel
/// releases the lock when the server dies, even by `kill -9`.
public struct ServeLock: Sendable {
    private let descriptor: Int32

    /// Takes `<data-dir>/serve.lock` without waiting.
    /// - Throws: ``ServeError`` when another live server holds it.
    public static func acquire(dataDirectory: URL) throws -> ServeLock {
        let path = dataDirectory.appendingPathComponent("serve.lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ServeError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw ServeError(
                "another 'firebreak serve' is using \(dataDirectory.path); stop it first, or give this one its own --data-dir"
            )
        }
        return ServeLock(descriptor: descriptor)
    }

    /// Whether a live `firebreak serve` holds the lock of `dataDirectory`.
    public static func isHeld(dataDirectory: URL) -> Bool {
        LockFile.isHeld(dataDirectory.appendingPathComponent("serve.lock").path)
    }

    /// Lets another server start.
    public func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

/// A server that cannot start.
public struct ServeError: Error, Sendable, CustomStringConvertible {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}
