import ETLCore
import ETLTestSupport
import Foundation
import OrderedJSON
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh folder under the system's temporary folder.

/// A send item for `key` whose record and hash depend on `version`.
private func sendItem(_ key: String, version: Int = 1, row: Int = 2, sheet: String? = "Products") -> SendItem {
    let record = JSONValue.obj([("sku", .string(key)), ("version", .int(version))])
    return SendItem(
        key: key, file: "samples/ss26.xlsx", sheet: sheet, row: row, record: record,
        hash: ContentHash.sha256Hex(record.jsonText.utf8))
}

@Suite("ledger")
struct LedgerTests {}

extension LedgerTests {
    @Suite("SHA-256")
    struct ContentHashTests {
        @Test(arguments: [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (
                "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
            ),
            (
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"
            ),
            (
                "The quick brown fox jumps over the lazy dog",
                "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592"
            ),
        ])
        func matchesTheFIPSVectors(input: String, expected: String) {
            #expect(ContentHash.sha256Hex(Array(input.utf8)) == expected)
            #expect(ContentHash.sha256Hex(input.utf8) == expected)
        }

        @Test func hashesAMillionAs() {
            let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
            #expect(
                ContentHash.sha256Hex(bytes) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        }

        /// Lengths around the padding boundaries and longer buffers of bytes `i·31+7`; digests from Python's
        /// `hashlib.sha256(bytes((i*31+7) & 0xff for i in range(n))).hexdigest()`.
        @Test(arguments: [
            (0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (55, "8aa994584139d128848eeebc4e815639ba5ab6e6e39574195a63ac4f14f7c43b"),
            (56, "ad574708f75c044c9b85de64cb568ee7711ff4f36448c6242f053ba8f6cc2b63"),
            (63, "280ed3e8ff1df845b2e7dfe6ac6cee817bef20e783cc65abc41b818b4d2fe076"),
            (64, "c6ab9724ade5b6a7a1edfffb12f3aa9181351355af8fd08c919952ad211339dd"),
            (119, "3d610547d68216dedf7435a4fb6260353911f6b3fd3f18805ddb8be285d726fe"),
            (120, "1f80156a804cb7862ad113e8200e9d74499723e7c7854d5f48776d3148e09656"),
            (1000, "5097e7d587352f5097062ae679f37bda5802d9f875aba14c8cb4d1a188ada179"),
            (4099, "c8f9533a174e0066d1c828b946fd122d0e3b13d61b011dcf3a29964e3162acc6"),
        ])
        func matchesHashlibAroundThePadding(length: Int, expected: String) {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            #expect(ContentHash.sha256Hex(bytes) == expected)
        }

        @Test func acceptsNonContiguousCollections() {
            let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            let reversedTwice = bytes.reversed().reversed()
            #expect(ContentHash.sha256Hex(reversedTwice) == ContentHash.sha256Hex(bytes))
            #expect(ContentHash.sha256Hex(bytes[10..<500]) == ContentHash.sha256Hex(Array(bytes[10..<500])))
        }
    }
}

extension LedgerTests {
    @Test func pathSitsInThePipelineFolder() {
        #expect(Ledger.path(outputRoot: "output", pipeline: "ss26-sartiq") == "output/ss26-sartiq/ledger.sqlite")
        #expect(Ledger.path(outputRoot: "/tmp/out/", pipeline: "p") == "/tmp/out/p/ledger.sqlite")
        #expect(Ledger.path(outputRoot: "", pipeline: "p") == "./p/ledger.sqlite")
    }

    @Test func createsFoldersAndAWALFile() throws {
        let path = TemporaryFolder.make("catalog-etl") + "/out/ss26/" + Ledger.fileName
        let ledger = try Ledger(path: path)
        try ledger.setValue("x", "1")
        let header = try #require(FileManager.default.contents(atPath: path))
        // Bytes 18 and 19 of the header are the read and write versions: 2 means WAL.
        #expect(header.count >= 100)
        #expect(Array(header.prefix(16)) == Array("SQLite format 3\u{0}".utf8))
        #expect(header[18] == 2 && header[19] == 2)
    }

