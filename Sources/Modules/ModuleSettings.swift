import Foundation

/// Settings the modules share, from `firebreak.yml` (`backups:` and `health:`).
public struct ModuleSettings: Sendable, Equatable {
    /// The backup repository; `nil` for `<data-dir>/backups`.
    public var repository: String?
    /// Retention of backups that do not set their own.
    public var retention: Retention
    /// Circuit breakers of health checks.
    public var breaker: BreakerSettings

    public init(
        repository: String? = nil, retention: Retention = Retention(), breaker: BreakerSettings = BreakerSettings()
    ) {
        self.repository = repository
        self.retention = retention
        self.breaker = breaker
    }

    /// The repository for a data directory.
    public func repository(dataDirectory: URL?) -> URL {
        if let repository { return URL(fileURLWithPath: repository) }
        return BackupEngine.defaultRepository(dataDirectory: dataDirectory ?? FileManager.default.temporaryDirectory)
    }
}
