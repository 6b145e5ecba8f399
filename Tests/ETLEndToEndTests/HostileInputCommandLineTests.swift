import ETLTestSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Helpers of the end-to-end tests (the binary runs through `BinaryRunner`).
enum CLI {
    /// The sample Sartiq pipeline, with its relative paths made absolute, written to a temp folder.
    static func samplePipeline(editing edit: (String) -> String = { $0 }) throws -> String {
        let text = try String(contentsOfFile: Repository.root + "/pipelines/ss26-sartiq.yaml", encoding: .utf8)
            .replacingOccurrences(of: "../samples/", with: Repository.root + "/samples/")
        let path = TemporaryFolder.make("catalog-etl-e2e") + "/ss26-sartiq.yaml"
        try edit(text).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func csvRows(_ path: String) throws -> [[String]] {
        // The quarantine file's cells, split by a tiny RFC 4180 reader (the tool is under test).
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var rows: [[String]] = []
        var row: [String] = []
        var cell = ""
        var quoted = false
        var chars = Array(text)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        cell.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    cell.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                row.append(cell)
                cell = ""
            } else if c == "\n" {
                row.append(cell)
                rows.append(row)
                row = []
                cell = ""
            } else {
                cell.append(c)
            }
        }
        return rows
    }
}

@Suite("hostile pipeline files and inputs, end to end")
struct HostileInputCommandLineTests {
    @Test func refusesAnAliasBombAndAHugeFileInWellUnderASecond() throws {
        var lines = ["name: bomb", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...8 {
            lines.append(
                "a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", "))]")
        }
        lines.append("stages: [*a8]")
        let bomb = TemporaryFolder.make("catalog-etl-e2e") + "/bomb.yaml"
        try (lines.joined(separator: "\n") + "\n").write(toFile: bomb, atomically: true, encoding: .utf8)
        for command in ["check", "run"] {
            let (r, seconds) = try BinaryRunner.run(
                within: 20, [command, bomb] + (command == "run" ? ["--dry-run"] : []))
            #expect(r.status == 2, "\(command): \(r.stderr)")
            #expect(seconds < 1, "\(command) took \(seconds) s")
            #expect(r.stderr.contains("bomb.yaml:2:5: YAML anchors (&name) are not allowed in pipeline files"))
        }
        let huge = TemporaryFolder.make("catalog-etl-e2e") + "/huge.yaml"
        try ("name: huge\n#" + String(repeating: "x", count: 2 << 20) + "\nstages: []\n").write(
            toFile: huge, atomically: true, encoding: .utf8)
        let (r, seconds) = try BinaryRunner.run(within: 20, ["check", huge])
        #expect(r.status == 2)
        #expect(seconds < 1)
        #expect(r.stderr.contains("pipeline files are at most 1 MiB"))
    }

    @Test func plainHTTPGoesOnlyToLoopbackAndPortsAreChecked() throws {
        let attacker = try CLI.samplePipeline {
            $0.replacingOccurrences(of: "${SARTIQ_URL:-sandbox}", with: "http://127.attacker.example/sartiq")
        }
        for args in [["check", attacker], ["run", attacker], ["run", attacker, "--dry-run"]] {
            let (r, _) = try BinaryRunner.run(within: 30, args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains("must use https"))
            #expect(r.stderr.contains("\"127.attacker.example\" is not"))
        }
        let port = try CLI.samplePipeline {
            $0.replacingOccurrences(of: "${SARTIQ_URL:-sandbox}", with: "http://127.0.0.1:70000/sartiq")
        }
        let (r, _) = try BinaryRunner.run(within: 30, ["check", port])
        #expect(r.status == 2)
        #expect(r.stderr.contains("has the port \"70000\"; a port is a number from 1 to 65535"))
    }

    @Test func aSecretWrittenInTheFileIsAWarningPrintedOnce() throws {
        let literal = try CLI.samplePipeline {
            $0.replacingOccurrences(of: "${SARTIQ_PASSWORD:-sandbox}", with: "hunter2")
        }
        let (check, _) = try BinaryRunner.run(within: 30, ["check", literal])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(
            check.stderr.contains("ss26-sartiq.yaml:59:17: warning: upload.password is written in the pipeline file"))
        #expect(!check.stderr.contains("hunter2"))
        let out = TemporaryFolder.make("catalog-etl-e2e")
        let (run, _) = try BinaryRunner.run(within: 120, ["run", literal, "--dry-run", "--output", out])
        #expect(run.stderr.components(separatedBy: "warning: upload.password").count == 2, "\(run.stderr)")
        let (sample, _) = try BinaryRunner.run(within: 30, ["check", "pipelines/ss26-sartiq.yaml"])
        #expect(sample.status == 0)
        #expect(!sample.stderr.contains("warning"))
    }

    @Test func aFIFOInputIsRefusedAtOnce() throws {
        let dir = TemporaryFolder.make("catalog-etl-e2e")
        let fifo = dir + "/catalog.csv"
        #expect(mkfifo(fifo, 0o600) == 0)
        for args in [
            ["run", "pipelines/ss26-sartiq.yaml", "--dry-run", "--output", dir, "--input", fifo],
            ["convert", fifo, dir + "/x.jsonl"], ["inspect", fifo],
        ] {
            let (r, seconds) = try BinaryRunner.run(within: 20, args)
            #expect(r.status == 3, "\(args[0]): \(r.stderr)")
            #expect(seconds < 5, "\(args[0]) took \(seconds) s")
            #expect(r.stderr.contains("not a regular file (it is a FIFO (named pipe))"), "\(r.stderr)")
        }
    }

    @Test func theSampleQuarantineLoopGivesTheRowsBackUnchanged() throws {
        let out = TemporaryFolder.make("catalog-etl-e2e")
        let (first, _) = try BinaryRunner.run(
            within: 120, ["run", "pipelines/ss26-sartiq.yaml", "--dry-run", "--output", out])
        #expect(first.status == 1, "\(first.stderr)")
        let firstDir = first.stdout.split(separator: "\n").last { $0.hasPrefix("report: ") }.map {
            String($0.dropFirst(8))
        }
        let quarantine = (firstDir ?? "") + "quarantine.csv"
        let (second, _) = try BinaryRunner.run(
            within: 120, ["run", "pipelines/ss26-sartiq.yaml", "--dry-run", "--output", out, "--input", quarantine])
        #expect(second.status == 1, "\(second.stderr)")
        let secondDir = second.stdout.split(separator: "\n").last { $0.hasPrefix("report: ") }.map {
            String($0.dropFirst(8))
        }
        let a = try CLI.csvRows(quarantine)
        let b = try CLI.csvRows((secondDir ?? "") + "quarantine.csv")
        #expect(a.count > 1)
        #expect(a.count == b.count)
        // Every cell but the reasons is the same, escapes and the rows' provenance included.
        func withoutErrors(_ row: [String]) -> [String] {
            var r = row
            if r.count >= 4 { r.remove(at: r.count - 4) }
            return r
        }
        #expect(a.map(withoutErrors) == b.map(withoutErrors))
        #expect(a.first.map { Array($0.suffix(4)) } == ["_errors", "_file", "_sheet", "_row"])
        #expect(a.dropFirst().allSatisfy { $0.suffix(3).first == "samples/ss26-womenswear.xlsx" })
        // No cell a spreadsheet would run as a formula is left unescaped.
        for row in a.dropFirst() {
            for cell in row.dropLast() {
                if let f = cell.first { #expect(!"=+-@".contains(f), "unescaped cell \(cell)") }
            }
        }
        #expect(second.stdout.contains("read \(a.count - 1) rows"))
        #expect(second.stdout.contains("0 valid, \(a.count - 1) quarantined"))
    }

    @Test func maxQuarantinedDecidesTheExitCode() throws {
        let out = TemporaryFolder.make("catalog-etl-e2e")
        let within = try CLI.samplePipeline {
            $0.replacingOccurrences(of: "on_error: quarantine", with: "on_error: quarantine\n      max_quarantined: 11")
        }
        let (ok, _) = try BinaryRunner.run(within: 120, ["run", within, "--dry-run", "--output", out])
        #expect(ok.status == 0, "\(ok.stdout)\n\(ok.stderr)")
        #expect(ok.stdout.contains("11 rows quarantined, within max_quarantined: 11"))
        let over = try CLI.samplePipeline {
            $0.replacingOccurrences(of: "on_error: quarantine", with: "on_error: quarantine\n      max_quarantined: 10")
        }
        let (bad, _) = try BinaryRunner.run(within: 120, ["run", over, "--dry-run", "--output", out])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("11 rows quarantined, more than max_quarantined: 10"))
    }

    @Test func aRunThatFailsPartWayLeavesAFailedSummaryAndNoSpools() throws {
        let out = TemporaryFolder.make("catalog-etl-e2e")
        // Files may grow to 64 KiB (the shell's `ulimit -f` counts 512-byte blocks), as on a full disk:
        // normalised.jsonl is larger, summary.json is not.
        let command = [
            "trap '' XFSZ;", "ulimit -f 128;", "exec", BinaryRunner.path, "run", "pipelines/ss26-sartiq.yaml",
            "--dry-run",
            "--output", out,
        ]
        let (r, _) = try BinaryRunner.run(within: 120, command, shell: true)
        #expect(r.status == 3, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("File too large"))
        let folders = try FileManager.default.contentsOfDirectory(atPath: out + "/ss26-sartiq")
        #expect(folders.count == 1)
        let dir = out + "/ss26-sartiq/" + (folders.first ?? "")
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json")))
            as? [String: Any]
        #expect(summary?["status"] as? String == "failed")
        #expect(((summary?["failure"] as? [String: Any])?["reason"] as? String)?.contains("File too large") == true)
        #expect(((summary?["failure"] as? [String: Any])?["exit_code"] as? Int) == 3)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        for spool in ["send.jsonl", ".quarantine.spool.jsonl", ".quarantined-keys.jsonl", "normalised.jsonl"] {
            #expect(!left.contains(spool), "\(spool) left behind")
        }
    }

