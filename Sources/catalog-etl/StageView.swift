import ETLCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What the user sees while a run goes: on a terminal a redrawn progress bar per stage (count, rate,
/// ETA, retries, failures); without one a plain line every few seconds; with `--log-format json`
/// one JSON object per line on standard error. Final lines go to standard output.
final class StageView: @unchecked Sendable {
    private let format: LogFormat
    private let quiet: Bool
    private let verbose: Bool
    private let terminal = isatty(2) != 0
    private let lock = NSLock()
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false
    private var lastStage = ""

    init(format: LogFormat, quiet: Bool, verbose: Bool) {
        self.format = format
        self.quiet = quiet
        self.verbose = verbose
    }

    private var interval: Double { terminal && format == .text ? 0.25 : 5 }

    private func due(_ stage: String, force: Bool = false) -> Bool {
        let now = Date()
        if stage != lastStage {
            lastStage = stage
            lastDraw = now
            return true
        }
        guard force || now.timeIntervalSince(lastDraw) >= interval else { return false }
        lastDraw = now
        return true
    }

    /// Rows read so far.
    func reading(_ n: Int) {
        guard !quiet else { return }
        lock.withLock {
            guard due("read") else { return }
            emit(stage: "read", text: "read \(n) rows", fields: [("processed", .int(n))])
        }
    }

    /// Upload or export progress.
    func progress(_ p: UploadProgress) {
        guard !quiet else { return }
        lock.withLock {
            guard due(p.stage) else { return }
            if p.stage != "upload" {
                emit(stage: p.stage, text: "\(p.stage)…", fields: [])
                return
            }
            let rate = p.elapsed > 0 ? Double(p.processed - p.unchanged) / p.elapsed : 0
            let left = max(0, p.total - p.processed)
            let eta = rate > 0 ? Double(left) / rate : nil
            let width = 24
            let filled = p.total > 0 ? min(width, width * p.processed / p.total) : 0
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let text =
                "upload [\(bar)] \(p.processed)/\(p.total) · \(String(format: "%.1f", rate))/s · ETA \(eta.map(Self.clock) ?? "–") · \(p.retries) retries · \(p.failed) failed"
            emit(
                stage: "upload", text: text,
                fields: [
                    ("processed", .int(p.processed)), ("total", .int(p.total)), ("created", .int(p.created)),
                    ("updated", .int(p.updated)), ("unchanged", .int(p.unchanged)), ("failed", .int(p.failed)),
                    ("retries", .int(p.retries)), ("rate_limited", .int(p.rateLimited)),
                    ("eta_seconds", eta.map { .int(Int($0)) } ?? .null),
                ])
        }
    }

    /// A retry or an item's failure (already redacted).
    func event(_ message: String) {
        guard verbose || format == .json else { return }
        notice(message)
    }

    /// What must always be seen, even without `--verbose` (a long wait, a stop request), already
    /// redacted: on standard error, as a warning line (text) or a JSON object.
    func notice(_ message: String) {
        lock.withLock {
            if format == .json {
                CatalogETL.printRaw(
                    JSONValue.obj([
                        ("time", .string(Self.now())), ("level", .string("warning")), ("event", .string(message)),
                    ]).jsonText + "\n")
            } else {
                clearLine()
                CatalogETL.printRaw(message + "\n")
            }
        }
    }

    private func emit(stage: String, text: String, fields: [(String, JSONValue)]) {
        switch format {
        case .json:
            CatalogETL.printRaw(
                JSONValue.obj(
                    [("time", .string(Self.now())), ("level", .string("info")), ("stage", .string(stage))] + fields
                )
                .jsonText + "\n")
        case .text:
            if terminal {
                CatalogETL.printRaw("\r\u{1B}[K" + text)
                drawn = true
            } else {
                CatalogETL.printRaw(text + "\n")
            }
        }
    }

    private func clearLine() {
        if drawn {
            CatalogETL.printRaw("\r\u{1B}[K")
            drawn = false
        }
    }

    /// Clears the progress line.
    func finish() { lock.withLock { clearLine() } }

    /// The final lines: counts per stage and where the report is.
    func report(_ result: RunResult) {
        let s = result.summary
        if format == .json {
            // The summary as summary.json has it, plus where the run's files are.
            print(
                JSONValue.object((s.json.objectValue ?? []) + [JSONField("report", .string(result.runDirectory + "/"))])
                    .jsonText)
            return
        }
        let issueText = s.errors + s.warnings == 0 ? "no issues" : "\(s.errors) errors, \(s.warnings) warnings"
        print(
            "read \(s.rowsRead) rows · normalised · \(issueText) · \(s.rowsValid) valid, \(s.rowsQuarantined) quarantined"
        )
        if s.records != s.rowsRead || s.rowsFiltered > 0 {
            print(
                "\(s.rowsFiltered > 0 ? "\(s.rowsFiltered) rows filtered · " : "")\(s.records) records · \(s.recordsValid) valid, \(s.recordsQuarantined) quarantined"
            )
        }
        if s.rowsQuarantined > 0 {
            let rows = "\(s.rowsQuarantined) row\(s.rowsQuarantined == 1 ? "" : "s") quarantined"
            print(
                s.rowsQuarantined <= s.maxQuarantined
                    ? "\(rows), within max_quarantined: \(s.maxQuarantined)"
                    : "\(rows), more than max_quarantined: \(s.maxQuarantined)")
        }
        if !quiet && s.readerWarnings.total > 0 { printWarnings(s.readerWarnings) }
        if let u = result.upload {
            print(
                "upload: \(u.sent) sent · \(u.created) created · \(u.updated) updated · \(u.unchanged) unchanged · \(u.adopted) adopted · \(u.failed) failed · \(u.retries) retries · \(u.rateLimited) rate limited (\(String(format: "%.1f", u.seconds)) s)"
            )
            if u.adopted > 0 {
                print(
                    "  \(u.adopted) rows the service already held with the same content were adopted into the ledger, not sent again"
                )
            }
            if u.notUpdatable > 0 {
                print("  \(u.notUpdatable) changed rows were not sent: the service cannot update what it holds")
            }
            for f in u.failures.prefix(quiet ? 0 : 10) { print("  failed \(f.key): \(f.message)") }
            if u.failures.count > 10 && !quiet { print("  … status shows them all") }
        }
        if let r = result.reconciliation {
            print(
                "reconcile: "
                    + ReconClass.allCases.map { "\(r.counts[$0] ?? 0) \($0.rawValue)" }.joined(separator: " · "))
            for c in r.countChecks where c.reported != c.expected {
                print("  the service reports \(c.name) = \(c.reported), but it holds \(c.expected) items of this run")
            }
            for (name, n, limit) in result.crossed { print("  fail_on \(name): \(n) > \(limit)") }
        }
        print("report: \(result.runDirectory)/")
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    static func now() -> String { ISO8601DateFormatter().string(from: Date()) }
}
