import Runbooks

/// The modules this build provides. The modules issue registers backup, restore and health here.
public enum BuiltinModules {
    /// Every built-in module.
    public static var all: [any StepModule] { [] }

    /// The lint catalog of the built-in modules.
    public static var catalog: ModuleCatalog {
        ModuleCatalog(validators: Dictionary(all.map { module in
            (module.name, { @Sendable body, line in module.validate(body: body, firstLine: line) } as ModuleBodyValidator)
        }, uniquingKeysWith: { first, _ in first }))
    }
}