    @Test func bytesThatAreNotUTF8QuarantineTheirRow() throws {
        let dir = TemporaryFolder.make("catalog-etl-e2e")
        var data = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/samples/ss26-womenswear.csv"))
        // "Sundress" → "Sundr\xE9ss" in the first data row's name: a Windows-1252 byte in a UTF-8 file.
        let range = try #require(data.range(of: Data("Sundress".utf8)))
        data.replaceSubrange(range, with: Data("Sundr".utf8) + [0xE9] + Data("ss".utf8))
        try data.write(to: URL(fileURLWithPath: dir + "/cat.csv"))
        let (r, _) = try BinaryRunner.run(
            within: 120,
            ["run", "pipelines/ss26-sartiq.yaml", "--dry-run", "--output", dir, "--input", dir + "/cat.csv"])
        #expect(r.status == 1)
        let issues = try CLI.csvRows(
            (r.stdout.split(separator: "\n").last { $0.hasPrefix("report: ") }.map { String($0.dropFirst(8)) } ?? "")
                + "issues.csv")
        let encoding = issues.filter { $0.count > 8 && $0[7] == "encoding" }
        #expect(encoding.count == 1)
        #expect(encoding.first?[8] == "error")
        #expect(encoding.first?[9].contains("byte 0xE9 is not valid UTF-8") == true)
    }
}
