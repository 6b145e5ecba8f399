import Foundation

/// The targets catalog-etl knows: the one list every switch over services used to be.
///
/// Adding a target: its folder `Sources/ETLCore/Targets/<Service>/` (a ``TargetDefinition``, its
/// client and export parser), its stand-in in `Sources/Sandbox/`, and its name in ``builtIn``.
public enum TargetRegistry {
    /// The built-in targets, in the order `catalog-etl targets` lists them.
    public static let builtIn: [TargetDefinition] = [.pixyle, .sartiq, .mixpeek, .wickson, .scenario]

    /// Every target: the built-in ones, then those registered at run time (tests).
    public static var all: [TargetDefinition] { builtIn + added.withLock { $0 } }

    /// The definition of a target, if it is registered.
    public static func definition(_ service: TargetService) -> TargetDefinition? {
        all.first { $0.service.name == service.name }
    }

    /// Adds a target (a test's own); a second one of the same name replaces the first.
    public static func register(_ definition: TargetDefinition) {
        precondition(
            !builtIn.contains { $0.service.name == definition.service.name },
            "\(definition.service.name) is a built-in target")
        added.withLock { list in
            list.removeAll { $0.service.name == definition.service.name }
            list.append(definition)
        }
    }

    private static let added = LockedList()
}

/// The registered targets behind a lock.
private final class LockedList: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [TargetDefinition] = []

    func withLock<T>(_ body: (inout [TargetDefinition]) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&list)
    }
}
