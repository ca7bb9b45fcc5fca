import ArgumentParser
import Config
import Foundation
import Logging
import Server

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the HTTP API, the escalation scheduler and the notification dispatcher.",
        discussion: """
            Needs no configuration: without firebreak.yml every setting has its default. SIGTERM or SIGINT stops \
            accepting connections, finishes requests in flight and exits 0; runs still executing stay resumable. \
            API calls need a token: create one with 'firebreak token create NAME'.
            """
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: "Address to listen on (default: server.host, else 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (default: server.port, else 8080).")
    var port: Int?

    @Option(help: ArgumentHelp("Log format: json or text.", valueName: "format"))
    var logFormat: String = "json"

    @Option(
        help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error or critical.", valueName: "level"))
    var logLevel: String = "info"

    func validate() throws {
        guard LogFormat(rawValue: logFormat) != nil else {
            throw ValidationError("--log-format must be json or text, not '\(logFormat)'")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        if let port, !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
    }

    func run() async throws {
        let config = try global.loadConfig()
        let format = LogFormat(rawValue: logFormat)!
        let level = Logger.Level(rawValue: logLevel)!
        LoggingSystem.bootstrap { _ in LineLogHandler(format: format, level: level) }
        let logger = Logger(label: "firebreak")
        let store = try await global.openStore(defaultDurability: .full)
        let lock = try ServeLock.acquire(dataDirectory: global.dataDirectory)
        defer { lock.release() }
        logger.notice(
            "data in \(global.dataDirectory.standardizedFileURL.path)",
            metadata: ["config": .string(config.source ?? "defaults (no \(global.configPath))")])
        let server = try FirebreakServer(store: store, config: config, logger: logger)
        try await server.run(host: host ?? config.server.host, port: port ?? config.server.port)
    }
}
