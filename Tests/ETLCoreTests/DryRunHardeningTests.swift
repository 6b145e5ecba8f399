import ETLTestSupport
import Foundation
import OrderedJSON
import Testing

@testable import ETLCore

/// Runs a small Sartiq pipeline (`sku`, `name`, `cover_image`) over CSV bytes written to a temp folder.
struct SmallRun {
    let dir = TemporaryFolder.make()
    var readExtra = ""
    var fields = "{ sku: SKU, name: Style Name, cover_image: Cover Image }"
    var validateExtra = ""
    /// Stages after validate (an upload stage is never contacted by a dry run).
    var after = ""

    func input(_ bytes: [UInt8], name: String = "d.csv") throws -> String {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func input(_ text: String, name: String = "d.csv") throws -> String { try input(Array(text.utf8), name: name) }

    func pipeline(_ input: String) throws -> Pipeline {
        let yaml = """
            name: small
            stages:
              - read: { path: \(input), key: SKU\(readExtra) }
              - normalise:
                  fields: \(fields)
              - validate: { against: sartiq.product_create\(validateExtra) }
            \(after)
            """
        let path = dir + "/small.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try PipelineLoader.load(path: path, environment: [:])
    }

    func run(_ input: String, override: String? = nil, send: Bool = false) throws -> RunResult {
        var o = RunOptions()
        o.outputRoot = dir + "/out"
        o.dryRun = !send
        o.inputOverride = override
        return try PipelineRunner.dryRun(try pipeline(input), options: o)
    }

    static func records(_ path: String) throws -> [Record] {
        let reader = try Readers.open(path)
        var out: [Record] = []
        while let r = try reader.next() { out.append(r) }
        return out
    }

    static func lines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }
}

@Suite("keys")
struct KeyRuleTests {
    @Test func findsControlCharactersAndWhiteSpaceAtTheEnds() {
        #expect(KeyCheck.problem(in: "MA26-DR001") == nil)
        #expect(KeyCheck.problem(in: "Robe d’été 1") == nil)
        #expect(KeyCheck.problem(in: "A\u{0}B")?.contains("U+0000 (NUL) at character 2") == true)
        #expect(KeyCheck.problem(in: "A\u{0}B")?.contains("\"A\\u{0}B\"") == true)
        #expect(KeyCheck.problem(in: "A\u{7F}")?.contains("U+007F") == true)
        #expect(KeyCheck.problem(in: "A\u{85}B")?.contains("U+0085") == true)
        #expect(KeyCheck.problem(in: "A\tB")?.contains("U+0009 (tab)") == true)
        #expect(KeyCheck.problem(in: "A\u{A0}")?.contains("ends with white space (U+00A0 (no-break space))") == true)
        #expect(KeyCheck.problem(in: "\u{2003}A")?.contains("starts with white space") == true)
        #expect(KeyCheck.problem(in: " A")?.contains("starts with white space (U+0020 (space))") == true)
    }

    @Test func quarantinesAKeyHoldingANULAndKeepsTheOtherApart() throws {
        let run = SmallRun()
        let csv = try run.input(
            Array("SKU,Style Name,Cover Image\nA,Dress,https://x.example/a.jpg\n".utf8) + Array("A".utf8) + [0]
                + Array("B,Skirt,https://x.example/b.jpg\n".utf8))
        let r = try run.run(csv, send: true)
        #expect(r.summary.rowsValid == 1)
        #expect(r.summary.rowsQuarantined == 1)
        #expect(r.summary.issuesByRule == ["key": 1])
        let send = try SmallRun.lines(r.runDirectory + "/send.jsonl")
        #expect(send.count == 1)
        #expect(send.first?.hasPrefix(#"{"key":"A","#) == true)
        let issues = try SmallRun.records(r.runDirectory + "/issues.csv")
        #expect(
            issues.first?.values.map(\.canonicalText)[2...8] == ["3", "A", "SKU", "sku", "A\\u{0}B", "key", "error"])
    }

    @Test func theLedgerRefusesAKeyItWouldTruncate() throws {
        let ledger = try Ledger(path: TemporaryFolder.make() + "/ledger.sqlite")
        let item = SendItem(key: "A\u{0}B", file: "f", sheet: nil, row: 2, record: .null, hash: "h")
        #expect(throws: LedgerError.self) { try ledger.markSending([item], runID: "r") }
        #expect(throws: LedgerError.self) { try ledger.items(keys: ["A\u{0}B"]) }
        #expect(throws: LedgerError.self) { try ledger.markDone([("A\u{0}B", "h", "1")], runID: "r") }
        try ledger.beginRun(runID: "r", pipeline: "p", target: "sartiq", input: "f", startedAt: "t")
        try ledger.markSending(
            [SendItem(key: "A", file: "f", sheet: nil, row: 2, record: .null, hash: "h")], runID: "r")
        #expect(try ledger.items(keys: ["A"]).count == 1)
    }
}

