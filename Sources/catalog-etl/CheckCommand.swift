import ArgumentParser
import ETLCore

/// `catalog-etl check FILE...`: validates pipeline files without reading data.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Check pipeline files without reading data: keys, types, stages, targets, regexes, environment, required fields."
    )

    @Argument(help: "Pipeline files (YAML).")
    var files: [String]

    func run() throws {
        var failed = 0
        for file in files {
            do {
                let p = try PipelineLoader.load(path: file)
                let stages = [
                    "read", p.normalise.map { _ in "normalise" }, p.validate.map { _ in "validate" },
                    p.upload.map { _ in "upload" }, p.export.map { _ in "export" },
                    p.reconcile.map { _ in "reconcile" },
                ].compactMap { $0 }
                print(
                    "\(file): ok (\(p.name): \(stages.joined(separator: " → "))\(p.target.map { "; target \($0.rawValue)" } ?? ""))"
                )
                for w in p.warnings { CatalogETL.printError(w.description) }
            } catch let e as ConfigError {
                failed += 1
                CatalogETL.printError(e.description)
            }
        }
        if failed > 0 {
            throw CommandFailure(
                message: "\(failed) of \(files.count) pipeline file\(files.count == 1 ? "" : "s") failed the check",
                exitCode: 2)
        }
    }
}
