import ArgumentParser
import ETLCore
import Foundation

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
            // `# TODO` lines (what `init` could not decide) are reported with their place.
            if let text = try? String(contentsOfFile: file, encoding: .utf8) {
                for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    guard let r = line.range(of: "# TODO") else { continue }
                    let column = line.distance(from: line.startIndex, to: r.lowerBound) + 1
                    CatalogETL.printError("\(file):\(n + 1):\(column): \(line[r.lowerBound...].dropFirst(2))")
                }
            }
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
