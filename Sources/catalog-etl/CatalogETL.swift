import ArgumentParser
import ETLCore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// The `catalog-etl` command: reads, normalises, validates, uploads, exports and reconciles
/// seasonal fashion catalogs.
@main
struct CatalogETL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog-etl",
        abstract: "Batch ETL for seasonal fashion catalogs into product-AI platforms.",
        discussion: """
            Exit codes: 0 ok · 1 the data has problems (rows rejected, thresholds crossed) · \
            2 usage or pipeline-file error · 3 input unreadable or unsafe · 4 a remote system failed · \
            130/143 stopped by SIGINT/SIGTERM (run the same command again to resume).
            """,
        version: BuildInfo.line,
        subcommands: [
            InspectCommand.self, InitCommand.self, TargetsCommand.self, SchemaCommand.self, ConvertCommand.self,
            CheckCommand.self, RunCommand.self, PlanCommand.self,
            ReconcileCommand.self, StatusCommand.self, RunsCommand.self, SandboxCommand.self, VersionCommand.self,
        ])

    /// Runs the command and maps every failure to the documented exit codes.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exitWithDocumentedCode(error)
        }
    }

    /// Reports the error (a plain line, or with `--log-format json` a JSON line naming the event and
    /// the exit code) and exits with its documented code.
    static func exitWithDocumentedCode(_ error: any Error) -> Never {
        let (message, code, event) = describe(error)
        if code == 0 {
            // --help and the like: the parser's text, as it is.
            if !message.isEmpty { print(message) }
        } else if !message.isEmpty {
            Console.shared.message(message, level: .error, event: event, ["exit_code": .stringConvertible(Int(code))])
        }
        Glibc.exit(code)
    }

    /// The message, the exit code and the log event of an error.
    static func describe(_ error: any Error) -> (String, Int32, String) {
        switch error {
        case let e as ReadError: return (e.description, e.exitCode, "input_error")
        case let e as WriteError: return (e.description, 3, "write_error")
        case let e as ConfigError: return (e.description, 2, "config_error")
        case let e as RunFailure: return (e.description, e.exitCode, "run_failed")
        case let e as RemoteFailure: return (e.description, 4, "remote_failed")
        case let e as LedgerError: return (e.description, 3, "ledger_error")
        case let e as CommandFailure:
            return (e.message, e.exitCode, e.exitCode == 130 || e.exitCode == 143 ? "interrupted" : "run_failed")
        default:
            let parserCode = exitCode(for: error)
            let message = fullMessage(for: error)
            if parserCode == .success { return (message, 0, "help") }
            // ArgumentParser's validation failure is EX_USAGE (64); ours is 2.
            let code: Int32 = parserCode == .validationFailure ? 2 : (parserCode.rawValue == 1 ? 1 : 2)
            return (message, code, "usage_error")
        }
    }

    static func printError(_ s: String) {
        var line = s
        if !line.hasSuffix("\n") { line += "\n" }
        printRaw(line)
    }

    /// Writes text to standard error as is.
    static func printRaw(_ line: String) {
        LogLineOutput.writeAll(line, to: 2)
    }
}

/// A failure the CLI reports with a message and one of the documented exit codes.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32
}
