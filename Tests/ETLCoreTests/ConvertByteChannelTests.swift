import ETLTestSupport
import Foundation
import Testing

@testable import ETLCore

/// `convert` copies CSV and JSON cells from the read buffer straight into the output. These tests
/// hold that byte channel to the record path: for every fixture, the file written must be byte for
/// byte what writing each `Record`'s canonical text gives, with the same warnings and errors.
@Suite("convert's byte channel")
struct ConvertByteChannelTests {
    static let inputs: [(String, ReadOptions)] = {
        var out: [(String, ReadOptions)] = []
        for name in [
            "basic.csv", "bare-quote.csv", "cp1252.csv", "cr-only.csv", "duplicate-headers.csv", "header-row-2.csv",
            "no-header.csv", "pipe.csv", "ragged.csv", "semicolon.csv", "tab.tsv", "unterminated.csv",
            "utf16be-bom.csv", "utf16le-bom.csv", "utf16le-nobom.csv", "utf8-bom.csv",
        ] {
            var o = ReadOptions()
            if name == "header-row-2.csv" { o.headerRow = 2 }
            if name == "no-header.csv" { o.headerRow = 0 }
            if name == "duplicate-headers.csv" { o.duplicateHeaders = .rename }
            if name == "ragged.csv" { o.raggedRows = .pad }
            out.append(("csv/" + name, o))
        }
        var strict = ReadOptions()
        strict.encoding = .utf8
        out.append(("csv/cp1252.csv", strict))
        var latin = ReadOptions()
        latin.encoding = .windows1252
        out.append(("csv/cp1252.csv", latin))
        for name in [
            "array.json", "cp1252.jsonl", "duplicate-key.json", "lines.jsonl", "lone-surrogate.json",
            "non-object.jsonl",
            "syntax-error.jsonl", "utf16le-bom.json",
        ] {
            out.append(("json/" + name, ReadOptions()))
        }
        var path = ReadOptions()
        path.recordsPath = "data.items"
        out.append(("json/records-path.json", path))
        out.append(("json/cp1252.jsonl", latin))
        return out
    }()

    /// What the record path writes: each record's canonical cell text under the header (the reader's
    /// columns once every record is read), `""` where a record has no such column.
    static func expected(_ path: String, options: ReadOptions, format: OutputFormat, provenance: Bool) -> Result<
        (String, [ReadWarning]), ReadError
    > {
        do {
            let reader = try Readers.open(path, options: options)
            var lines: [String] = []
            var records: [Record] = []
            while let r = try reader.next() { records.append(r) }
            switch format {
            case .jsonl:
                let columns = reader.columns
                for r in records {
                    var pairs = columns.map {
                        JSONLinesWriter.quoted($0.header) + ":"
                            + JSONLinesWriter.quoted(r.value(forHeader: $0.header)?.canonicalText ?? "")
                    }
                    if provenance {
                        pairs += [
                            "\"_file\":" + JSONLinesWriter.quoted(path),
                            "\"_sheet\":" + (r.source.sheet.map(JSONLinesWriter.quoted) ?? "null"),
                            "\"_row\":\(r.source.row)",
                        ]
                    }
                    lines.append("{" + pairs.joined(separator: ",") + "}")
                }
            case .csv:
                func field(_ s: String) -> String {
                    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" })
                        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
                }
                let columns = reader.columns
                lines.append(
                    (columns.map(\.header) + (provenance ? ["_file", "_sheet", "_row"] : [])).map(field)
                        .joined(separator: ","))
                for r in records {
                    var cells = columns.map { c in r.value(forHeader: c.header)?.canonicalText ?? "" }
                    if provenance { cells += [path, "", String(r.source.row)] }
                    lines.append(cells.map(field).joined(separator: ","))
                }
            }
            return .success((lines.map { $0 + "\n" }.joined(), reader.warnings.warnings))
        } catch let e as ReadError {
            return .failure(e)
        } catch {
            Issue.record("unexpected error \(error)")
            return .failure(ReadError(.unreadable, file: path, message: "\(error)"))
        }
    }

