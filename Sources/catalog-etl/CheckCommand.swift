import ArgumentParser
import ETLCore
import Foundation

/// `catalog-etl check FILE... [--connect]`: validates pipeline files without reading data; with
/// `--connect`, also logs in to each upload target and reads one page of its collection.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract:
            "Check pipeline files without reading data rows: keys, types, stages, targets, regexes, environment, required fields, and every named column against the input's header."
    )

    @Argument(help: "Pipeline files (YAML).")
    var files: [String]

    @Option(name: .long, help: "Check the columns against this file instead of the pipeline's read.path.")
    var input: String?

    @Flag(
        help:
            "Also log in to each pipeline's upload target and read one page of its collection, writing nothing (endpoint: sandbox starts the built-in stand-in). Exit 4 when credentials are refused or the endpoint cannot be reached."
    )
    var connect = false

    @Option(help: "The runs' folder whose ledger and sandbox state --connect reads (default output/).")
    var output: String = "output"

    func run() async throws {
        var failed = 0
        var loaded: [Pipeline] = []
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
                let p = try PipelineLoader.load(
                    path: file, inputOverride: input, standInSettings: SandboxLauncher.settingNames)
                do {
                    let problems = try ColumnCheck.check(p, input: input)
                    if !problems.isEmpty { throw ConfigError(problems) }
                } catch let e as ReadError {
                    CatalogETL.printError(
                        "\(file): warning: the columns were not checked, because the input cannot be read (\(e.description))"
                    )
                }
                let stages = PipelineRunner.stageNames(of: p)
                print(
                    "\(file): ok (\(p.name): \(stages.joined(separator: " → "))\(p.target.map { "; target \($0.rawValue)" } ?? ""))"
                )
                for w in p.warnings { CatalogETL.printError(w.description) }
                loaded.append(p)
            } catch let e as ConfigError {
                failed += 1
                CatalogETL.printError(ColumnCheck.adding(to: e, input: input).description)
            }
        }
        if failed > 0 {
            throw CommandFailure(
                message: "\(failed) of \(files.count) pipeline file\(files.count == 1 ? "" : "s") failed the check",
                exitCode: 2)
        }
        if connect { try await connectEach(loaded) }
    }

    /// Connects to each pipeline's target in turn; the first refusal or unreachable endpoint ends the
    /// check (exit 4) after the others were tried.
    func connectEach(_ pipelines: [Pipeline]) async throws {
        var failures: [String] = []
        for p in pipelines {
            guard p.upload != nil else {
                print("\(p.file): no upload stage, so there is no service to connect to")
                continue
            }
            var upload = UploadOptions()
            upload.standIns = SandboxLauncher()
            upload.redactor = Console.shared.redactor
            upload.notice = { CatalogETL.printError($0) }
            for (_, v) in p.upload?.credentials ?? [:] { Console.shared.redactor.add(v) }
            do {
                let report = try await PipelineRunner.checkConnection(p, outputRoot: output, upload: upload)
                print("\(p.file): connect: \(report.text)")
            } catch let e as RemoteFailure {
                failures.append("\(p.file): connect: \(e.description)")
            }
        }
        if !failures.isEmpty {
            throw CommandFailure(message: failures.joined(separator: "\n"), exitCode: 4)
        }
    }
}
