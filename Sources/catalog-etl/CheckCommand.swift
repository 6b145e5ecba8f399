import ArgumentParser
import ETLCore

/// `catalog-etl check FILE...`: validates pipeline files without reading data.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Check pipeline files without reading data rows: keys, types, stages, targets, regexes, environment, required fields, and every named column against the input's header."
    )

    @Argument(help: "Pipeline files (YAML).")
    var files: [String]

    @Option(name: .long, help: "Check the columns against this file instead of the pipeline's read.path.")
    var input: String?

    func run() throws {
        var failed = 0
        for file in files {
            do {
                let p = try PipelineLoader.load(path: file, inputOverride: input)
                let inputPath = input ?? p.read.path
                do {
                    var options = p.read.options
                    if let input, InputFormat.forPath(input) != .xlsx {
                        // Another kind of file than the pipeline reads: the sheet setting does not apply.
                        options.sheet = nil
                        options.format = nil
                    }
                    let columns = try ColumnCheck.columns(of: inputPath, options: options)
                    let problems = ColumnCheck.problems(p, columns: columns, input: inputPath)
                    if !problems.isEmpty { throw ConfigError(problems) }
                } catch let e as ReadError {
                    CatalogETL.printError(
                        "\(file): warning: the columns were not checked, because the input cannot be read (\(e.description))"
                    )
                }
                let rowStages: [String] = p.rowStages.map {
                    switch $0 {
                    case .filter: return "filter"
                    case .group: return "group"
                    case .explode: return "explode"
                    }
                }
                let stages =
                    ["read"] + rowStages
                    + [
                        p.normalise.map { _ in "normalise" }, p.validate.map { _ in "validate" },
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
