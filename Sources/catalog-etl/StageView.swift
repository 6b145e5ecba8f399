import Dispatch
import ETLCore
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// What the user sees while a run goes.
///
/// - On a terminal: one status line for the stage that runs (count, rate; for the upload a bar, ETA,
///   retries, rate limits and failures), cut to the terminal's width (`TIOCGWINSZ`, read again on
///   `SIGWINCH`) and redrawn; each finished stage stays above it as a line with its count, time and
///   rate. Colours only where they mean something (failures red, retries and rate limiting yellow),
///   and none with `NO_COLOR` set.
/// - Without a terminal: a plain line every few seconds, and one per finished stage.
/// - With `--log-format json`: one JSON object per line on standard error (``Console``), the summary
///   on standard output.
///
/// The final lines go to standard output.
final class StageView: @unchecked Sendable {
    private let format: LogFormat
    private let quiet: Bool
    private let verbose: Bool
    private let console = Console.shared
    private let terminal: Bool
    private let colour: Bool
    private let lock = NSLock()
    private var width: Int
    private var lastDraw = Date.distantPast
    private var drawn: [Segment] = []
    private var current: Stage?
    /// The count the status line showed last (so a stage's final count is drawn once).
    private var shownCount = -1
    private var resize: (any DispatchSourceSignal)?

    /// A stage as it runs: what it counts and since when.
    private struct Stage {
        var name: String
        var label: String
        var unit: String
        var started: Date
        var count = 0
        var total = 0
        var extra: [Segment] = []
    }

    /// Part of a status line, with the colour it gets on a terminal that takes colours.
    struct Segment: Equatable {
        var text: String
        var colour: Colour? = nil

        enum Colour: String {
            case green = "32"
            case yellow = "33"
            case red = "31"
            case dim = "2"
        }
    }

    /// Seconds between plain lines without a terminal (and between JSON progress lines).
    static let plainInterval = 5.0

    init(format: LogFormat, quiet: Bool, verbose: Bool) {
        self.format = format
        self.quiet = quiet
        self.verbose = verbose
        terminal = format == .text && isatty(2) != 0
        colour = terminal && Self.coloursAllowed(ProcessInfo.processInfo.environment)
        width = Self.terminalWidth()
        if terminal && !quiet { watchResizes() }
    }

    /// Whether the environment allows colours: not with `NO_COLOR` set to anything non-empty
    /// (no-color.org), nor on `TERM=dumb`.
    static func coloursAllowed(_ environment: [String: String]) -> Bool {
        if let v = environment["NO_COLOR"], !v.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }

