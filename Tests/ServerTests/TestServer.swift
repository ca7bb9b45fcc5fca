import Config
import FirebreakTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Server
import Store

/// A server over a real SQLite file in a temporary directory, with a token.
struct TestServer {
    let directory: TemporaryDirectory
    let store: any Storage
    let server: FirebreakServer
    let token: String

    init(_ yaml: String = "") async throws {
        directory = TemporaryDirectory()
        store = try await SQLiteStore.open(directory: directory.url.appendingPathComponent("data"))
        var config = try FirebreakConfig.parse(yaml)
        config.runbooksDirectory = directory.url.appendingPathComponent("runbooks").path
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        server = try FirebreakServer(store: store, config: config, logger: logger)
        token = try await server.tokens.create(name: "tests", user: "alice", role: .admin)
    }

    var auth: HTTPFields { [.authorization: "Bearer \(token)"] }

    func application() -> some ApplicationProtocol {
        server.makeApplication(host: "127.0.0.1", port: 0)
    }
}

extension ByteBuffer {
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: self))) as? [String: Any] ?? [:]
    }
}

extension String {
    var buffer: ByteBuffer { ByteBuffer(string: self) }
}
