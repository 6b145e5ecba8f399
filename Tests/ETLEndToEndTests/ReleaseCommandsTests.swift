import Foundation
import Testing

@Suite("version and run history")
struct ReleaseCommandsTests {
    @Test func versionFlagAndCommandPrintTheSemanticVersionAndCommit() throws {
        let flag = try CLI.run(["--version"])
        #expect(flag.status == 0, "\(flag.stderr)")
        let line = flag.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.wholeMatch(of: /catalog-etl \d+\.\d+\.\d+ \(commit [0-9a-z-]+\)/) != nil, "\(line)")
        let command = try CLI.run(["version"])
        #expect(command.status == 0)
        #expect(command.stdout == flag.stdout)
        let changelog = try String(contentsOfFile: CLI.repositoryRoot + "/CHANGELOG.md", encoding: .utf8)
        let version = line.split(separator: " ")[1]
        #expect(changelog.contains("## \(version)"), "CHANGELOG.md has no section for \(version)")
    }

    @Test func runsWithoutALedgerSaysSoAndListsNothing() throws {
        let out = CLI.tempDirectory()
        let text = try CLI.run(["runs", "pipelines/ss26-sartiq.yaml", "--output", out])
        #expect(text.status == 0)
        #expect(text.stdout.contains("no ledger yet"))
        let json = try CLI.run(["runs", "pipelines/ss26-sartiq.yaml", "--output", out, "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["runs"] as? [Any])?.isEmpty == true)
        let bad = try CLI.run(["runs", "pipelines/ss26-sartiq.yaml", "--output", out, "--limit", "0"])
        #expect(bad.status == 2)
    }
}