    static func converted(_ path: String, options: ReadOptions, format: OutputFormat, provenance: Bool) -> Result<
        (String, [ReadWarning]), ReadError
    > {
        let out = TemporaryFolder.make() + "/out." + format.rawValue
        defer { try? FileManager.default.removeItem(atPath: out) }
        do {
            let result = try Converter.convert(
                input: path, output: out, format: format, options: options, provenance: provenance)
            let text = try String(contentsOfFile: out, encoding: .utf8)
            return .success((text, result.warnings.warnings))
        } catch let e as ReadError {
            return .failure(e)
        } catch {
            Issue.record("unexpected error \(error)")
            return .failure(ReadError(.unreadable, file: path, message: "\(error)"))
        }
    }

    static func compare(_ path: String, _ options: ReadOptions, format: OutputFormat, provenance: Bool) {
        let want = expected(path, options: options, format: format, provenance: provenance)
        let got = converted(path, options: options, format: format, provenance: provenance)
        switch (want, got) {
        case (.success(let w), .success(let g)):
            #expect(g.0 == w.0, "\(path) → \(format) (provenance \(provenance))")
            #expect(g.1 == w.1, "\(path) warnings")
        case (.failure(let w), .failure(let g)):
            #expect(g == w, "\(path) error")
        default:
            Issue.record("\(path) → \(format): the record path gave \(want), convert gave \(got)")
        }
    }

    @Test(arguments: 0..<inputs.count)
    func fixtureConvertsAsItsRecordsRead(_ index: Int) {
        let (relative, options) = Self.inputs[index]
        let path = Fixture.path(relative)
        for provenance in [false, true] {
            Self.compare(path, options, format: .jsonl, provenance: provenance)
            if relative.hasPrefix("csv/") && options.raggedRows != .pad && options.headerRow != 0 {
                Self.compare(path, options, format: .csv, provenance: provenance)
            }
        }
    }

    /// An input that cannot be opened fails before the output file is created or truncated.
    @Test(arguments: ["missing.csv", "missing.jsonl", "missing.json"])
    func anUnreadableInputLeavesTheOutputAlone(_ name: String) throws {
        let dir = TemporaryFolder.make()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = dir + "/out.jsonl"
        try "keep me".write(toFile: out, atomically: true, encoding: .utf8)
        #expect(throws: ReadError.self) {
            try Converter.convert(
                input: dir + "/" + name, output: out, format: .jsonl, options: ReadOptions(), provenance: false)
        }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "keep me")
    }

    /// A file of several MiB, so records and fields straddle the 1 MiB read buffer: quoted line
    /// breaks, doubled quotes, JSON escapes, non-ASCII text, empty cells and blank lines.
    @Test func filesBiggerThanTheBufferConvertAsTheirRecordsRead() throws {
        let dir = TemporaryFolder.make()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var csv = "SKU,Name,Description,Price\r\n"
        var jsonl = ""
        for i in 0..<30_000 {
            let name = i % 7 == 0 ? "Robe \"Été\" n°\(i)" : "Dress \(i)"
            let description =
                i % 5 == 0
                ? "Line one\r\nline two, with a comma — and \\ a backslash\tand a tab"
                : String(repeating: "Linen dress, ivory. ", count: i % 11)
            let price = i % 3 == 0 ? "" : "\(i).99"
            func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            csv += "SKU-\(i),\(quoted(name)),\(quoted(description)),\(price)\r\n"
            if i % 1000 == 0 { csv += ",,,\r\n\r\n" }
            let object: [String: Any] = [
                "SKU": "SKU-\(i)", "Name": name, "Description": description,
                "Price": i % 3 == 0 ? NSNull() : Double(i) + 0.5, "Meta": ["Fabric": "linen", "Tags": ["a", "b"]],
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            jsonl += String(decoding: data, as: UTF8.self) + "\n"
        }
        try csv.write(toFile: dir + "/big.csv", atomically: true, encoding: .utf8)
        try jsonl.write(toFile: dir + "/big.jsonl", atomically: true, encoding: .utf8)
        #expect(csv.utf8.count > 2 << 20)
        for provenance in [false, true] {
            Self.compare(dir + "/big.csv", ReadOptions(), format: .jsonl, provenance: provenance)
            Self.compare(dir + "/big.csv", ReadOptions(), format: .csv, provenance: provenance)
            Self.compare(dir + "/big.jsonl", ReadOptions(), format: .jsonl, provenance: provenance)
        }
    }
}
