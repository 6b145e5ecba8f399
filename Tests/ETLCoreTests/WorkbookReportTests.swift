import ETLTestSupport
import Foundation
import Testing

@testable import ETLCore

/// Runs an external checker (python3 + openpyxl, LibreOffice) on a file and returns what it printed.
enum ExternalCheck {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 120) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [executable] + arguments
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        do { try p.run() } catch {
            throw Failure(description: "\(executable) could not be started (\(error)); run scripts/setup")
        }
        let deadline = Date().addingTimeInterval(timeout)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        while p.isRunning && Date() < deadline { usleep(10_000) }
        if p.isRunning { p.terminate() }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw Failure(
                description:
                    "\(executable) \(arguments.joined(separator: " ")) failed: \(String(decoding: errData, as: UTF8.self)); run scripts/setup to install it"
            )
        }
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite("workbook reports")
struct WorkbookReportTests {
    func dryRun() throws -> RunResult {
        let p = try PipelineLoader.load(path: Fixture.path("pipelines/tiny-sartiq.yaml"), environment: [:])
        var o = RunOptions()
        o.outputRoot = TemporaryFolder.make()
        return try PipelineRunner.dryRun(p, options: o)
    }

    func rows(_ path: String, sheet: String? = nil) throws -> [[String]] {
        var o = ReadOptions()
        if let sheet { o.sheet = .name(sheet) }
        let r = try Readers.open(path, options: o)
        var out = [r.columns.map(\.header)]
        while let rec = try r.next() { out.append(rec.values.map(\.canonicalText)) }
        return out
    }

    @Test func quarantineWorkbookHoldsTheSameRowsAsTheCSV() throws {
        let dir = try dryRun().runDirectory
        let csv = try rows(dir + "/quarantine.csv")
        let xlsx = try rows(dir + "/quarantine.xlsx")
        // The header and the four rows (both rows of the repeated key A-1 among them).
        #expect(csv.count == 5)
        #expect(xlsx == csv)
    }

    @Test func reportWorkbookHasTheFourSheetsAndReadsBackEverywhere() throws {
        let dir = try dryRun().runDirectory
        let path = dir + "/report.xlsx"
        #expect(try Readers.sheets(of: path).map(\.name) == ["Summary", "Reconciliation", "Issues", "Quarantine"])
        let issues = try rows(path, sheet: "Issues")
        let issuesCSV = try rows(dir + "/issues.csv")
        #expect(issues.count == issuesCSV.count)
        #expect(
            issues[0] == ["file", "sheet", "row", "column", "header", "field", "value", "rule", "severity", "message"])
        let summary = try rows(path, sheet: "Summary")
        #expect(summary.contains(["rows_quarantined", "4"]))
        // openpyxl
        let py = """
            import sys, openpyxl
            wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
            print(",".join(wb.sheetnames))
            print(sum(1 for _ in wb["Issues"].iter_rows()))
            """
        let out = try ExternalCheck.run("python3", ["-c", py, path])
        #expect(out == "Summary,Reconciliation,Issues,Quarantine\n\(issues.count)\n")
    }

    /// Skipped, with the reason printed, where LibreOffice is not installed (scripts/test requires it).
    @Test(.enabled(if: ExternalTool.available(["soffice"], for: "opening report.xlsx in LibreOffice")))
    func reportWorkbookOpensInLibreOffice() throws {
        let dir = try dryRun().runDirectory
        let path = dir + "/report.xlsx"
        let issues = try rows(path, sheet: "Issues")
        // LibreOffice: converting the Issues sheet to CSV reads the workbook end to end.
        let lo = TemporaryFolder.make()
        _ = try ExternalCheck.run(
            "soffice",
            [
                "--headless", "-env:UserInstallation=file://\(lo)/profile", "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,3", "--outdir", lo, path,
            ],
            timeout: 180)
        let converted = try String(contentsOfFile: lo + "/report-Issues.csv", encoding: .utf8)
        #expect(converted.hasPrefix("file,sheet,row,column,header,field,value,rule,severity,message"))
        #expect(converted.split(separator: "\n").count == issues.count)
    }
}