    @Test func refusesAFileThatIsNotALedger() throws {
        let path = TemporaryFolder.make("catalog-etl") + "/ledger.sqlite"
        try Data("not a database at all, just text that is long enough to be read as a header".utf8)
            .write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: LedgerError.self) { try Ledger(path: path) }
        #expect(error?.code == .open)
        #expect(error?.path == path)
        #expect(error?.description.hasPrefix("ledger \(path): cannot open the ledger (SQLite 26") == true)
    }

    @Test func movesItemsThroughTheStatesAndCountsAttempts() throws {
        let ledger = try Ledger(path: TemporaryFolder.make("catalog-etl") + "/ledger.sqlite")
        try ledger.beginRun(
            runID: "r1", pipeline: "p", target: "sartiq", input: "in.xlsx", startedAt: "2026-03-01T09:00:00Z")
        let a = sendItem("A", row: 2)
        let b = sendItem("B", row: 3, sheet: nil)
        let c = sendItem("C", row: 4)
        try ledger.markSending([a, b, c], runID: "r1")
        var items = try ledger.items(keys: ["A", "B", "C", "Z"])
        #expect(items.count == 3)
        #expect(items["A"]?.state == .sending)
        #expect(items["A"]?.attempts == 1)
        #expect(items["A"]?.hash == a.hash)
        #expect(items["B"]?.sheet == nil)
        #expect(items["C"]?.file == "samples/ss26.xlsx")
        #expect(items["C"]?.sheet == "Products")
        #expect(items["C"]?.row == 4)
        #expect(items["C"]?.runID == "r1")
        #expect(items["C"]?.updatedAt.hasSuffix("Z") == true)

        try ledger.markDone([(key: "A", hash: a.hash, remoteID: "remote-a")], runID: "r1")
        try ledger.markFailed([(key: "B", hash: b.hash, error: "422 name is too long")], runID: "r1")
        try ledger.markPending(keys: ["C", "unknown"])
        items = try ledger.items(keys: ["A", "B", "C"])
        #expect(items["A"]?.state == .done)
        #expect(items["A"]?.remoteID == "remote-a")
        #expect(items["B"]?.state == .failed)
        #expect(items["B"]?.lastError == "422 name is too long")
        #expect(items["C"]?.state == .pending)
        #expect(items["C"]?.attempts == 1)
        #expect(try ledger.counts() == [.pending: 1, .sending: 0, .done: 1, .failed: 1])

        // A second run: a changed A goes out again (an update, under its remote id), B is retried.
        let a2 = sendItem("A", version: 2, row: 5)
        try ledger.markSending([a2, b], runID: "r2")
        items = try ledger.items(keys: ["A", "B"])
        #expect(items["A"]?.state == .sending)
        #expect(items["A"]?.attempts == 2)
        #expect(items["A"]?.hash == a2.hash)
        #expect(items["A"]?.hash != a.hash)
        #expect(items["A"]?.remoteID == "remote-a")
        #expect(items["A"]?.row == 5)
        #expect(items["A"]?.runID == "r2")
        #expect(items["B"]?.attempts == 2)
        try ledger.markDone(
            [(key: "A", hash: a2.hash, remoteID: "remote-a"), (key: "B", hash: b.hash, remoteID: "remote-b")],
            runID: "r2")
        items = try ledger.items(keys: ["A", "B"])
        #expect(items["B"]?.state == .done)
        #expect(items["B"]?.lastError == nil)
        #expect(try ledger.items(in: .done).map(\.key) == ["B", "A"])  // B has no sheet
        #expect(try ledger.items(in: .pending).map(\.key) == ["C"])
        #expect(try ledger.items(in: .failed).isEmpty)
        #expect(try ledger.allItems().map(\.key) == ["B", "C", "A"])  // by file, sheet (nil first), row
    }

    @Test func recordsAResultForAKeyItNeverSawSent() throws {
        let ledger = try Ledger(path: TemporaryFolder.make("catalog-etl") + "/ledger.sqlite")
        try ledger.markDone([(key: "found", hash: "h", remoteID: "r-9")], runID: "r1")
        try ledger.markFailed([(key: "lost", hash: "h2", error: "gone")], runID: "r1")
        let items = try ledger.items(keys: ["found", "lost"])
        #expect(items["found"]?.state == .done)
        #expect(items["found"]?.attempts == 0)
        #expect(items["found"]?.remoteID == "r-9")
        #expect(items["lost"]?.state == .failed)
        #expect(items["lost"]?.lastError == "gone")
    }

