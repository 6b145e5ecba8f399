import ETLTestSupport
import Foundation
import Testing

@testable import ETLCore

@Suite("JSON record reader")
struct JSONRecordReaderTests {
    /// The path of a fixture under `Fixtures/json`.
    static func fixture(_ name: String) throws -> String {
        let dot = try #require(name.lastIndex(of: "."))
        let url = try #require(
            Bundle.module.url(
                forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
                subdirectory: "Fixtures/json"))
        return url.path
    }

    /// Reads every record of a file.
    static func read(
        path: String, chunkSize: Int = 1 << 20,
        _ configure: (inout ReadOptions) -> Void = { _ in }
    ) throws -> (reader: JSONRecordReader, records: [Record]) {
        var options = ReadOptions()
        configure(&options)
        let reader = try JSONRecordReader(path: path, options: options, chunkSize: chunkSize)
        var records: [Record] = []
        while let r = try reader.next() { records.append(r) }
        return (reader, records)
    }

    /// Reads every record of a fixture.
    static func read(
        _ name: String, chunkSize: Int = 1 << 20, _ configure: (inout ReadOptions) -> Void = { _ in }
    ) throws -> (reader: JSONRecordReader, records: [Record]) {
        try read(path: try fixture(name), chunkSize: chunkSize, configure)
    }

    /// Writes `text` to a new temporary file and returns its path.
    static func temporaryFile(_ text: String, ext: String) throws -> String {
        let url = URL(fileURLWithPath: TemporaryFolder.file("input.\(ext)", prefix: "json-reader"))
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// The ReadError `body` throws, or nil.
    static func readError(_ body: () throws -> Void) -> ReadError? {
        do {
            try body()
            return nil
        } catch {
            return error as? ReadError
        }
    }

    @Test func readsATopLevelArrayWithFlattenedObjectsArraysAndExactNumbers() throws {
        let (reader, records) = try Self.read("array.json")
        // The third object holds only null: an entirely empty record is skipped.
        #expect(records.count == 2)
        let first = records[0]
        #expect(
            first.columns.map(\.header) == [
                "sku", "price", "tiny", "huge", "count", "active", "discontinued", "note", "brand_metadata.fabric",
                "brand_metadata.origin.country", "tags", "empty", "name",
            ])
        #expect(first.columns.allSatisfy { $0.letter == nil })
        #expect(
            first.values == [
                .text("A-1"), .decimal("19.990"), .decimal("0.1"), .decimal("1e400"), .decimal("-0"), .bool(true),
                .bool(false), .empty, .text("linen"), .text("PT"),
                .text("[\"summer\",\"say \\\"hi\\\"\",1.50,{\"k\":null},[]]"), .empty, .text("Café 😀 tab\tend"),
            ])
        #expect(first.values.map(\.canonicalText)[1...5] == ["19.990", "0.1", "1e400", "-0", "TRUE"])
        #expect(first.source.row == 2)
        #expect(first.source.record == 1)
        #expect(records[1].columns.map(\.header) == ["sku", "price", "extra"])
        #expect(records[1].values == [.text("A-2"), .decimal("5"), .text("x")])
        #expect(records[1].source.row == 16)
        #expect(records[1].source.record == 2)
        #expect(reader.columns.map(\.header).suffix(2) == ["name", "extra"])
        #expect(reader.columns.count == 14)
    }

    @Test func readsJSONLinesSkippingBlankLines() throws {
        let (reader, records) = try Self.read("lines.jsonl")
        #expect(records.map(\.source.row) == [1, 3, 5])
        #expect(records.map { $0.source.record ?? 0 } == [1, 2, 3])
        #expect(records.map { $0.values[1] } == [.decimal("19.990"), .decimal("0.1"), .decimal("1e400")])
        #expect(records[1].value(forHeader: "colour") == .text("Sage"))
        #expect(reader.columns.map(\.header) == ["sku", "price", "colour"])
    }

    @Test func namesTheRecordLineAndColumnOfAJSONLinesSyntaxError() throws {
        let e = try #require(Self.readError { _ = try Self.read("syntax-error.jsonl") })
        #expect(e.code == .malformed)
        #expect(e.line == 3)
        #expect(e.column == "14")
        #expect(e.message.contains("record 3"))
        #expect(e.message.contains("line 3"))
    }

    @Test func streamsToTheArrayAtRecordsPath() throws {
        let (_, records) = try Self.read("records-path.json") { $0.recordsPath = "data.items" }
        #expect(records.map { $0.values.map(\.canonicalText) } == [["A-1", "10"], ["A-2", "12"]])
        #expect(records.map(\.source.row) == [6, 7])
    }

    @Test func rejectsAMissingRecordsPathNamingIt() throws {
        let e = try #require(Self.readError { _ = try Self.read("records-path.json") { $0.recordsPath = "data.nope" } })
        #expect(e.code == .notFound)
        #expect(e.message.contains("\"data.nope\""))
        #expect(e.message.contains("\"items\""))
        let e2 = try #require(
            Self.readError { _ = try Self.read("records-path.json") { $0.recordsPath = "data.count" } })
        #expect(e2.code == .notFound)
        #expect(e2.message.contains("not an array"))
    }

    @Test func rejectsAKeyRepeatedWithinOneObject() throws {
        let e = try #require(Self.readError { _ = try Self.read("duplicate-key.json") })
        #expect(e.code == .malformed)
        #expect(e.line == 3)
        #expect(e.message.contains("record 2"))
        #expect(e.message.contains("\"sku\""))
    }

    @Test func rejectsKeysThatCollideOnceFlattened() throws {
        let path = try Self.temporaryFile("[{\"a.b\": 1, \"a\": {\"b\": 2}}]", ext: "json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(Self.readError { _ = try Self.read(path: path) })
        #expect(e.code == .malformed)
        #expect(e.message.contains("\"a.b\""))
    }

    @Test func rejectsATopLevelObjectSuggestingRecordsPath() throws {
        let e = try #require(Self.readError { _ = try Self.read("top-level-object.json") })
        #expect(e.code == .malformed)
        #expect(e.line == 1)
        #expect(e.message.contains("records_path"))
        #expect(e.message.contains("\"products\""))
    }

    @Test func rejectsARecordThatIsNotAnObject() throws {
        let e = try #require(Self.readError { _ = try Self.read("non-object.jsonl") })
        #expect(e.code == .malformed)
        #expect(e.line == 2)
        #expect(e.message.contains("record 2"))
        #expect(e.message.contains("an array"))
    }

    @Test func replacesALoneSurrogateWithAWarning() throws {
        let (reader, records) = try Self.read("lone-surrogate.json")
        #expect(records[0].values == [.text("bad \u{FFFD} end")])
        #expect(reader.warnings.total == 1)
        #expect(reader.warnings.warnings.first?.line == 1)
    }

    @Test func readsUTF16WithAByteOrderMark() throws {
        let (_, records) = try Self.read("utf16le-bom.json")
        #expect(records[0].values == [.text("Café 😀"), .decimal("1.10")])
    }

    @Test func rejectsBytesThatAreNotUTF8NamingTheLine() throws {
        let e = try #require(Self.readError { _ = try Self.read("cp1252.jsonl") })
        #expect(e.code == .encoding)
        #expect(e.line == 2)
        #expect(e.message.contains("line 2"))
        #expect(e.message.contains("windows-1252"))
    }

    @Test func readsWindows1252WhenAsked() throws {
        let (_, records) = try Self.read("cp1252.jsonl") { $0.encoding = .windows1252 }
        #expect(records.map(\.values) == [[.text("plain")], [.text("Café €")]])
    }

    @Test(arguments: [
        ("[{\"a\": 01}]", 1, "9"),
        ("[{\"a\": 1.}]", 1, "10"),
        ("[{\"a\": tru}]", 1, "11"),
        ("[\n  {\"a\": \"x\"},\n  {\"a\": \"y\",}\n]", 3, "13"),
        ("[{\"a\": \"x\"}", 1, "12"),
        ("[{\"a\": \"x\"}] extra", 1, "14"),
        ("[{\"a\": \"bad \\q\"}]", 1, "13"),
        ("[{\"a\": \"line\nbreak\"}]", 1, "13"),
    ])
    func namesTheLineAndColumnOfSyntaxErrors(text: String, line: Int, column: String) throws {
        let path = try Self.temporaryFile(text, ext: "json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(Self.readError { _ = try Self.read(path: path) })
        #expect(e.code == .malformed)
        #expect(e.line == line)
        #expect(e.column == column)
        #expect(e.message.contains("line \(line)"))
    }

    @Test func refusesNestingBeyondTheDepthLimit() throws {
        let deep = "[{\"a\": " + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}]"
        let path = try Self.temporaryFile(deep, ext: "json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(Self.readError { _ = try Self.read(path: path) })
        #expect(e.code == .unsafe)
    }

    @Test func boundsTheSizeOfOneRecord() throws {
        let big = "{\"a\": \"" + String(repeating: "x", count: 40000) + "\"}\n"
        let path = try Self.temporaryFile("{\"a\": \"small\"}\n" + big, ext: "jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(
            Self.readError {
                _ = try Self.read(path: path, chunkSize: 4096) { $0.limits.maxCellBytes = 1024 }
            })
        #expect(e.code == .unsafe)
        #expect(e.line == 2)
        #expect(e.message.contains("record 2"))
    }

    @Test func boundsTheNumberOfDistinctKeys() throws {
        // A new key on every line: each would become a column of every output row.
        let text = (0..<40).map { "{\"k\($0)\": \"v\"}" }.joined(separator: "\n")
        let path = try Self.temporaryFile(text, ext: "jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let e = try #require(Self.readError { _ = try Self.read(path: path) { $0.limits.maxColumns = 32 } })
        #expect(e.code == .unsafe)
        #expect(e.line == 33)
        #expect(e.message.contains("at most 32 distinct keys"))
        // Within the limit the same file reads whole.
        #expect(try Self.read(path: path) { $0.limits.maxColumns = 40 }.records.count == 40)
    }

    @Test func readsRecordsThatStraddleChunkBoundaries() throws {
        var lines = ""
        var array =
            "{\"meta\": {\"skip\": [" + String(repeating: "\"padding \\\" ]}\", ", count: 20)
            + "1]}, \"data\": {\"items\": [\n"
        for i in 0..<150 {
            let desc = String(repeating: "caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" ", count: i % 9)
            let record =
                "{\"sku\": \"S-\(i)\", \"price\": \(i).50, \"meta\": {\"n\": \(i), \"ok\": \(i % 2 == 0)}, \"tags\": [\"a\", \(i)], \"d\": \"\(desc)\"}"
            lines += record + "\n" + (i % 10 == 0 ? "\n" : "")
            array += "  " + record + (i < 149 ? ",\n" : "\n")
        }
        array += "], \"after\": [1, {\"x\": \"y\"}]}}"
        let jsonl = try Self.temporaryFile(lines, ext: "jsonl")
        let json = try Self.temporaryFile(array, ext: "json")
        defer {
            try? FileManager.default.removeItem(atPath: jsonl)
            try? FileManager.default.removeItem(atPath: json)
        }
        func all(_ path: String, _ chunk: Int) throws -> [[String]] {
            let (_, records) = try Self.read(path: path, chunkSize: chunk) {
                $0.recordsPath = path == json ? "data.items" : nil
            }
            return records.map { r in
                [String(r.source.row)] + zip(r.columns, r.values).map { "\($0.header)=\($1.canonicalText)" }
            }
        }
        for path in [jsonl, json] {
            let big = try all(path, 1 << 20)
            let small = try all(path, 16)
            #expect(big.count == 150)
            #expect(big == small)
            #expect(
                big[2].dropFirst() == [
                    "sku=S-2", "price=2.50", "meta.n=2", "meta.ok=TRUE", "tags=[\"a\",2]",
                    "d=café 😀 \"q\" café 😀 \"q\" ",
                ])
        }
        #expect(try all(jsonl, 16).prefix(3).map(\.first) == ["1", "3", "4"])
    }

    @Test func convertsJSONLinesToJSONLinesKeepingExactNumbers() throws {
        let out = URL(fileURLWithPath: TemporaryFolder.file("converted.jsonl", prefix: "convert"))
        defer { try? FileManager.default.removeItem(at: out) }
        let result = try Converter.convert(
            input: try Self.fixture("lines.jsonl"), output: out.path, format: .jsonl, options: ReadOptions(),
            provenance: false)
        #expect(result.records == 3)
        let written = try String(contentsOf: out, encoding: .utf8)
        // Every object holds every key of the header, "" where the record has none (as CSV pads it):
        // "colour" first appears in the second record, so the first is written again with it.
        #expect(
            written == """
                {"sku":"A-1","price":"19.990","colour":""}
                {"sku":"A-2","price":"0.1","colour":"Sage"}
                {"sku":"A-3","price":"1e400","colour":""}

                """)
    }

    /// Keys written as the previous record's are taken by one comparison; anything else (an escape,
    /// a longer key, another order, a repeat) must still be parsed in full.
    @Test func keysLikeThePreviousRecordsAreReadTheSameAsOthers() throws {
        let lines = [
            #"{"a":1,"b":"x","c":{"d":2}}"#,
            #"{"a":1,"b":"y","c":{"d":3}}"#,
            #"{"a":1,"b\"q":"z","c":{"d":4}}"#,
            #"{"a":1,"bb":"w","c":{"d":5}}"#,
            #"{"b":"v","a":1}"#,
            #"{"a\\":1}"#,
            #"{"a\\":2}"#,
            #"{"a":1,"a":2}"#,
        ].joined(separator: "\n")
        let path = try Self.temporaryFile(lines, ext: "jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        for chunk in [1 << 20, 16, 7] {
            let reader = try JSONRecordReader(path: path, options: ReadOptions(), chunkSize: chunk)
            var keys: [[String]] = []
            let error = Self.readError {
                while let r = try reader.next() { keys.append(r.columns.map(\.header)) }
            }
            #expect(
                keys == [
                    ["a", "b", "c.d"], ["a", "b", "c.d"], ["a", "b\"q", "c.d"], ["a", "bb", "c.d"], ["b", "a"],
                    ["a\\"], ["a\\"],
                ], "chunk \(chunk)")
            #expect(error?.message.contains("\"a\"") == true, "chunk \(chunk): \(error?.message ?? "no error")")
        }
    }
}
