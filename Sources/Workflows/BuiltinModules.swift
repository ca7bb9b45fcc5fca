import Modules
import Runbooks

/// The modules this build provides: `backup`, `restore` and `health`.
public enum BuiltinModules {
    /// Every built-in module, with default settings.
    public static var all: [any StepModule] { make(ModuleSettings()) }

    /// Every built-in module, with `settings` from `firebreak.yml`.
    public static func make(_ settings: ModuleSettings) -> [any StepModule] {
        [BackupModule(settings: settings), RestoreModule(settings: settings), HealthModule(settings: settings)]
    }

    /// The lint catalog of the built-in modules.
    public static var catalog: ModuleCatalog {
        ModuleCatalog(
            validators: Dictionary(
                all.map { module in
                    (
                        module.name,
                        { @Sendable body, line in module.validate(body: body, firstLine: line) } as ModuleBodyValidator
                    )
                }, uniquingKeysWith: { first, _ in first }))
    }
}
