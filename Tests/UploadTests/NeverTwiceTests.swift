import ETLCore
import ETLTestSupport
import Foundation
import OrderedJSON
import Sandbox
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The first `rows` records of the sample catalog as a JSON Lines file in `directory`.
private func sampleSubset(rows: Int, in directory: String) throws -> String {
    let text = try String(contentsOfFile: Repository.root + "/samples/ss26-womenswear.jsonl", encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true).prefix(rows)
    let path = directory + "/catalog.jsonl"
    try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

/// Removes a ledger and its WAL files, as a user deleting `ledger.sqlite` would.
private func deleteLedger(_ path: String) {
    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

/// A JSON object printed on standard output (`plan --json`).
private func jsonObject(_ text: String) -> [String: Any] {
    let line = text.split(separator: "\n").last { $0.hasPrefix("{") }.map(String.init) ?? ""
    return (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]) ?? [:]
}

private func int(_ object: [String: Any], _ key: String) -> Int { (object[key] as? NSNumber)?.intValue ?? -1 }

/// The rows of a CSV file the tool wrote, as dictionaries by header.
func csvRows(_ path: String) throws -> [[String: String]] {
    var o = ReadOptions()
    o.format = .csv
    let reader = try Readers.open(path, options: o)
    var rows: [[String: String]] = []
    while let r = try reader.next() {
        var row: [String: String] = [:]
        for (c, v) in zip(r.columns, r.values) { row[c.header] = v.canonicalText }
        rows.append(row)
    }
    return rows
}

/// Write requests (POST, PUT, PATCH, DELETE) the sandbox counted, other than logins and listings
/// made with POST (Mixpeek's `…/list`).
private func writeRequests(_ stats: JSONValue) -> Int {
    var n = 0
    for field in stats["requests"]?.objectValue ?? [] {
        let route = field.key.uppercased()
        guard !route.hasPrefix("GET"), !route.contains("LOGIN"), !route.contains("TOKEN"), !route.contains("/LIST")
        else { continue }
        n += field.value.integerValue ?? 0
    }
    return n
}

@Suite("never twice: adoption, one run per ledger, plan")
struct NeverTwiceTests {
    /// Runs a part of the sample, deletes the ledger, plans and runs again: the plan says adopt, the
    /// run adopts (creates nothing), the service holds every valid row once; a third run lists nothing.
    @Test(arguments: ["sartiq", "pixyle", "mixpeek", "wickson", "scenario"])
    func aDeletedLedgerAdoptsWhatTheServiceHolds(target: String) async throws {
        let service = try #require(SandboxService(rawValue: target))
        let server = try TestSandbox.launch(service, settings: ["pixyleProcessingSeconds=0.2"])
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = try sampleSubset(rows: 60, in: out)
        let env = sandboxEnvironment(server, service)
        let args = ["run", "pipelines/ss26-\(target).yaml", "--output", out, "--input", input]
        let first = try await BinaryRunner.runAsync(args, environment: env)
        let s1 = RunReport.summary(first)
        let created = RunReport.count(s1, "upload", "created")
        let refused = RunReport.count(s1, "upload", "failed")
        #expect(created > 40, "\(first.stdout)\n\(first.stderr)")
        #expect(statsCount(try await sandboxStats(server, service), "items") == created)

        deleteLedger(Ledger.path(outputRoot: out, pipeline: "ss26-\(target)"))
        let plan = try await BinaryRunner.runAsync(
            ["plan", "pipelines/ss26-\(target).yaml", "--output", out, "--input", input, "--json"], environment: env)
        let p = jsonObject(plan.stdout)
        #expect(
            int(p, "create") == refused, "only what the service refused is created again: \(plan.stdout)\(plan.stderr)")
        #expect(int(p, "adopt") == created)
        #expect(int(p, "update") == 0)
        #expect((p["scope_known"] as? Bool) == false)
        let afterPlan = try await sandboxStats(server, service)
        #expect(statsCount(afterPlan, "items") == created, "a plan sends nothing")

        let second = try await BinaryRunner.runAsync(args, environment: env)
        let s2 = RunReport.summary(second)
        #expect(RunReport.count(s2, "upload", "created") == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(RunReport.count(s2, "upload", "adopted") == int(p, "adopt"))
        #expect(RunReport.count(s2, "upload", "updated") == int(p, "update"))
        #expect(RunReport.count(s2, "upload", "sent") == refused)
        #expect(second.stdout.contains("\(created) adopted"))
        #expect(RunReport.count(s2, "reconciliation", "duplicates") == 0)
        #expect(RunReport.count(s2, "reconciliation", "unexpected") == 0)
        let stats = try await sandboxStats(server, service)
        #expect(statsCount(stats, "items") == created)
        #expect(statsCount(stats, "duplicate_keys") == 0)

        // The scope is recorded now: the next run trusts the ledger and lists nothing before uploading.
        let third = try await BinaryRunner.runAsync(args, environment: env)
        let s3 = RunReport.summary(third)
        #expect(RunReport.count(s3, "upload", "unchanged") == created, "\(third.stdout)")
        #expect(RunReport.count(s3, "upload", "adopted") == 0)
        #expect(
            !FileManager.default.fileExists(atPath: RunReport.runDirectory(third) + PipelineRunner.listingFolderName))
        #expect(
            FileManager.default.fileExists(atPath: RunReport.runDirectory(second) + PipelineRunner.listingFolderName))
    }

    /// An emptied (zero-byte) ledger and a run from another working directory (so `output/` is another
    /// folder) list the service and adopt: the whole sample is on the service once.
    @Test func anEmptiedLedgerOrAnotherWorkingDirectoryCreatesNothingTwice() async throws {
        let server = try TestSandbox.launch(.sartiq)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let env = sandboxEnvironment(server, .sartiq)
        let args = ["run", "pipelines/ss26-sartiq.yaml", "--output", out]
        let first = try await BinaryRunner.runAsync(args, environment: env)
        let created = RunReport.count(RunReport.summary(first), "upload", "created")
        #expect(created > 300 && created == (RunReport.summary(first)["rows_valid"] as? NSNumber)?.intValue)

        let ledger = Ledger.path(outputRoot: out, pipeline: "ss26-sartiq")
        deleteLedger(ledger)
        #expect(FileManager.default.createFile(atPath: ledger, contents: Data()))
        let emptied = try await BinaryRunner.runAsync(args, environment: env)
        let s2 = RunReport.summary(emptied)
        #expect(RunReport.count(s2, "upload", "created") == 0, "\(emptied.stdout)\n\(emptied.stderr)")
        #expect(RunReport.count(s2, "upload", "adopted") == created)
        #expect(RunReport.count(s2, "reconciliation", "matched") == created)

        // Emptied with SQL (every table's rows deleted, where the sqlite3 tool is installed).
        let sqlite = "/usr/bin/sqlite3"
        if FileManager.default.isExecutableFile(atPath: sqlite) {
            let p = try Process.run(
                URL(fileURLWithPath: sqlite),
                arguments: [ledger, "DELETE FROM items; DELETE FROM runs; DELETE FROM client_values;"])
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
            let cleared = try await BinaryRunner.runAsync(args, environment: env)
            #expect(RunReport.count(RunReport.summary(cleared), "upload", "created") == 0, "\(cleared.stdout)")
            #expect(RunReport.count(RunReport.summary(cleared), "upload", "adopted") == created)
        }

        let elsewhere = TemporaryFolder.make("catalog-etl-upload")
        let moved = try await BinaryRunner.runAsync(
            ["run", Repository.root + "/pipelines/ss26-sartiq.yaml"], environment: env, directory: elsewhere)
        let folder = elsewhere + "/" + RunReport.runDirectory(moved)
        let data = try #require(FileManager.default.contents(atPath: folder + "summary.json"), "\(moved.stdout)")
        let s3 = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(RunReport.count(s3, "upload", "created") == 0, "\(moved.stdout)\n\(moved.stderr)")
        #expect(RunReport.count(s3, "upload", "adopted") == created)
        #expect(FileManager.default.fileExists(atPath: elsewhere + "/output/ss26-sartiq/ledger.sqlite"))

        let stats = try await sandboxStats(server, .sartiq)
        #expect(statsCount(stats, "items") == created)
        #expect(statsCount(stats, "duplicate_keys") == 0)
    }

    /// A ledger that recorded another scope (another service behind another endpoint) adopts anew: the
    /// second service gets every row (nothing is skipped as "done" elsewhere), and back on the first
    /// nothing is created twice.
    @Test func aLedgerOfAnotherEndpointListsBeforeCreating() async throws {
        let a = try TestSandbox.launch(.sartiq)
        let b = try TestSandbox.launch(.sartiq)
        defer {
            a.stop()
            b.stop()
        }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = try sampleSubset(rows: 40, in: out)
        let args = ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input]
        let onA = try await BinaryRunner.runAsync(args, environment: sandboxEnvironment(a, .sartiq))
        let created = RunReport.count(RunReport.summary(onA), "upload", "created")
        #expect(created > 30, "\(onA.stdout)\n\(onA.stderr)")
        let onB = try await BinaryRunner.runAsync(args, environment: sandboxEnvironment(b, .sartiq))
        #expect(RunReport.count(RunReport.summary(onB), "upload", "created") == created, "\(onB.stdout)\n\(onB.stderr)")
        let backOnA = try await BinaryRunner.runAsync(args, environment: sandboxEnvironment(a, .sartiq))
        let s = RunReport.summary(backOnA)
        #expect(RunReport.count(s, "upload", "created") == 0, "\(backOnA.stdout)\n\(backOnA.stderr)")
        #expect(RunReport.count(s, "upload", "adopted") == created)
        for server in [a, b] {
            let stats = try await sandboxStats(server, .sartiq)
            #expect(statsCount(stats, "items") == created)
            #expect(statsCount(stats, "duplicate_keys") == 0)
        }
    }

    /// While a run holds the ledger, a second `run`, a `plan` and a `reconcile` stop at once with exit 2
    /// naming its run id, process id and start time. Killed with SIGKILL, it leaves its lock file
    /// behind, and the next run is not blocked by it: every row ends on the service once.
    @Test func aSecondRunStopsAtOnceAndAKilledRunBlocksNothing() async throws {
        let server = try TestSandbox.launch(.sartiq)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        var env = sandboxEnvironment(server, .sartiq)
        env["SARTIQ_RATE"] = "5/s"
        let args = ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", "samples/ss26-womenswear.jsonl"]
        let lockPath = LedgerLock.path(outputRoot: out, pipeline: "ss26-sartiq")
        let ledgerPath = Ledger.path(outputRoot: out, pipeline: "ss26-sartiq")
        let first = try BinaryRunner.start(args, environment: env, capture: out + "/first")
        var holder: [String: Any] = [:]
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            try await Task.sleep(nanoseconds: 100_000_000)
            if let n = try? Ledger(path: ledgerPath).counts()[.done], n >= 20,
                let data = FileManager.default.contents(atPath: lockPath),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                holder = object
                break
            }
        }
        let runID = try #require(holder["run_id"] as? String, "the lock file names the run")
        let startedAt = try #require(holder["started_at"] as? String)
        let pid = Int(first.process.processIdentifier)
        #expect(int(holder, "pid") == pid)
        for command in ["run", "plan", "reconcile"] {
            let began = Date()
            var second = args
            second[0] = command
            let r = try await BinaryRunner.runAsync(second, environment: env)
            #expect(r.status == 2, "\(command): \(r.stdout)\n\(r.stderr)")
            #expect(r.stderr.contains(runID) && r.stderr.contains("process \(pid)") && r.stderr.contains(startedAt))
            #expect(Date().timeIntervalSince(began) < 15, "\(command) stops at once")
        }
        let folders = try FileManager.default.contentsOfDirectory(atPath: out + "/ss26-sartiq")
        #expect(folders.filter { $0.hasPrefix("20") }.count == 1, "the refused commands made no run folder: \(folders)")

        kill(first.process.processIdentifier, SIGKILL)
        await first.wait()
        let stale = try #require(FileManager.default.contents(atPath: lockPath))
        #expect(String(decoding: stale, as: UTF8.self).contains(runID), "the killed run's lock file stays behind")
        let rerun = try await BinaryRunner.runAsync(args, environment: env)
        let s = RunReport.summary(rerun)
        #expect(rerun.status == 1, "\(rerun.stdout)\n\(rerun.stderr)")
        #expect(RunReport.count(s, "upload", "failed") == 0)
        #expect(RunReport.count(s, "reconciliation", "duplicates") == 0)
        #expect(RunReport.count(s, "reconciliation", "missing") == 0)
        let stats = try await sandboxStats(server, .sartiq)
        #expect(statsCount(stats, "items") == (s["rows_valid"] as? NSNumber)?.intValue)
        #expect(statsCount(stats, "duplicate_keys") == 0)
    }

    /// `--input quarantine.csv`: what the service holds from the first run is `not_in_input`, never
    /// `unexpected`; only the planted item nobody sent stays unexpected.
    @Test func aQuarantineFileFedBackCountsTheRestAsNotInInput() async throws {
        let server = try TestSandbox.launch(.sartiq, plant: "sartiq:extra=1", seed: 5)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let env = sandboxEnvironment(server, .sartiq)
        let first = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", "samples/ss26-womenswear.jsonl"],
            environment: env)
        let s1 = RunReport.summary(first)
        let created = RunReport.count(s1, "upload", "created")
        #expect(created > 300, "\(first.stdout)\n\(first.stderr)")
        #expect(RunReport.count(s1, "reconciliation", "unexpected") == 1)
        #expect(RunReport.count(s1, "reconciliation", "not_in_input") == 0)

        let quarantine = RunReport.runDirectory(first) + "quarantine.csv"
        let second = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", quarantine], environment: env)
        let s2 = RunReport.summary(second)
        let notInInput = RunReport.count(s2, "reconciliation", "not_in_input")
        #expect(notInInput > 0, "\(second.stdout)\n\(second.stderr)")
        #expect(RunReport.count(s2, "reconciliation", "unexpected") == 1, "only the planted extra")
        #expect(
            notInInput + RunReport.count(s2, "reconciliation", "matched")
                + RunReport.count(s2, "reconciliation", "mismatched")
                == created)
        let rows = try csvRows(RunReport.runDirectory(second) + "reconciliation.csv")
        #expect(rows.filter { $0["class"] == "not_in_input" }.count == notInInput)
        let unexpected = rows.filter { $0["class"] == "unexpected" }
        #expect(unexpected.count == 1 && unexpected.first?["key"]?.hasPrefix("PLANTED-EXTRA") == true)
        #expect(second.stdout.contains("\(notInInput) not_in_input"))

        // With the ledger deleted, the run lists the service first and adopts every key it holds, the
        // planted one too: all of it is then known, none of it unexpected.
        deleteLedger(Ledger.path(outputRoot: out, pipeline: "ss26-sartiq"))
        let third = try await BinaryRunner.runAsync(
            ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", quarantine], environment: env)
        let s3 = RunReport.summary(third)
        #expect(RunReport.count(s3, "reconciliation", "not_in_input") == notInInput + 1, "\(third.stdout)")
        #expect(RunReport.count(s3, "reconciliation", "unexpected") == 0)
        #expect(RunReport.count(s3, "upload", "created") == 0)
        #expect(statsCount(try await sandboxStats(server, .sartiq), "duplicate_keys") == 0)
    }

    /// A plan sends nothing and writes nothing into the ledger; the run after it does what it said:
    /// creates first, then three edited rows as updates (plan.csv shows the old and new names), then,
    /// with the ledger deleted and two more rows edited, adoption of the rest and two updates.
    @Test func aRunAfterAPlanDoesWhatThePlanSaid() async throws {
        let server = try TestSandbox.launch(.sartiq)
        defer { server.stop() }
        let out = TemporaryFolder.make("catalog-etl-upload")
        let input = try sampleSubset(rows: 40, in: out)
        let env = sandboxEnvironment(server, .sartiq)
        let planArgs = ["plan", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input, "--json"]
        let runArgs = ["run", "pipelines/ss26-sartiq.yaml", "--output", out, "--input", input]
        let ledgerPath = Ledger.path(outputRoot: out, pipeline: "ss26-sartiq")

        func planThenRun(_ step: String) async throws -> (plan: [String: Any], run: [String: Any], csv: String) {
            let before = try await sandboxStats(server, .sartiq)
            let plan = try await BinaryRunner.runAsync(planArgs, environment: env)
            let p = jsonObject(plan.stdout)
            let after = try await sandboxStats(server, .sartiq)
            #expect(writeRequests(after) == writeRequests(before), "\(step): a plan writes nothing on the service")
            #expect(statsCount(after, "items") == statsCount(before, "items"))
            let run = try await BinaryRunner.runAsync(runArgs, environment: env)
            let s = RunReport.summary(run)
            for (action, counted) in [
                ("create", "created"), ("update", "updated"), ("unchanged", "unchanged"), ("adopt", "adopted"),
                ("not_updatable", "not_updatable"),
            ] {
                #expect(
                    int(p, action) == RunReport.count(s, "upload", counted),
                    "\(step): \(action)\n\(plan.stdout)\n\(run.stdout)")
            }
            #expect(int(p, "quarantined") == (s["rows_quarantined"] as? NSNumber)?.intValue)
            return (p, s, p["plan_csv"] as? String ?? "")
        }

        let alone = try await BinaryRunner.runAsync(planArgs, environment: env)
        #expect(alone.status == 0 || alone.status == 1, "\(alone.stdout)\n\(alone.stderr)")
        let untouched = try Ledger(path: ledgerPath)
        #expect(try untouched.currentScope() == nil, "a plan records no scope")
        #expect(try untouched.counts().values.reduce(0, +) == 0, "a plan records no item")

        let fresh = try await planThenRun("fresh")
        let valid = try #require((fresh.run["rows_valid"] as? NSNumber)?.intValue)
        #expect(int(fresh.plan, "create") == valid)
        let csv = try csvRows(fresh.csv)
        #expect(csv.count == 40, "one line per row")
        #expect(csv.filter { $0["action"] == "quarantined" }.count == int(fresh.plan, "quarantined"))
        #expect(csv.map { Int($0["row"] ?? "") ?? 0 } == csv.map { Int($0["row"] ?? "") ?? 0 }.sorted())

        var lines = try String(contentsOfFile: input, encoding: .utf8).components(separatedBy: "\n")
        var edited: [String] = []
        func edit(_ count: Int) throws {
            var n = 0
            for i in lines.indices where n < count {
                guard !lines[i].contains(" Edited\""),
                    let r = lines[i].range(of: #""Style Name": "[^"]+""#, options: .regularExpression),
                    let k = lines[i].range(of: #""SKU": "[^"]+""#, options: .regularExpression)
                else { continue }
                var field = String(lines[i][r])
                field.removeLast()
                lines[i].replaceSubrange(r, with: field + " Edited\"")
                edited.append(String(lines[i][k].dropFirst(8).dropLast()))
                n += 1
            }
            try lines.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        }
        try edit(3)
        let changed = try await planThenRun("three edited")
        #expect(int(changed.plan, "update") == 3)
        #expect(int(changed.plan, "unchanged") == valid - 3)
        let updates = try csvRows(changed.csv).filter { $0["action"] == "update" }
        #expect(Set(updates.compactMap { $0["key"] }) == Set(edited))
        for u in updates {
            #expect(u["changes"]?.hasPrefix("name: \"") == true && u["changes"]?.contains(" Edited\"") == true, "\(u)")
            #expect(u["remote_id"]?.isEmpty == false)
        }
        #expect(RunReport.count(changed.run, "reconciliation", "mismatched") == 0)

        deleteLedger(ledgerPath)
        try edit(2)
        let adopted = try await planThenRun("ledger deleted, two more edited")
        #expect(int(adopted.plan, "adopt") == valid - 2)
        #expect(int(adopted.plan, "update") == 2)
        #expect(int(adopted.plan, "create") == 0)
        #expect((adopted.plan["scope_known"] as? Bool) == false)
        let adoptedUpdates = try csvRows(adopted.csv).filter { $0["action"] == "update" }
        #expect(adoptedUpdates.allSatisfy { $0["changes"]?.contains(" Edited\"") == true })
        let stats = try await sandboxStats(server, .sartiq)
        #expect(statsCount(stats, "items") == valid)
        #expect(statsCount(stats, "duplicate_keys") == 0)
    }
}
