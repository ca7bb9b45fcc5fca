import ArgumentParser
import Modules

/// Shared wiring of the backup, restore and drill commands.
struct ModuleOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions

    func engine() async throws -> (BackupEngine, ModuleSettings) {
        let settings = try global.loadConfig().modules
        let store = try await global.openStore()
        return (
            BackupEngine(store: store, repository: settings.repository(dataDirectory: global.dataDirectory)), settings
        )
    }
}