    /// The width of the terminal on standard error; `COLUMNS`, then 80, when it cannot be asked.
    static func terminalWidth() -> Int {
        var size = winsize()
        let ok = withUnsafeMutablePointer(to: &size) { ioctl(2, UInt(TIOCGWINSZ), $0) } == 0
        if ok, size.ws_col > 0 { return Int(size.ws_col) }
        if let c = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), c > 0 { return c }
        return 80
    }

    private func watchResizes() {
        signal(SIGWINCH, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: DispatchQueue(label: "catalog-etl.winch"))
        source.setEventHandler { [weak self] in
            guard let self else { return }
            self.lock.withLock {
                self.width = Self.terminalWidth()
                if !self.drawn.isEmpty { self.draw(self.drawn) }
            }
        }
        source.resume()
        resize = source
    }

    // MARK: - Progress

    /// The run starts: its first stage (read · normalise · validate) is timed from now.
    func start() {
        lock.withLock { begin("read", label: "read · normalise · validate", unit: "rows", now: Date()) }
    }

    /// Rows read, normalised and validated so far (one streaming pass).
    func reading(_ n: Int) {
        lock.withLock {
            let now = Date()
            begin("read", label: "read · normalise · validate", unit: "rows", now: now)
            current?.count = n
            guard due(now) else { return }
            show(now)
        }
    }

    /// The read went through every record: its stage ends (the upload's login may take a while).
    func readFinished(_ n: Int) {
        lock.withLock {
            guard current?.name == "read" else { return }
            current?.count = n
            close(Date())
        }
    }

    /// Upload, export or reconcile progress.
    func progress(_ p: UploadProgress) {
        lock.withLock {
            let now = Date()
            let unit = p.stage == "upload" ? "items" : p.stage == "reconcile" ? "rows" : "items"
            begin(p.stage, label: p.stage, unit: unit, now: now)
            current?.count = p.processed
            current?.total = p.total
            if p.stage == "upload" {
                var extra: [Segment] = []
                if p.retries > 0 { extra.append(Segment(text: "\(p.retries) retries", colour: .yellow)) }
                if p.rateLimited > 0 { extra.append(Segment(text: "\(p.rateLimited) rate limited", colour: .yellow)) }
                if p.failed > 0 { extra.append(Segment(text: "\(p.failed) failed", colour: .red)) }
                current?.extra = extra
            }
            // The last count of a stage is always shown, once.
            let last = p.processed == p.total && shownCount != p.processed
            guard due(now) || last else { return }
            shownCount = p.processed
            show(now, upload: p)
        }
    }

    /// Starts `name` when it is not the stage that runs, closing the one before.
    private func begin(_ name: String, label: String, unit: String, now: Date) {
        if current?.name == name { return }
        close(now)
        current = Stage(name: name, label: label, unit: unit, started: now)
        lastDraw = .distantPast
        shownCount = -1
    }

    /// Ends the stage that runs: a line that stays (text) or a `stage_finished` event (JSON).
    private func close(_ now: Date) {
        guard let stage = current else { return }
        current = nil
        let seconds = now.timeIntervalSince(stage.started)
        let rate = seconds > 0 ? Double(stage.count) / seconds : 0
        if format == .json {
            console.log(
                .info, stage: stage.name, event: "stage_finished",
                "\(stage.label): \(stage.count) \(stage.unit) in \(Self.duration(seconds))",
                [
                    "count": .stringConvertible(stage.count), "seconds": .stringConvertible(Self.rounded(seconds)),
                    "rate_per_second": .stringConvertible(Self.rounded(rate)),
                ])
            return
        }
        guard !quiet else { return }
        var line = [
            Segment(text: "✓", colour: .green), Segment(text: " \(stage.label): \(stage.count) \(stage.unit)"),
            Segment(text: " in \(Self.duration(seconds))"),
        ]
        if seconds > 0 && stage.count > 0 { line.append(Segment(text: " (\(Self.rate(rate)))", colour: .dim)) }
        for e in stage.extra { line += [Segment(text: " · "), e] }
        clearLine()
        CatalogETL.printRaw(render(fit(line)) + "\n")
    }

    private func due(_ now: Date) -> Bool {
        let interval = terminal ? 0.25 : Self.plainInterval
        guard now.timeIntervalSince(lastDraw) >= interval else { return false }
        lastDraw = now
        return true
    }

    private func show(_ now: Date, upload p: UploadProgress? = nil) {
        guard let stage = current else { return }
        let seconds = now.timeIntervalSince(stage.started)
        if format == .json {
            var fields: Logger.Metadata = ["processed": .stringConvertible(stage.count)]
            if let p {
                let rate = p.elapsed > 0 ? Double(p.processed - p.unchanged) / p.elapsed : 0
                let left = max(0, p.total - p.processed)
                fields["total"] = .stringConvertible(p.total)
                for (k, v) in [
                    ("created", p.created), ("updated", p.updated), ("unchanged", p.unchanged), ("failed", p.failed),
                    ("retries", p.retries), ("rate_limited", p.rateLimited),
                ] {
                    fields[k] = .stringConvertible(v)
                }
                fields["rate_per_second"] = .stringConvertible(Self.rounded(rate))
                if rate > 0 { fields["eta_seconds"] = .stringConvertible(Int(Double(left) / rate)) }
            } else {
                fields["rate_per_second"] = .stringConvertible(
                    Self.rounded(seconds > 0 ? Double(stage.count) / seconds : 0))
            }
            console.log(
                .info, stage: stage.name, event: "progress", "\(stage.label): \(stage.count) \(stage.unit)", fields)
            return
        }
        guard !quiet else { return }
        var line = [Segment(text: "▸", colour: .dim), Segment(text: " \(stage.label) ")]
        if let p, p.stage == "upload" {
            let rate = p.elapsed > 0 ? Double(p.processed - p.unchanged) / p.elapsed : 0
            let left = max(0, p.total - p.processed)
            let eta = rate > 0 ? Double(left) / rate : nil
            line.append(Segment(text: "[bar]"))
            line.append(
                Segment(text: " \(p.processed)/\(p.total) · \(Self.rate(rate)) · ETA \(eta.map(Self.clock) ?? "–")"))
        } else {
            let rate = seconds > 0 ? Double(stage.count) / seconds : 0
            line.append(Segment(text: "\(stage.count) \(stage.unit)"))
            if stage.total > 0 { line.append(Segment(text: " of \(stage.total)")) }
            if stage.count > 0 { line.append(Segment(text: " · \(Self.rate(rate))")) }
        }
        for e in stage.extra { line += [Segment(text: " · "), e] }
        line = fit(line, barFraction: p.map { $0.total > 0 ? Double($0.processed) / Double($0.total) : 0 })
        if terminal {
            draw(line)
        } else {
            CatalogETL.printRaw(render(line) + "\n")
        }
    }

    /// The line cut to the terminal's width: the bar (`[bar]`) takes what is left, up to 30
    /// columns, and goes when less than 10 are; then text is cut from the end with `…`.
    func fit(_ line: [Segment], barFraction: Double? = nil) -> [Segment] {
        let limit = max(20, (terminal ? width : Int.max / 2) - 1)
        var out = line
        if let i = out.firstIndex(where: { $0.text == "[bar]" }) {
            let others = out.enumerated().filter { $0.offset != i }.reduce(0) { $0 + $1.element.text.count }
            let room = min(30, limit - others - 2)
            if room >= 10, let fraction = barFraction {
                let filled = max(0, min(room, Int(Double(room) * fraction)))
                out[i].text =
                    "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: room - filled) + "]"
            } else {
                out.remove(at: i)
                if i < out.count, out[i].text.hasPrefix(" ") { out[i].text.removeFirst() }
            }
        }
        var used = 0
        var cut: [Segment] = []
        for s in out {
            if used + s.text.count <= limit {
                cut.append(s)
                used += s.text.count
            } else {
                let room = limit - used - 1
                if room > 0 { cut.append(Segment(text: String(s.text.prefix(room)) + "…", colour: s.colour)) }
                break
            }
        }
        return cut
    }

    /// The segments as text, with colours when allowed.
    func render(_ line: [Segment]) -> String {
        line.map { s in
            guard colour, let c = s.colour else { return s.text }
            return "\u{1B}[\(c.rawValue)m\(s.text)\u{1B}[0m"
        }.joined()
    }

    private func draw(_ line: [Segment]) {
        CatalogETL.printRaw("\r\u{1B}[K" + render(line))
        drawn = line
    }

    private func clearLine() {
        if !drawn.isEmpty {
            CatalogETL.printRaw("\r\u{1B}[K")
            drawn = []
        }
    }

    // MARK: - Events

    /// A retry, an item's failure, a create whose answer was lost: printed with `--verbose` (text) and
    /// always logged (JSON), naming the keys, the attempt and the wait.
    func event(_ e: UploadEvent) {
        if format == .json {
            var fields: Logger.Metadata = ["keys": .array(e.keys.map { .string($0) })]
            if e.keys.count == 1, let key = e.keys.first { fields["key"] = .string(key) }
            if let a = e.attempt { fields["attempt"] = .stringConvertible(a) }
            if let m = e.maxAttempts { fields["max_attempts"] = .stringConvertible(m) }
            if let w = e.waitSeconds { fields["wait_seconds"] = .stringConvertible(Self.rounded(w)) }
            if let s = e.source { fields["source"] = .string(s) }
            console.log(
                e.kind == .retry || e.kind == .ambiguous ? .notice : .warning, stage: "upload", event: e.kind.rawValue,
                e.message, fields)
            return
        }
        guard verbose else { return }
        say(e.text)
    }

    /// What must always be seen, even without `--verbose` (a long wait, a stop request), already
    /// redacted: on standard error, as a line (text) or a `notice` event (JSON).
    func notice(_ message: String) {
        if format == .json {
            let stage = lock.withLock { current?.name ?? "run" }
            console.log(.warning, stage: stage, event: "notice", message)
            return
        }
        say(message)
    }

    /// A warning from the pipeline file, before the run starts.
    func warning(_ message: String) {
        console.message(message, level: .warning, stage: "run", event: "pipeline_warning")
    }

    /// A plain line above the status line, which is drawn again below it.
    private func say(_ message: String) {
        lock.withLock {
            let line = drawn
            clearLine()
            CatalogETL.printRaw(console.redactor.redact(message) + "\n")
            if !line.isEmpty { draw(line) }
        }
    }

    /// Closes the last stage and clears the status line.
    func finish() {
        lock.withLock {
            close(Date())
            clearLine()
        }
    }

    // MARK: - Final lines

    /// The final lines: counts per stage and where the report is; with `--log-format json` one
    /// `run_finished` line on standard output with the summary (as `summary.json` has it), the report's
    /// folder and the exit code.
    func report(_ result: RunResult) {
        let s = result.summary
        if format == .json {
            console.summary(
                "\(s.rowsRead) rows read, \(s.rowsValid) valid, \(s.rowsQuarantined) quarantined; report in \(result.runDirectory)/",
                [
                    "exit_code": .stringConvertible(Int(result.exitCode)), "report": .string(result.runDirectory + "/"),
                    "status": .string(s.status), "summary": s.json.metadataValue,
                ])
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

    // MARK: - Formatting

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600
            ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }

    /// `0.4 s`, `12 s`, `3:05`.
    static func duration(_ seconds: Double) -> String {
        seconds < 10 ? String(format: "%.1f s", seconds) : seconds < 60 ? "\(Int(seconds.rounded())) s" : clock(seconds)
    }

    /// `1,234/s`, `4.8/s`, `12/min`.
    static func rate(_ perSecond: Double) -> String {
        if perSecond >= 100 { return "\(grouped(Int(perSecond.rounded())))/s" }
        if perSecond >= 1 || perSecond == 0 { return String(format: "%.1f/s", perSecond) }
        return String(format: "%.1f/min", perSecond * 60)
    }

    /// `12,345`.
    static func grouped(_ n: Int) -> String {
        var digits = String(n.magnitude)
        var out = ""
        while digits.count > 3 {
            out = "," + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return (n < 0 ? "-" : "") + digits + out
    }

    /// `x` to three decimals, for JSON numbers.
    static func rounded(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }
}