@Suite("repeated keys")
struct DuplicateKeyTests {
    static let csv = """
        SKU,Style Name,Cover Image
        A,one,https://x.example/a.jpg
        B,two,https://x.example/b.jpg
        A,three,https://x.example/a3.jpg
        C,four,https://x.example/c.jpg
        B,,https://x.example/b5.jpg
        A,six,https://x.example/a6.jpg

        """

    @Test func quarantinesEveryRowOfARepeatedKeyNamingTheOthers() throws {
        let run = SmallRun()
        let r = try run.run(try run.input(Self.csv), send: true)
        let s = r.summary
        #expect(s.rowsRead == 6)
        #expect(s.rowsValid == 1)
        #expect(s.rowsQuarantined == 5)
        #expect(s.errors == 6)
        #expect(s.issuesByRule == ["unique": 5, "required": 1])
        #expect(r.exitCode == 1)
        let dir = r.runDirectory
        #expect(
            try SmallRun.lines(dir + "/normalised.jsonl") == [
                #"{"sku":"C","name":"four","cover_image":"https://x.example/c.jpg"}"#
            ])
        let send = try SmallRun.lines(dir + "/send.jsonl")
        #expect(send.count == 1)
        #expect(send.first?.hasPrefix(#"{"key":"C","file":"#) == true)
        let quarantine = try SmallRun.records(dir + "/quarantine.csv")
        #expect(quarantine.map(\.source.row) == [2, 3, 4, 5, 6])
        #expect(quarantine.map { $0.values[1].canonicalText } == ["one", "two", "three", "", "six"])
        let errors = quarantine.map { $0.values[3].canonicalText }
        #expect(errors[0].hasPrefix("A SKU: sku \"A\" is also used by rows 4, 7 of d.csv; a key must be unique"))
        #expect(errors[2].contains("\"A\" is also used by rows 2, 7 of d.csv"))
        #expect(errors[4].contains("\"A\" is also used by rows 2, 4 of d.csv"))
        #expect(errors[1].contains("\"B\" is also used by row 6 of d.csv"))
        #expect(errors[3].hasPrefix("B Style Name: name is required"))
        #expect(errors[3].contains("; A SKU: sku \"B\" is also used by row 3 of d.csv"))
        let keys = try SmallRun.lines(dir + "/" + PipelineRunner.quarantinedKeysName)
        #expect(keys.count == 5)
        #expect(keys.allSatisfy { $0.hasPrefix(#"{"key":"A""#) || $0.hasPrefix(#"{"key":"B""#) })
        let issues = try SmallRun.records(dir + "/issues.csv")
        #expect(
            issues.filter { $0.values[7].canonicalText == "unique" }.map { $0.values[2].canonicalText } == [
                "2", "3", "4", "6", "7",
            ])
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json")))
            as? [String: Any]
        #expect(summary?["rows_valid"] as? Int == 1)
        #expect(summary?["rows_quarantined"] as? Int == 5)
        for leftover in [".normalised.jsonl.part", "send.jsonl.part", QuarantineSpool.fileName] {
            #expect(!FileManager.default.fileExists(atPath: dir + "/" + leftover), "\(leftover)")
        }
    }

    @Test func fedBackTheRowsStayQuarantinedUntilOneIsLeft() throws {
        let run = SmallRun()
        let csv = try run.input(Self.csv)
        let first = try run.run(csv)
        let again = try run.run(csv, override: first.runDirectory + "/quarantine.csv")
        #expect(again.summary.rowsRead == 5)
        #expect(again.summary.rowsQuarantined == 5)
        // Keeping one row of each key (and fixing B's name) lets them through.
        let fixed = try run.input(
            "SKU,Style Name,Cover Image\nA,one,https://x.example/a.jpg\nB,two,https://x.example/b.jpg\n", name: "f.csv")
        let third = try run.run(csv, override: fixed)
        #expect(third.summary.rowsValid == 2)
        #expect(third.exitCode == 0)
    }

    @Test func checksTheRecordKeyWhenNoUniqueFieldFollowsIt() throws {
        var run = SmallRun()
        run.fields = "{ sku: Style Name, name: Style Name, cover_image: Cover Image }"
        run.after = "  - upload: { target: sartiq }"
        let csv = try run.input(
            "SKU,Style Name,Cover Image\nK1,one,https://x.example/a.jpg\nK1,two,https://x.example/b.jpg\n")
        let r = try run.run(csv)
        #expect(r.summary.rowsQuarantined == 2)
        #expect(r.summary.issuesByField == ["SKU": 2])
        let issues = try SmallRun.records(r.runDirectory + "/issues.csv")
        #expect(issues.first?.values[9].canonicalText.hasPrefix("SKU \"K1\" is also used by row 3") == true)
        // Without an upload stage the key names nothing on a service, and only the unique fields count.
        run.after = ""
        #expect(try run.run(csv).summary.rowsQuarantined == 0)
    }

    @Test func stopsWithOnErrorFail() throws {
        var run = SmallRun()
        run.validateExtra = ", on_error: fail"
        let csv = try run.input(
            "SKU,Style Name,Cover Image\nA,one,https://x.example/a.jpg\nA,two,https://x.example/b.jpg\n")
        #expect {
            try run.run(csv)
        } throws: { e in
            (e as? RunFailure)?.message.contains("sku \"A\" is used by more than one row (again on row 3)") == true
        }
    }
}

