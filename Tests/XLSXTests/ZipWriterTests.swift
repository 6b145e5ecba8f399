import Foundation
import Testing

@testable import XLSX

@Suite("zip writer")
struct ZipWriterTests {
    static let stamp = ZipWriter.Timestamp(year: 2026, month: 3, day: 1, hour: 9, minute: 30, second: 20)

    /// Checks an archive with Python's zipfile (CRC-32 of every entry, the sizes) and returns, per entry,
    /// its SHA-256, its size and the stored date-time.
    static let inspectScript = #"""
        import sys, json, zipfile, hashlib
        z = zipfile.ZipFile(sys.argv[1])
        bad = z.testzip()
        entries = {i.filename: {"sha256": hashlib.sha256(z.read(i.filename)).hexdigest(), "size": i.file_size,
                                "method": i.compress_type, "date": list(i.date_time), "crc": i.CRC}
                   for i in z.infolist()}
        print(json.dumps({"bad": bad, "names": z.namelist(), "entries": entries}))
        """#

    /// Deterministic, poorly compressible bytes (a linear congruential generator).
    static func noise(_ count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
    }

    static func sha256Hex(_ bytes: [UInt8], folder: borrowing WriterTestFolder) throws -> String {
        let file = folder.path("hash-\(UUID().uuidString)")
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return try WriterTestPython.run(
            "import sys, hashlib; print(hashlib.sha256(open(sys.argv[1], 'rb').read()).hexdigest())", [file]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs `unzip -t` (Info-ZIP's own CRC and structure check) when it is installed.
    static func unzipTest(_ path: String) throws -> (ran: Bool, ok: Bool, output: String) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unzip") else { return (false, true, "") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unzip")
        process.arguments = ["-t", path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (true, process.terminationStatus == 0, String(decoding: data, as: UTF8.self))
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        let bytes = Array("123456789".utf8)
        let crc = bytes.withUnsafeBytes { ZipWriter.crc32(0, $0.baseAddress!, $0.count) }
        #expect(crc == 0xCBF4_3926)
        let split = bytes.withUnsafeBytes { b in
            ZipWriter.crc32(ZipWriter.crc32(0, b.baseAddress!, 4), b.baseAddress! + 4, 5)
        }
        #expect(split == crc)
    }

    @Test func pythonAndUnzipVerifyEveryEntry() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("plain.zip")
        let big = Self.noise(300_000)  // several deflate output chunks, barely compressible
        let text = String(repeating: "<row r=\"1\"><c><v>42</v></c></row>", count: 20_000)  // very compressible
        let zip = try ZipWriter(path: path, timestamp: Self.stamp)
        try zip.addEntry("empty.txt", contents: "")
        try zip.addEntry("dossier/été 桜.txt", contents: "bonjour\n")
        try zip.beginEntry("noise.bin")
        for start in stride(from: 0, to: big.count, by: 7_000) {  // odd-sized pieces
            try zip.write(Array(big[start..<min(start + 7_000, big.count)]))
        }
        try zip.endEntry()
        try zip.addEntry("sheet.xml", contents: text)
        try zip.finish()

        let result = try #require(try WriterTestPython.json(Self.inspectScript, [path]) as? [String: Any])
        #expect(result["bad"] is NSNull)
        #expect(result["names"] as? [String] == ["empty.txt", "dossier/été 桜.txt", "noise.bin", "sheet.xml"])
        let entries = try #require(result["entries"] as? [String: [String: Any]])
        #expect(entries["empty.txt"]?["size"] as? Int == 0)
        #expect(entries["noise.bin"]?["size"] as? Int == big.count)
        #expect(entries["noise.bin"]?["sha256"] as? String == (try Self.sha256Hex(big, folder: folder)))
        #expect(entries["sheet.xml"]?["sha256"] as? String == (try Self.sha256Hex(Array(text.utf8), folder: folder)))
        #expect(entries["sheet.xml"]?["method"] as? Int == 8)
        #expect(entries["sheet.xml"]?["date"] as? [Int] == [2026, 3, 1, 9, 30, 20])
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
        #expect(size < 300_000 + 20_000, "the XML entry is deflated: \(size) bytes")
        let unzip = try Self.unzipTest(path)
        #expect(unzip.ok, "unzip -t: \(unzip.output)")
        if unzip.ran { #expect(unzip.output.contains("No errors detected")) }
    }

    @Test func zip64RecordsAreWrittenWhenSizesAndOffsetsCrossTheThreshold() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("zip64.zip")
        let payload = Self.noise(50_000)
        // A 10,000-byte threshold sends the second and third entries' sizes and offsets through ZIP64.
        let zip = try ZipWriter(path: path, timestamp: Self.stamp, zip64Threshold: 10_000)
        try zip.addEntry("small.txt", contents: "small")
        for name in ["a.bin", "b.bin"] {
            try zip.beginEntry(name)
            try zip.write(payload)
            try zip.endEntry()
        }
        try zip.addEntry("tail.txt", contents: "after the big ones")
        try zip.finish()

        let raw = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func contains(_ signature: [UInt8]) -> Bool {
            raw.indices.dropLast(3).contains { raw[$0..<$0 + 4].elementsEqual(signature) }
        }
        #expect(contains([0x50, 0x4B, 0x06, 0x06]), "ZIP64 end of central directory record")
        #expect(contains([0x50, 0x4B, 0x06, 0x07]), "ZIP64 end locator")
        let result = try #require(try WriterTestPython.json(Self.inspectScript, [path]) as? [String: Any])
        #expect(result["bad"] is NSNull)
        let entries = try #require(result["entries"] as? [String: [String: Any]])
        #expect(entries.count == 4)
        let hash = try Self.sha256Hex(payload, folder: folder)
        #expect(entries["a.bin"]?["sha256"] as? String == hash)
        #expect(entries["b.bin"]?["sha256"] as? String == hash)
        #expect(entries["tail.txt"]?["size"] as? Int == 18)
        let unzip = try Self.unzipTest(path)
        #expect(unzip.ok, "unzip -t: \(unzip.output)")
    }

    @Test func manyEntriesGetTheZip64EndRecord() throws {
        let folder = try WriterTestFolder()
        let path = folder.path("many.zip")
        let zip = try ZipWriter(path: path, timestamp: Self.stamp, zip64EntryThreshold: 10)
        for i in 0..<12 { try zip.addEntry("entry-\(i).txt", contents: "entry \(i)") }
        try zip.finish()
        let result = try #require(try WriterTestPython.json(Self.inspectScript, [path]) as? [String: Any])
        #expect(result["bad"] is NSNull)
        #expect((result["names"] as? [String])?.count == 12)
    }

    @Test func duplicateEntryNamesAreRefused() throws {
        let folder = try WriterTestFolder()
        let zip = try ZipWriter(path: folder.path("dup.zip"), timestamp: Self.stamp)
        try zip.addEntry("xl/workbook.xml", contents: "<workbook/>")
        let error = #expect(throws: XLSXWriteError.self) { try zip.addEntry("xl/workbook.xml", contents: "again") }
        #expect(error?.code == .duplicateEntry)
        zip.abandon()
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }

    @Test func nonRegularDestinationsAreWrittenInPlace() throws {
        let zip = try ZipWriter(path: "/dev/null", timestamp: Self.stamp)
        try zip.addEntry("a.txt", contents: "discarded")
        try zip.finish()
        var info = stat()
        #expect(stat("/dev/null", &info) == 0)
        #expect((info.st_mode & S_IFMT) == S_IFCHR, "/dev/null is still a device")
    }

    @Test func deflaterOutputInflatesBackWithRawZlib() throws {
        let folder = try WriterTestFolder()
        let input = Array(String(repeating: "Maison Aurel SS26 Riviera ", count: 5_000).utf8) + Self.noise(70_000)
        let deflater = try Deflater(level: 9)
        var compressed: [UInt8] = []
        try input.withUnsafeBytes { all in
            try deflater.compress(UnsafeRawBufferPointer(rebasing: all[0..<1_000]), finish: false) {
                compressed.append(contentsOf: $0)
            }
            try deflater.compress(UnsafeRawBufferPointer(rebasing: all[1_000...]), finish: true) {
                compressed.append(contentsOf: $0)
            }
        }
        #expect(deflater.totalIn == UInt64(input.count))
        let file = folder.path("raw.deflate")
        try Data(compressed).write(to: URL(fileURLWithPath: file))
        let inflatedHash = try WriterTestPython.run(
            "import sys, zlib, hashlib; d = zlib.decompress(open(sys.argv[1], 'rb').read(), -15); "
                + "print(hashlib.sha256(d).hexdigest())", [file]
        ).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(inflatedHash == (try Self.sha256Hex(input, folder: folder)))
    }
}