    @Test func showsTheSameItemsAfterReopening() throws {
        let path = TemporaryFolder.make("catalog-etl") + "/p/ledger.sqlite"
        do {
            let ledger = try Ledger(path: path)
            try ledger.beginRun(
                runID: "r1", pipeline: "p", target: "pixyle", input: "in.csv", startedAt: "2026-03-01T09:00:00Z")
            try ledger.markSending((0..<10).map { sendItem("K\($0)", row: $0 + 2) }, runID: "r1")
            try ledger.markDone(
                (0..<6).map { (key: "K\($0)", hash: sendItem("K\($0)").hash, remoteID: "id\($0)") }, runID: "r1")
            try ledger.setValue("collection_id", "col-1")
        }
        let reopened = try Ledger(path: path)
        let items = try reopened.items(keys: (0..<12).map { "K\($0)" })
        #expect(items.count == 10)
        #expect((0..<6).allSatisfy { items["K\($0)"]?.state == .done && items["K\($0)"]?.remoteID == "id\($0)" })
        #expect((6..<10).allSatisfy { items["K\($0)"]?.state == .sending })
        #expect(try reopened.value("collection_id") == "col-1")
        let run = try #require(try reopened.runs(limit: 5).first)
        #expect(run.status == "running")
        #expect(run.finishedAt == nil)
    }

    @Test func listsRunsNewestFirstWithTheirCounts() throws {
        let ledger = try Ledger(path: TemporaryFolder.make("catalog-etl") + "/ledger.sqlite")
        for (i, start) in ["2026-03-01T09:00:00Z", "2026-03-02T09:00:00Z", "2026-03-03T09:00:00Z"].enumerated() {
            try ledger.beginRun(
                runID: "r\(i + 1)", pipeline: "p", target: "mixpeek", input: "in\(i).csv", startedAt: start)
        }
        try ledger.finishRun(
            runID: "r1", status: "ok", counts: ["created": 310, "failed": 0, "quarantined": 10],
            finishedAt: "2026-03-01T09:05:00Z")
        try ledger.finishRun(runID: "r3", status: "interrupted", counts: [:], finishedAt: "2026-03-03T09:01:00Z")
        let runs = try ledger.runs(limit: 10)
        #expect(runs.map(\.runID) == ["r3", "r2", "r1"])
        #expect(runs[2].counts == ["created": 310, "failed": 0, "quarantined": 10])
        #expect(runs[2].status == "ok")
        #expect(runs[2].finishedAt == "2026-03-01T09:05:00Z")
        #expect(runs[2].target == "mixpeek")
        #expect(runs[2].input == "in0.csv")
        #expect(runs[1].status == "running")
        #expect(runs[1].counts.isEmpty)
        #expect(runs[0].status == "interrupted")
        #expect(try ledger.runs(limit: 1).map(\.runID) == ["r3"])
        #expect(try ledger.runs(limit: 0).isEmpty)
        let error = #expect(throws: LedgerError.self) {
            try ledger.finishRun(runID: "nope", status: "ok", counts: [:], finishedAt: "2026-03-04T00:00:00Z")
        }
        #expect(error?.code == .write)
    }

    @Test func keepsClientValues() throws {
        let ledger = try Ledger(path: TemporaryFolder.make("catalog-etl") + "/ledger.sqlite")
        #expect(try ledger.value("collection_id") == nil)
        try ledger.setValue("collection_id", "c-1")
        try ledger.setValue("bucket", "b-1")
        try ledger.setValue("collection_id", "c-2")
        #expect(try ledger.value("collection_id") == "c-2")
        #expect(try ledger.allValues() == ["collection_id": "c-2", "bucket": "b-1"])
        try ledger.setValue("bucket", nil)
        #expect(try ledger.allValues() == ["collection_id": "c-2"])
    }

    @Test func readsAndResetsMoreKeysThanOneStatementMayBind() throws {
        let ledger = try Ledger(path: TemporaryFolder.make("catalog-etl") + "/ledger.sqlite")
        let items = (0..<2500).map { sendItem(String(format: "SKU-%05d", $0), row: $0 + 2) }
        try ledger.markSending(items, runID: "r1")
        let keys = items.map(\.key) + ["missing-1", "missing-2"]
        let found = try ledger.items(keys: keys)
        #expect(found.count == 2500)
        #expect(found["SKU-02499"]?.row == 2501)
        try ledger.markPending(keys: keys)
        #expect(try ledger.counts()[.pending] == 2500)
        #expect(try ledger.items(keys: []).isEmpty)
    }

    @Test func takesWritesFromConcurrentTasks() async throws {
        let ledger = try Ledger(path: TemporaryFolder.make("catalog-etl") + "/ledger.sqlite")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for b in 0..<10 {
                        let batch = (0..<10).map { sendItem("T\(t)-B\(b)-\($0)") }
                        try ledger.markSending(batch, runID: "r1")
                        _ = try ledger.items(keys: batch.map(\.key))
                        try ledger.markDone(batch.map { (key: $0.key, hash: $0.hash, remoteID: "x") }, runID: "r1")
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try ledger.counts() == [.pending: 0, .sending: 0, .done: 800, .failed: 0])
    }

    @Test func keepsTheIntentWhenTheRunStopsWithoutFinishing() async throws {
        let path = TemporaryFolder.make("catalog-etl") + "/ledger.sqlite"
        let writer = Task {
            let ledger = try Ledger(path: path)
            try ledger.beginRun(
                runID: "r1", pipeline: "p", target: "sartiq", input: "in.xlsx", startedAt: "2026-03-01T09:00:00Z")
            try ledger.markSending((0..<50).map { sendItem("K\($0)") }, runID: "r1")
            // The request "left" and the task is gone before any result or finishRun.
        }
        try await writer.value
        let reopened = try Ledger(path: path)
        #expect(try reopened.counts()[.sending] == 50)
        #expect(try reopened.runs(limit: 1).first?.status == "running")
    }
}

