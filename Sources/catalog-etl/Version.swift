import ArgumentParser
import CBuildInfo

/// The tool's semantic version and the commit it was built from.
enum BuildInfo {
    /// The semantic version; CHANGELOG.md says what each one changed.
    static let version = "0.4.0"

    /// The commit recorded at build time (`scripts/build-info`), or "unknown".
    static var commit: String { String(cString: catalog_etl_commit()) }

    /// `catalog-etl 0.4.0 (commit 1a2b3c4d5e6f)`.
    static var line: String { "catalog-etl \(version) (commit \(commit))" }
}

/// `catalog-etl version`: the same line as `--version`.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the version and the commit the binary was built from.")

    func run() throws {
        print(BuildInfo.line)
    }
}