@Suite("text that is not in the file's encoding")
struct EncodingRuleTests {
    static let bytes =
        Array("SKU,Style Name,Cover Image\nA,Caf".utf8) + [0xE9]
        + Array(",https://x.example/a.jpg\nB,Plain,https://x.example/b.jpg\n".utf8)

    @Test func quarantinesTheRowByDefault() throws {
        let run = SmallRun()
        let r = try run.run(try run.input(Self.bytes))
        #expect(r.summary.rowsValid == 1)
        #expect(r.summary.rowsQuarantined == 1)
        #expect(r.summary.issuesByRule == ["encoding": 1])
        let issue = try SmallRun.records(r.runDirectory + "/issues.csv").first?.values.map(\.canonicalText) ?? []
        #expect(issue[2...8] == ["2", "B", "Style Name", "Style Name", "Café", "encoding", "error"])
        #expect(issue[9].hasPrefix("line 2, column B: byte 0xE9 is not valid UTF-8"))
        #expect(try SmallRun.lines(r.runDirectory + "/normalised.jsonl").count == 1)
    }

    @Test func warnsWhenThePipelineSetsTheEncoding() throws {
        var run = SmallRun()
        run.readExtra = ", encoding: auto"
        let r = try run.run(try run.input(Self.bytes))
        #expect(r.summary.rowsValid == 2)
        #expect(r.summary.warnings == 1)
        #expect(r.summary.issuesByRule == ["encoding": 1])
        #expect(try SmallRun.lines(r.runDirectory + "/normalised.jsonl").first?.contains(#""name":"Café""#) == true)
    }
}

@Suite("quarantine.csv round trip")
struct QuarantineEscapeTests {
    @Test func escapesReversibly() {
        for v in ["-5", "=SUM(A1)", "+1", "@me", "\tx", "\rx", "'a", "'=x", "''", "'", "plain", "", "a'b", "'\u{301}x"]
        {
            #expect(FormulaGuard.unescaped(FormulaGuard.reversiblyEscaped(v)) == v, "\(v)")
        }
        #expect(FormulaGuard.reversiblyEscaped("=x") == "'=x")
        #expect(FormulaGuard.reversiblyEscaped("'=x") == "''=x")
        #expect(FormulaGuard.reversiblyEscaped("plain") == "plain")
    }