#if os(Linux)
    extension LedgerTests {
        /// The child half of ``survivesAKillMidBatch()``: writes batches of 200 (intent, then result) until
        /// its parent kills it. Skipped unless the parent runs it.
        @Test(.enabled(if: ProcessInfo.processInfo.environment["LEDGER_KILL_CHILD"] != nil))
        func killedWriterChild() throws {
            let path = ProcessInfo.processInfo.environment["LEDGER_KILL_CHILD"] ?? ""
            let ledger = try Ledger(path: path)
            // Killed long before this on an idle machine; the margin is for a loaded one.
            let deadline = Date().addingTimeInterval(300)
            var batch = 0
            while Date() < deadline {
                let items = (0..<200).map { sendItem("B\(batch)-\($0)", row: $0) }
                try ledger.markSending(items, runID: "child")
                try ledger.markDone(
                    items.map { (key: $0.key, hash: $0.hash, remoteID: "id-\($0.key)") }, runID: "child")
                batch += 1
            }
        }

        @Test func survivesAKillMidBatch() async throws {
            let path = TemporaryFolder.make("catalog-etl") + "/ledger.sqlite"
            let ledger = try Ledger(path: path)
            try ledger.beginRun(
                runID: "child", pipeline: "p", target: "sartiq", input: "in", startedAt: "2026-03-01T09:00:00Z")
            let child = Process()
            child.executableURL = URL(
                fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            child.arguments = ["--testing-library", "swift-testing", "--filter", "LedgerTests/killedWriterChild"]
            var environment = ProcessInfo.processInfo.environment
            environment["LEDGER_KILL_CHILD"] = path
            child.environment = environment
            child.standardOutput = FileHandle.nullDevice
            child.standardError = FileHandle.nullDevice
            try child.run()
            var seenDone = 0
            let deadline = Date().addingTimeInterval(60)
            while seenDone < 4000 && Date() < deadline && child.isRunning {
                try await Task.sleep(for: .milliseconds(20))
                seenDone = try ledger.counts()[.done] ?? 0
            }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(child.terminationReason == .uncaughtSignal)
            #expect(child.terminationStatus == SIGKILL)
            #expect(seenDone >= 4000)

            let reopened = try Ledger(path: path)
            let counts = try reopened.counts()
            let done = counts[.done] ?? 0
            let sending = counts[.sending] ?? 0
            print("killed writer: \(seenDone) done seen before the kill; after it \(done) done, \(sending) sending")
            // Everything committed before the kill is there; a cut transaction left nothing of itself.
            #expect(done >= seenDone)
            #expect(done % 200 == 0)
            #expect(sending == 0 || sending == 200)
            #expect(counts[.pending] == 0 && counts[.failed] == 0)
            let inFlight = Set(try reopened.items(in: .sending).map { $0.key.split(separator: "-")[0] })
            #expect(inFlight.count == (sending == 0 ? 0 : 1))
            #expect(inFlight.allSatisfy { $0 == "B\(done / 200)" })
            #expect(try reopened.items(in: .done).allSatisfy { $0.remoteID == "id-\($0.key)" && $0.attempts == 1 })
        }
    }
#endif

extension LedgerTests {
    /// Times the ledger's share of a 5,000-item run: one intent and one result per request.
    @Test(arguments: [1, 100])
    func timesAFiveThousandItemRun(batchSize: Int) throws {
        let ledger = try Ledger(path: TemporaryFolder.make("catalog-etl") + "/ledger.sqlite")
        let items = (0..<5000).map { sendItem(String(format: "SKU-%05d", $0), row: $0 + 2) }
        let clock = ContinuousClock()
        var sending = Duration.zero
        var done = Duration.zero
        var start = 0
        while start < items.count {
            let batch = Array(items[start..<min(items.count, start + batchSize)])
            start += batchSize
            sending += try clock.measure { try ledger.markSending(batch, runID: "r1") }
            done += try clock.measure {
                try ledger.markDone(batch.map { (key: $0.key, hash: $0.hash, remoteID: "id") }, runID: "r1")
            }
        }
        print("ledger timing, 5000 items in batches of \(batchSize): markSending \(sending), markDone \(done)")
        #expect(try ledger.counts()[.done] == 5000)
        if batchSize >= 100 { #expect(sending + done < .seconds(5)) }
    }
}

extension LedgerTests {
    /// `catalog-etl status`, run as a built binary against a ledger this suite writes.
    @Suite("status command")
    struct StatusCommandTests {
        /// Runs the built binary (see `BinaryRunner`).
        static func run(_ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
            let r = try await BinaryRunner.runAsync(arguments)
            return (r.status, r.stdout, r.stderr)
        }

        /// A ledger for `ss26-sartiq` under `output`: 3 done, 1 sending, 1 pending, 22 failed, two runs.
        static func writeLedger(under output: String) throws -> String {
            let path = Ledger.path(outputRoot: output, pipeline: "ss26-sartiq")
            let ledger = try Ledger(path: path)
            try ledger.beginRun(
                runID: "20260301-0900", pipeline: "ss26-sartiq", target: "sartiq",
                input: "samples/ss26-womenswear.xlsx",
                startedAt: "2026-03-01T09:00:00Z")
            try ledger.finishRun(
                runID: "20260301-0900", status: "failed", counts: ["created": 0], finishedAt: "2026-03-01T09:00:05Z")
            try ledger.beginRun(
                runID: "20260302-0900", pipeline: "ss26-sartiq", target: "sartiq",
                input: "samples/ss26-womenswear.xlsx",
                startedAt: "2026-03-02T09:00:00Z")
            let items = (0..<27).map { sendItem(String(format: "MA26-%03d", $0), row: $0 + 2) }
            try ledger.markSending(items, runID: "20260302-0900")
            try ledger.markDone(
                items[0..<3].map { (key: $0.key, hash: $0.hash, remoteID: "r-\($0.key)") }, runID: "20260302-0900")
            try ledger.markPending(keys: [items[3].key])
            try ledger.markFailed(
                items[5...].map { (key: $0.key, hash: $0.hash, error: "422 name: at most 255 characters") },
                runID: "20260302-0900")
            try ledger.finishRun(
                runID: "20260302-0900", status: "failed", counts: ["created": 3, "failed": 22, "quarantined": 10],
                finishedAt: "2026-03-02T09:01:30Z")
            return path
        }

        @Test func printsCountsTheLastRunAndTheFailures() async throws {
            let output = TemporaryFolder.make("catalog-etl")
            let path = try Self.writeLedger(under: output)
            let r = try await Self.run(["status", "pipelines/ss26-sartiq.yaml", "--output", output])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.first == "ledger: \(path)")
            #expect(lines.contains("items: 3 done · 1 sending · 1 pending · 22 failed"))
            #expect(lines.contains("last run: 20260302-0900 → sartiq, failed"))
            #expect(lines.contains("  started 2026-03-02T09:00:00Z, finished 2026-03-02T09:01:30Z"))
            #expect(lines.contains("  created 3 · failed 22 · quarantined 10"))
            #expect(lines.contains("failures (22):"))
            #expect(
                lines.contains(
                    "  MA26-005: samples/ss26.xlsx[Products] row 7, 1 attempt: 422 name: at most 255 characters"))
            #expect(lines.filter { $0.hasPrefix("  MA26-") }.count == 20)
            #expect(lines.contains("  … and 2 more"))
            #expect(r.stderr.isEmpty)
        }

        @Test func printsOneJSONObject() async throws {
            let output = TemporaryFolder.make("catalog-etl")
            let path = try Self.writeLedger(under: output)
            let r = try await Self.run(["status", "pipelines/ss26-sartiq.yaml", "--output", output, "--json"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try JSONValue.parse(r.stdout)
            #expect(json.objectValue?.map(\.key) == ["ledger", "counts", "last_run", "failures"])
            #expect(json["ledger"]?.textValue == path)
            #expect(json["counts"]?["done"]?.integerValue == 3)
            #expect(json["counts"]?["sending"]?.integerValue == 1)
            #expect(json["counts"]?["pending"]?.integerValue == 1)
            #expect(json["counts"]?["failed"]?.integerValue == 22)
            let run = try #require(json["last_run"])
            #expect(run["run_id"]?.textValue == "20260302-0900")
            #expect(run["target"]?.textValue == "sartiq")
            #expect(run["status"]?.textValue == "failed")
            #expect(run["finished_at"]?.textValue == "2026-03-02T09:01:30Z")
            #expect(run["counts"]?["quarantined"]?.integerValue == 10)
            let failures = try #require(json["failures"]?.arrayValue)
            #expect(failures.count == 22)
            #expect(failures.first?["key"]?.textValue == "MA26-005")
            #expect(failures.first?["sheet"]?.textValue == "Products")
            #expect(failures.first?["row"]?.integerValue == 7)
            #expect(failures.first?["attempts"]?.integerValue == 1)
            #expect(failures.first?["last_error"]?.textValue == "422 name: at most 255 characters")
        }

        @Test func saysSoWhenThereIsNoLedgerAndCreatesNone() async throws {
            let output = TemporaryFolder.make("catalog-etl")
            let path = Ledger.path(outputRoot: output, pipeline: "ss26-sartiq")
            let r = try await Self.run(["status", "pipelines/ss26-sartiq.yaml", "--output", output])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(
                r.stdout
                    == "no ledger yet at \(path): nothing has been uploaded for ss26-sartiq; run `catalog-etl run pipelines/ss26-sartiq.yaml`\n"
            )
            let json = try await Self.run(["status", "pipelines/ss26-sartiq.yaml", "--output", output, "--json"])
            #expect(json.status == 0)
            #expect(try JSONValue.parse(json.stdout)["last_run"] == .null)
            #expect(json.stderr.hasPrefix("no ledger yet at \(path)"))
            #expect(!FileManager.default.fileExists(atPath: output + "/ss26-sartiq"))
        }

        @Test func exitsTwoForABadPipelineAndThreeForABadLedger() async throws {
            let missing = try await Self.run(["status", "no/such/pipeline.yaml"])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("no/such/pipeline.yaml"))
            let output = TemporaryFolder.make("catalog-etl")
            let path = Ledger.path(outputRoot: output, pipeline: "ss26-sartiq")
            try FileManager.default.createDirectory(
                atPath: output + "/ss26-sartiq", withIntermediateDirectories: true)
            try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
            let bad = try await Self.run(["status", "pipelines/ss26-sartiq.yaml", "--output", output])
            #expect(bad.status == 3)
            #expect(bad.stderr.hasPrefix("ledger \(path): cannot open the ledger"))
        }
    }
}
