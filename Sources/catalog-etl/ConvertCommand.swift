import ArgumentParser
import ETLCore

/// `catalog-etl convert INPUT OUTPUT`: streams any input into CSV or JSON Lines.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert", abstract: "Convert a CSV, JSON, JSON Lines or XLSX file into CSV or JSON Lines.")

    @Argument(help: "The input file.")
    var input: String

    @Argument(help: "The output file (.csv or .jsonl), or - for standard output.")
    var output: String

    @OptionGroup var read: ReadOptionGroup

    @Option(help: "Output format: csv or jsonl (default: by OUTPUT's extension; csv for -).")
    var format: String?

    @Flag(help: "Add _file, _sheet and _row (the row number the user sees) to every record.")
    var provenance = false

    func validate() throws {
        if let format, OutputFormat(rawValue: format) == nil {
            throw ValidationError("unknown format \"\(format)\"; expected csv or jsonl")
        }
        if format == nil && output != "-" && OutputFormat.forPath(output) == nil {
            throw ValidationError(
                "cannot tell the output format from \"\(output)\"; name it .csv or .jsonl, or pass --format csv|jsonl")
        }
    }

    func run() throws {
        guard
            let outFormat = format.flatMap(OutputFormat.init(rawValue:)) ?? OutputFormat.forPath(output)
                ?? (output == "-" ? .csv : nil)
        else {
            throw ValidationError("no output format")
        }
        let result = try Converter.convert(
            input: input, output: output, format: outFormat, options: read.readOptions, provenance: provenance)
        printWarnings(result.warnings)
        if output != "-" {
            CatalogETL.printError("wrote \(result.records) records × \(result.columns.count) columns to \(output)")
        }
    }
}
