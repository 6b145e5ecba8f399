import ETLCore
import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

/// Reads `reconciliation.csv` of a run into dictionaries by header.
func reconciliationRows(_ runDirectory: String) throws -> [[String: String]] {
    try csvRows(runDirectory + "reconciliation.csv")
}

/// The line number of the first line of `file` that contains `needle` (the JSON Lines row of a key).
func lineNumber(of needle: String, in file: String) throws -> Int? {
    let text = try String(contentsOfFile: Repository.root + "/" + file, encoding: .utf8)
    for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where line.contains("\"\(needle)\"") {
        return i + 1
    }
    return nil
}

/// Where Chromium may be installed.
let chromiumCandidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]

/// The DOM Chromium builds from a page (`--headless --dump-dom`); Chromium comes from Debian (scripts/setup).
func headlessChromiumDOM(_ path: String) throws -> String {
    let candidates = chromiumCandidates
    let browser = try #require(
        candidates.first { FileManager.default.isExecutableFile(atPath: $0) }, "Chromium is installed by scripts/setup")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: browser)
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", "file://" + path]
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    #expect(p.terminationStatus == 0)
    return String(decoding: data, as: UTF8.self)
}

@Suite("reconcile against planted differences")
struct ReconcileRunTests {
    @Test func plantedDifferencesLandInTheirClassesWithTheirSourceRows() async throws {
        let server = try TestSandbox.launch(.sartiq, plant: "sartiq:mutate=2,drop=2,extra=1,duplicate=1", seed: 5)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = "samples/ss26-womenswear.jsonl"
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input],
            environment: sandboxEnvironment(server, .sartiq))
        #expect(r.status == 1, "fail_on missing: 0 and mismatched: 0 are crossed: \(r.stderr)")
        let s = RunReport.summary(r)
        #expect(RunReport.count(s, "reconciliation", "mismatched") == 2, "\(r.stdout)")
        #expect(RunReport.count(s, "reconciliation", "missing") == 2)
        #expect(RunReport.count(s, "reconciliation", "unexpected") == 1)
        #expect(RunReport.count(s, "reconciliation", "duplicates") == 1)
        #expect(RunReport.count(s, "reconciliation", "matched") == 309 - 2 - 2)
        #expect(RunReport.count(s, "reconciliation", "quarantined") == 11)
        #expect(r.stdout.contains("fail_on missing: 2 > 0"))

        let stats = try await sandboxStats(server, .sartiq)
        let planted = try #require(stats["planted"])
        func keys(_ kind: String) -> [String] { planted[kind]?.arrayValue?.compactMap(\.textValue) ?? [] }
        let rows = try reconciliationRows(RunReport.runDirectory(r))
        func line(_ kind: String, _ key: String) -> [String: String]? {
            rows.first { $0["class"] == kind && $0["key"] == key }
        }
        for key in keys("mutate") {
            let l = try #require(line("mismatched", key), "mutated \(key)")
            #expect(l["differences"]?.contains("[planted]") == true)
            #expect(l["differences"]?.hasPrefix("name:") == true)
            #expect(l["row"] == (try lineNumber(of: key, in: input)).map(String.init))
            #expect(l["file"]?.hasSuffix("ss26-womenswear.jsonl") == true)
        }
        for key in keys("drop") {
            let l = try #require(line("missing", key), "dropped \(key)")
            #expect(l["row"] == (try lineNumber(of: key, in: input)).map(String.init))
        }
        for key in keys("duplicate") {
            let l = try #require(line("duplicates", key), "duplicated \(key)")
            #expect(l["row"] == (try lineNumber(of: key, in: input)).map(String.init))
        }
        for key in keys("extra") {
            let l = try #require(line("unexpected", key), "extra \(key)")
            #expect(l["row"] == "")
            #expect(l["remote_id"]?.isEmpty == false)
        }
        // The page renders in a real browser (Chromium, headless): the DOM it built holds every section,
        // the charts and the mutated rows with their differences.
        // Skipped, with the reason printed, where Chromium is not installed (scripts/test requires it).
        if ExternalTool.available(chromiumCandidates, for: "rendering report.html in headless Chromium") {
            let page = RunReport.runDirectory(r) + "report.html"
            let dom = try headlessChromiumDOM(page)
            #expect(dom.contains("<h2>Upload</h2>"))
            #expect(dom.contains("<h2>Reconciliation</h2>"))
            #expect(dom.contains("<h2>Validation</h2>"))
            #expect(dom.components(separatedBy: "<svg").count - 1 >= 3, "validation and reconciliation charts")
            for key in keys("mutate") { #expect(dom.contains(key)) }
            #expect(dom.contains("[planted]"))
        }
        // Every source row is in exactly one class; the remote extras come on top.
        let sourceLines = rows.filter { $0["class"] != "unexpected" && $0["class"] != "duplicates" }
        #expect(sourceLines.count == 320)
        #expect(Set(sourceLines.compactMap { $0["row"] }).count == 320)
    }

    @Test func pixyleImageErrorsAreRejectedRowsMappedBackToTheSource() async throws {
        let server = try TestSandbox.launch(.pixyle, settings: ["pixyleProcessingSeconds=0.2"])
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = "samples/ss26-womenswear.jsonl"
        let r = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-pixyle.yaml", "--output", out, "--input", input],
            environment: sandboxEnvironment(server, .pixyle))
        let s = RunReport.summary(r)
        #expect(RunReport.count(s, "upload", "created") == 315, "\(r.stdout)\n\(r.stderr)")
        let rows = try reconciliationRows(RunReport.runDirectory(r))
        let rejected = rows.filter { $0["class"] == "rejected" }
        #expect(RunReport.count(s, "reconciliation", "rejected") == rejected.count)
        #expect(!rejected.isEmpty, "the sample's /missing/ images fail to download on the service")
        for l in rejected {
            let key = try #require(l["key"])
            #expect(l["row"] == (try lineNumber(of: key, in: input)).map(String.init), "\(key)")
            #expect(l["detail"]?.isEmpty == false)
        }
        #expect(RunReport.count(s, "reconciliation", "missing") == 0)
        #expect(RunReport.count(s, "reconciliation", "duplicates") == 0)
    }
}
