import ETLTestSupport
import Foundation
import Testing

/// The progress display on a terminal (a pseudo-terminal from util-linux `script`): a line per finished
/// stage, cut to the terminal's width, coloured unless `NO_COLOR` is set.
@Suite("terminal display")
struct TerminalDisplayTests {
    /// Runs the binary on a pseudo-terminal and returns everything it showed (both streams).
    static func onTerminal(_ arguments: [String], environment: [String: String]) throws -> String {
        let command = ([BinaryRunner.path] + arguments).map { "'" + $0 + "'" }.joined(separator: " ")
        return try BinaryRunner.runProgram("/usr/bin/script", ["-qec", command, "/dev/null"], environment: environment)
    }

    static var escape: Regex<Substring> { /\u{1B}\[[0-9;]*[A-Za-z]/ }

    /// What a terminal shows line by line: escapes removed, split at every carriage return and line feed
    /// (a redrawn status line is a line of its own).
    static func drawn(_ output: String) -> [String] {
        output.replacing(escape, with: "").unicodeScalars.split { $0 == "\n" || $0 == "\r" }.map { String($0) }
    }

    @Test func finishedStagesStayWithCountAndRateCutToTheWidthAndColouredUnlessNoColor() throws {
        let args = [
            "run", "pipelines/ss26-sartiq.yaml", "--dry-run", "--output", TemporaryFolder.make("catalog-etl-e2e"),
        ]
        let plain = try Self.onTerminal(args, environment: ["COLUMNS": "44", "NO_COLOR": "1", "TERM": "xterm"])
        #expect(!plain.contains("\u{1B}[3"), "NO_COLOR: no colour codes")
        let stage = try #require(Self.drawn(plain).first { $0.hasPrefix("✓ read · normalise") }, "\(plain)")
        #expect(stage.count <= 43, "cut to the width: \(stage)")
        #expect(stage.hasSuffix("…"), "\(stage)")

        let wide = try Self.onTerminal(args, environment: ["COLUMNS": "120", "TERM": "xterm", "NO_COLOR": ""])
        #expect(wide.contains("\u{1B}[32m✓\u{1B}[0m"), "a finished stage is marked green")
        let line = try #require(Self.drawn(wide).first { $0.hasPrefix("✓ read · normalise · validate") }, "\(wide)")
        #expect(line.contains(/: 320 rows in \d+\.\d s \(/), "\(line)")
        #expect(line.hasSuffix("/s)") || line.hasSuffix("/min)"), "with its rate: \(line)")
    }
}
