import ArgumentParser
import ETLCore

/// `catalog-etl inspect FILE`: sheets, header, guessed column types and the first rows.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Show a file's sheets, header, guessed column types and first rows.")

    @Argument(help: "The file to inspect (.csv .tsv .json .jsonl .xlsx).")
    var file: String

    @OptionGroup var read: ReadOptionGroup

    @Option(help: "How many rows to show.")
    var rows: Int = 10

    func run() throws {
        let inspection = try Inspection(path: file, options: read.readOptions, rowLimit: max(0, rows))
        print(inspection.render(), terminator: "")
        printWarnings(inspection.warnings)
    }
}