    @Test func aQuarantineFileFeedsBackWithIdenticalValues() throws {
        let run = SmallRun()
        let names = ["-5", "=SUM(A1)", "'plain", "'=x", "+1", "@me", "a'b"]
        var text = "SKU,Style Name,Cover Image\n"
        for (i, n) in names.enumerated() { text += "K\(i),\"\(n)\",\n" }
        let first = try run.run(try run.input(text))
        #expect(first.summary.rowsQuarantined == names.count)
        let quarantine = first.runDirectory + "/quarantine.csv"
        let written = try String(contentsOfFile: quarantine, encoding: .utf8)
        #expect(written.contains("\nK0,'-5,,"))
        #expect(written.contains("\nK1,'=SUM(A1),,"))
        #expect(written.contains("\nK2,''plain,,"))
        #expect(written.contains("\nK3,''=x,,"))
        #expect(written.contains("\nK6,a'b,,"))
        // Fed back as it is, the same rows come back with the same values (and the same file).
        let again = try run.run(try run.input(text), override: quarantine)
        #expect(again.summary.rowsQuarantined == names.count)
        #expect(try String(contentsOfFile: again.runDirectory + "/quarantine.csv", encoding: .utf8) == written)
        // Fixed, they pass with exactly the values the source had.
        let fixedPath = try run.input(
            written.replacingOccurrences(of: ",,", with: ",https://x.example/i.jpg,"), name: "fixed.csv")
        let fixed = try run.run(try run.input(text), override: fixedPath)
        #expect(fixed.summary.rowsValid == names.count)
        let sent = try SmallRun.lines(fixed.runDirectory + "/normalised.jsonl").map {
            try JSONValue.parse($0)["name"]?.textValue ?? ""
        }
        #expect(sent == names)
    }
}

@Suite("runs that fail part way")
struct FailedRunTests {
    @Test func leaveAFailedSummaryAndNoSpools() throws {
        let run = SmallRun()
        var bytes = Array("SKU,Style Name,Cover Image\nA,one,https://x.example/a.jpg\nB,".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "x"), count: 5 << 20)
        bytes += Array(",https://x.example/b.jpg\n".utf8)
        let csv = try run.input(bytes)
        var thrown: (any Error)?
        do { _ = try run.run(csv, send: true) } catch { thrown = error }
        #expect((thrown as? ReadError)?.message.contains("longer than") == true)
        let folders = try FileManager.default.contentsOfDirectory(atPath: run.dir + "/out/small")
        #expect(folders.count == 1)
        let dir = run.dir + "/out/small/" + (folders.first ?? "")
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/summary.json")))
            as? [String: Any]
        #expect(summary?["status"] as? String == "failed")
        let failure = summary?["failure"] as? [String: Any]
        #expect(failure?["exit_code"] as? Int == 3)
        #expect((failure?["reason"] as? String)?.contains("line 3 holds a field longer than") == true)
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
        for spool in PipelineRunner.spoolFileNames { #expect(!left.contains(spool), "\(spool)") }
        #expect(left.contains("issues.csv"))
    }

    @Test func aFinishedRunSaysOK() throws {
        let run = SmallRun()
        let r = try run.run(try run.input("SKU,Style Name,Cover Image\nA,one,https://x.example/a.jpg\n"))
        let summary =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: r.runDirectory + "/summary.json"))) as? [String: Any]
        #expect(summary?["status"] as? String == "ok")
        #expect(summary?["failure"] == nil)
    }
}

@Suite("inputs that are not files")
struct NonRegularInputTests {
    @Test func refusesAFIFOAndADirectoryAtOnce() throws {
        let dir = TemporaryFolder.make()
        let fifo = dir + "/in.csv"
        #expect(mkfifo(fifo, 0o600) == 0)
        let started = Date()
        for path in [fifo, dir] {
            #expect {
                _ = try Readers.open(
                    path,
                    options: {
                        var o = ReadOptions(); o.format = .csv; return o
                    }())
            } throws: { e in
                (e as? ReadError)?.code == .unreadable && (e as? ReadError)?.exitCode == 3
                    && (e as? ReadError)?.message.hasPrefix("not a regular file") == true
            }
        }
        let workbook = dir + "/in.xlsx"
        #expect(mkfifo(workbook, 0o600) == 0)
        #expect(throws: ReadError.self) { _ = try Readers.sheets(of: workbook) }
        #expect(Date().timeIntervalSince(started) < 1)
    }
}
