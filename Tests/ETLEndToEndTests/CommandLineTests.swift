import Foundation
import Testing

/// Runs the built `catalog-etl` binary and captures what it prints.
struct CLI {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// The binary next to the test bundle (`swift build --build-tests` builds it there).
    static var binary: String {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
        var dir = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("catalog-etl").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return repositoryRoot + "/.build/debug/catalog-etl"
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Output {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    /// Runs another program from the repository root and returns its standard output.
    static func runProgram(_ path: String, _ arguments: [String], environment: [String: String] = [:]) throws
        -> String
    {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = arguments
        p.currentDirectoryURL = URL(fileURLWithPath: repositoryRoot)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: o, as: UTF8.self)
    }

    static func tempDirectory() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-etl-e2e-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }
}

@Suite("command line")
struct CommandLineTests {
    @Test func convertsTheSampleWorkbookToTheSampleCSV() throws {
        let out = CLI.tempDirectory() + "/x.csv"
        let r = try CLI.run(["convert", "samples/ss26-womenswear.xlsx", out, "--sheet", "Products"])
        #expect(r.status == 0, "\(r.stderr)")
        let ours = try String(contentsOfFile: out, encoding: .utf8)
        let sample = try String(contentsOfFile: CLI.repositoryRoot + "/samples/ss26-womenswear.csv", encoding: .utf8)
        #expect(ours == sample)
    }

    @Test func addsProvenanceToJSONLines() throws {
        let r = try CLI.run(["convert", "samples/ss26-womenswear.csv", "-", "--format", "jsonl", "--provenance"])
        #expect(r.status == 0)
        let first = r.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix(#"{"SKU":"MA26-DR001-OLV","Style Code":"SS26-DR-001""#))
        #expect(first.hasSuffix(#""_file":"samples/ss26-womenswear.csv","_sheet":null,"_row":2}"#))
        #expect(r.stdout.split(separator: "\n").count == 320)
    }

    @Test func writesEveryHeaderKeyToStandardOutputToo() throws {
        // Standard output cannot be written again, so the keys are learnt before the first line.
        let r = try CLI.run(["convert", "Tests/ETLCoreTests/Fixtures/json/late-keys.jsonl", "-", "--format", "jsonl"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.split(separator: "\n").first == #"{"sku":"A-1","price":"10","colour":"","size":"","note":""}"#)
        #expect(r.stdout.split(separator: "\n").count == 4)
    }

    @Test func exitsWithTheDocumentedCodes() throws {
        let missing = try CLI.run(["convert", "no/such/file.csv", "/dev/null", "--format", "csv"])
        #expect(missing.status == 3)
        #expect(missing.stderr.contains("no/such/file.csv"))
        let usage = try CLI.run(["convert", "samples/ss26-womenswear.csv"])
        #expect(usage.status == 2)
        let badFlag = try CLI.run(["inspect", "samples/ss26-womenswear.csv", "--encoding", "klingon"])
        #expect(badFlag.status == 2)
        let sheet = try CLI.run(["inspect", "samples/ss26-womenswear.xlsx", "--sheet", "Produkte"])
        #expect(sheet.status == 2)
        #expect(sheet.stderr.contains("Products"))
        #expect(sheet.stderr.contains("Lists"))
    }

    @Test func inspectsSheetsHeadersAndTypes() throws {
        let r = try CLI.run(["inspect", "samples/ss26-womenswear.xlsx", "--rows", "3"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("Products"))
        #expect(r.stdout.contains("Lists (hidden)"))
        #expect(r.stdout.contains("Q In Store Date"))
        #expect(r.stdout.contains("date/text"))
    }

    @Test func checksEverySamplePipelineAndRejectsABadOne() throws {
        let ok = try CLI.run(
            ["check"] + ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"].map { "pipelines/ss26-\($0).yaml" })
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stdout.split(separator: "\n").count == 5)
        let bad = try CLI.run(["check", "Tests/ETLCoreTests/Fixtures/pipelines/bad-keys.yaml"])
        #expect(bad.status == 2)
        #expect(
            bad.stderr.contains(
                "bad-keys.yaml:5:7: unknown key \"heder_row\" in read; did you mean \"header_row\"?\n      heder_row: 2\n      ^"
            ))
    }

    @Test func dryRunWritesTheReportAndExitsOneForQuarantinedRows() throws {
        let out = CLI.tempDirectory()
        let r = try CLI.run(["run", "pipelines/ss26-sartiq.yaml", "--dry-run", "--output", out])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("read 320 rows"))
        #expect(r.stdout.contains("309 valid, 11 quarantined"))
        let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") }
        let dir = line.map { String($0.dropFirst(8)) } ?? ""
        #expect(dir.hasPrefix(out + "/ss26-sartiq/"))
        #expect(FileManager.default.fileExists(atPath: dir + "summary.json"))
        #expect(!FileManager.default.fileExists(atPath: dir + "send.jsonl"))
        let clean = try CLI.run([
            "run", "pipelines/ss26-wickson.yaml", "--dry-run", "--output", out, "--input",
            "Tests/ETLCoreTests/Fixtures/pipeline-data/tiny.csv",
        ])
        // tiny.csv has no Description column: the run stops before any row (every description would be null).
        #expect(clean.status == 2)
        #expect(clean.stderr.contains("column \"Description\" (normalise.fields.description.from) is not in"))
    }
}
