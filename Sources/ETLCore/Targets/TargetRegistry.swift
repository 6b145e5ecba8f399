/// The targets catalog-etl knows: the one list of them that everything else asks.
///
/// Adding a target: its folder `Sources/ETLCore/Targets/<Service>/` (a ``TargetDefinition``, its
/// client and export parser) and its name in ``builtIn``; for `endpoint: sandbox`, its stand-in's
/// folder `Sources/Sandbox/Services/<Service>/` and its line in `SandboxStandIns.builtIn`.
public enum TargetRegistry {
    /// The built-in targets, in the order `catalog-etl targets` lists them.
    public static let builtIn: [TargetDefinition] = [.pixyle, .sartiq, .mixpeek, .wickson, .scenario]

    /// Every target: the built-in ones, then those added for the current task (see
    /// ``with(_:_:)``).
    public static var all: [TargetDefinition] { builtIn + added }

    /// The definition of a target, if it is registered.
    public static func definition(_ service: TargetService) -> TargetDefinition? {
        all.first { $0.service.name == service.name }
    }

    /// Runs `body` with `targets` registered after the built-in ones, for this task and the tasks it
    /// starts only (a test's own target is seen by nothing else running at the same time).
    public static func with<T>(_ targets: [TargetDefinition], _ body: () throws -> T) rethrows -> T {
        precondition(
            targets.allSatisfy { t in !builtIn.contains { $0.service.name == t.service.name } },
            "a target of that name is built in")
        return try $added.withValue(added + targets, operation: body)
    }

    /// ``with(_:_:)`` for an async `body` (a test that runs an upload through its own target).
    public static func with<T>(_ targets: [TargetDefinition], _ body: () async throws -> T) async rethrows -> T {
        precondition(
            targets.allSatisfy { t in !builtIn.contains { $0.service.name == t.service.name } },
            "a target of that name is built in")
        return try await $added.withValue(added + targets, operation: body)
    }

    @TaskLocal private static var added: [TargetDefinition] = []
}
