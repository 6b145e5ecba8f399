/// What the registry knows, seen from the types it lists: a target name's check and its
/// definition, every contract and every rule set. Here, with ``TargetRegistry``, because each of
/// them asks it; the types themselves are declared below the targets' folders.
extension TargetService: RawRepresentable, CaseIterable {
    /// The registered target of that name, or nil.
    public init?(rawValue: String) {
        guard TargetRegistry.all.contains(where: { $0.service.name == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    /// Every registered target, in ``TargetRegistry`` order.
    public static var allCases: [TargetService] { TargetRegistry.all.map(\.service) }

    /// The service's name as people write it (`Sartiq`).
    public var displayName: String { TargetRegistry.definition(self)?.displayName ?? rawValue }

    /// The target's definition.
    public var definition: TargetDefinition {
        guard let d = TargetRegistry.definition(self) else { preconditionFailure("no target \(rawValue) registered") }
        return d
    }
}

extension TargetContract {
    /// The default contract of each target, in ``TargetRegistry`` order.
    public static var all: [TargetContract] { TargetRegistry.all.map(\.contract) }

    /// Every contract: the defaults, then the other rule sets (update variants).
    public static var allRuleSets: [TargetContract] { all + TargetRegistry.all.flatMap { $0.ruleSets.dropFirst() } }

    /// The default contract of a service (what `against: sartiq` and `init --target sartiq` mean).
    public static func contract(for service: TargetService) -> TargetContract { service.definition.contract }
}

extension TargetRuleSet {
    /// Every rule set catalog-etl knows, by qualified name.
    public static var all: [String: TargetRuleSet] {
        var d: [String: TargetRuleSet] = [:]
        for contract in TargetContract.allRuleSets {
            let r = TargetRuleSet(contract: contract)
            d[r.name.qualified] = r
        }
        return d
    }

    /// The rule set names, sorted.
    public static var names: [String] { all.keys.sorted() }

    /// The default rule set of a service (what `against: sartiq` means).
    public static func defaultSet(for service: TargetService) -> TargetRuleSet {
        TargetRuleSet(contract: service.definition.contract)
    }
}

extension TargetService {
    /// Every registered target's name as prose, in ``TargetRegistry`` order ("pixyle, sartiq, … or
    /// scenario"): help texts and the schema read it instead of listing the services by hand.
    public static var namesInProse: String { prose(allCases.map(\.rawValue), conjunction: "or") }

    /// Names joined as prose: `a, b and c`.
    /// - Parameters:
    ///   - names: The names, in order.
    ///   - conjunction: The word before the last (`and`, `or`).
    /// - Returns: The text; empty for no names.
    public static func prose(_ names: [String], conjunction: String) -> String {
        guard let last = names.last else { return "" }
        return names.count == 1 ? last : names.dropLast().joined(separator: ", ") + " \(conjunction) " + last
    }
}
