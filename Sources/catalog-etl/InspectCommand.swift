import ArgumentParser
import ETLCore
import OrderedJSON

#if canImport(Glibc)
    import Glibc
#endif

/// `catalog-etl inspect FILE`: sheets, row count, per column the guessed type, empties, distinct and
/// top values (from the whole file), and the first rows.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract:
            "Show a file's sheets, row count, per column the guessed type, empty share, distinct count and top values, and its first rows."
    )

    @Argument(help: "The file to inspect (.csv .tsv .json .jsonl .xlsx).")
    var file: String

    @OptionGroup var read: ReadOptionGroup

    @Option(help: "How many rows to show.")
    var rows: Int = 10

    @Flag(help: "Print the column profiles as JSON.")
    var json = false

    func run() throws {
        let inspection = try Inspection(path: file, options: read.readOptions, rowLimit: json ? 0 : max(0, rows))
        if json {
            print(inspection.json.prettyText, terminator: "")
        } else {
            print(inspection.render(terminalWidth: Self.terminalWidth()), terminator: "")
        }
        printWarnings(inspection.warnings)
    }

    /// The terminal's width when standard output is one (else `COLUMNS`, else nil: no limit).
    static func terminalWidth() -> Int? {
        var size = winsize()
        if isatty(1) == 1, withUnsafeMutablePointer(to: &size, { ioctl(1, UInt(TIOCGWINSZ), $0) }) == 0, size.ws_col > 0
        {
            return Int(size.ws_col)
        }
        if let c = getenv("COLUMNS").map({ String(cString: $0) }), let n = Int(c), n > 0 { return n }
        return nil
    }
}
