import ArgumentParser
import ETLCore

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

    static func exitWithDocumentedCode(_ error: any Error) -> Never {
        let code: Int32
        switch error {
        case let e as ReadError:
            printError(e.description)
            code = e.exitCode
        case let e as WriteError:
            printError(e.description)
            code = 3
        case let e as ConfigError:
            printError(e.description)
            code = 2
        case let e as RunFailure:
            printError(e.description)
            code = e.exitCode
        case let e as RemoteFailure:
            printError(e.description)
            code = 4
        case let e as LedgerError:
            printError(e.description)
            code = 3
        case let e as CommandFailure:
            if !e.message.isEmpty { printError(e.message) }
            code = e.exitCode
        default:
            let parserCode = exitCode(for: error)
            let message = fullMessage(for: error)
            if parserCode == .success {
                if !message.isEmpty { print(message) }
                code = 0
            } else {
                if !message.isEmpty { printError(message) }
                // ArgumentParser's validation failure is EX_USAGE (64); ours is 2.
                code = parserCode == .validationFailure ? 2 : (parserCode.rawValue == 1 ? 1 : 2)
            }
        }
        Glibc.exit(code)
    }

    static func printError(_ s: String) {
        var line = s
        if !line.hasSuffix("\n") { line += "\n" }
        printRaw(line)
    }

    /// Writes text to standard error as is.
    static func printRaw(_ line: String) {
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { break }
            offset += n
        }
    }
}

/// A failure the CLI reports with a message and one of the documented exit codes.
struct CommandFailure: Error {
    var message: String
    var exitCode: Int32
}
