import ETLTestSupport
import Foundation
import Testing

@Suite("version and run history")
struct ReleaseCommandsTests {
    @Test func versionFlagAndCommandPrintTheSemanticVersionAndCommit() throws {
        let flag = try BinaryRunner.run(["--version"])
        #expect(flag.status == 0, "\(flag.stderr)")
        let line = flag.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.wholeMatch(of: /catalog-etl \d+\.\d+\.\d+ \(commit [0-9a-z-]+\)/) != nil, "\(line)")
        let command = try BinaryRunner.run(["version"])
        #expect(command.status == 0)
        #expect(command.stdout == flag.stdout)
        let changelog = try String(contentsOfFile: Repository.root + "/CHANGELOG.md", encoding: .utf8)
        let version = line.split(separator: " ")[1]
        #expect(changelog.contains("## \(version)"), "CHANGELOG.md has no section for \(version)")
    }

    @Test func runsWithoutALedgerSaysSoAndListsNothing() throws {
        let out = TemporaryFolder.make("catalog-etl-e2e")
        let text = try BinaryRunner.run(["runs", "pipelines/ss26-sartiq.yaml", "--output", out])
        #expect(text.status == 0)
        #expect(text.stdout.contains("no ledger yet"))
        let json = try BinaryRunner.run(["runs", "pipelines/ss26-sartiq.yaml", "--output", out, "--json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["runs"] as? [Any])?.isEmpty == true)
        let bad = try BinaryRunner.run(["runs", "pipelines/ss26-sartiq.yaml", "--output", out, "--limit", "0"])
        #expect(bad.status == 2)
    }
}
