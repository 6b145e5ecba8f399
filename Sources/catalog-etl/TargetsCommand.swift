import ArgumentParser
import ETLCore
import OrderedJSON

/// `catalog-etl targets [NAME] [--json]`: each target's fields and limits, each with its source.
struct TargetsCommand: ParsableCommand {
    /// The `<name>` help: the registered targets and one of their other rule sets as an example.
    static let nameHelp: String = {
        let services = TargetService.allCases.map(\.rawValue).joined(separator: ", ")
        let example = TargetContract.allRuleSets.dropFirst(TargetContract.all.count).first?.qualifiedName
        return "A service (\(services)) or a rule set (\(example ?? "service.rule_set"))."
    }()

    static let configuration = CommandConfiguration(
        commandName: "targets",
        abstract: "List each target's fields (type, required, max length, values) and limits, with their sources.")

    @Argument(help: ArgumentHelp(nameHelp))
    var name: String?

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    func validate() throws {
        if let name, contracts(named: name).isEmpty {
            let known = TargetService.allCases.map(\.rawValue) + TargetContract.allRuleSets.map(\.qualifiedName)
            throw ValidationError("unknown target \"\(name)\"; expected one of \(known.joined(separator: ", "))")
        }
    }

    /// The contracts `name` means: a service's default, or one rule set; every default when nil.
    func contracts(named name: String?) -> [TargetContract] {
        guard let name else { return TargetContract.all }
        if let service = TargetService(rawValue: name.lowercased()) { return [TargetContract.contract(for: service)] }
        return TargetContract.allRuleSets.filter { $0.qualifiedName == name.lowercased() }
    }

    func run() throws {
        let chosen = contracts(named: name)
        if json {
            let value: JSONValue = name == nil ? .array(chosen.map(\.json)) : (chosen.first?.json ?? .null)
            print(value.prettyText, terminator: "")
        } else {
            print(chosen.map { $0.renderText() }.joined(separator: "\n"), terminator: "")
        }
    }
}
