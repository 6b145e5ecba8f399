import Foundation
import OrderedJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The dry run's checks beyond the rule sets: the key itself (rule `key`), bytes that are not in
/// the file's encoding (rule `encoding`), and every row of a repeated key (rule `unique`, worked out
/// once the whole file is read).
extension PipelineRunner {
    /// The name under which the validator must check each record's own key for uniqueness, or nil
    /// when nothing is uploaded (the key names nothing on a service) or a unique field already repeats
    /// whenever the key does: the target's key field, when it is checked for uniqueness and is the key
    /// itself or read from the key column alone (a field computed from one cell is equal wherever the
    /// cell is).
    static func recordKeyCheckName(_ pipeline: Pipeline, keyField: String?, validator: RecordValidator) -> String? {
        guard pipeline.upload != nil else { return nil }
        if let keyField, validator.uniqueFieldNames.contains(keyField) {
            guard let keyColumn = pipeline.read.key else { return nil }
            if let spec = pipeline.normalise?.fields.first(where: { $0.name == keyField }), spec.from == [keyColumn],
                spec.constant == nil, spec.template == nil
            {
                return nil
            }
        }
        guard pipeline.read.key != nil || keyField != nil else { return nil }
        return pipeline.read.key ?? keyField
    }

    /// The `key` issue for a record whose key holds a control character or white space at an end.
    static func keyIssue(_ problem: String, key: String, record: Record, pipeline: Pipeline, keyField: String?)
        -> RecordIssue
    {
        let column = pipeline.read.key.flatMap { k in record.columns.first { $0.header == k } }
        return RecordIssue(
            source: record.source, column: column, field: keyField ?? pipeline.read.key ?? "key",
            value: KeyCheck.visible(key), rule: "key", severity: .error, message: problem)
    }

    /// The `encoding` issues of a record with fields whose bytes were not UTF-8: errors (the row is
    /// quarantined, not sent with guessed text) unless the pipeline sets `read.encoding` itself.
    static func appendEncodingIssues(
        _ problems: [TextEncodingProblem], record: Record, explicit: Bool, to issues: inout [RecordIssue]
    ) {
        for p in problems {
            let column = p.column < record.columns.count ? record.columns[p.column] : nil
            let value = p.column < record.values.count ? record.values[p.column].canonicalText : ""
            let letter = ColumnName.letter(p.column)
            let message =
                explicit
                ? "line \(p.line), column \(letter): byte \(TextDecoding.hex(p.byte)) is not valid UTF-8; read as Windows-1252, as read.encoding: auto allows"
                : "line \(p.line), column \(letter): byte \(TextDecoding.hex(p.byte)) is not valid UTF-8, so the text is a guess (read as Windows-1252: \"\(value.prefix(60))\"); save the file as UTF-8, or set read.encoding (windows-1252 if it was written that way, auto to accept the guess)"
            issues.append(
                RecordIssue(
                    source: record.source, column: column, field: column?.header ?? letter, value: value,
                    rule: "encoding", severity: explicit ? .warning : .error, message: message))
        }
    }

    /// What the second pass over the input needs.
    struct DuplicatePass {
        var pipeline: Pipeline
        var inputPath: String
        var readOptions: ReadOptions
        var directory: String
        var hasSendSpool: Bool
        /// The ordinals of the records the first pass quarantined.
        var quarantined: OrdinalSet
        /// The first pass's quarantine spool (closed by the caller's sinks, not yet finished).
        var spool: QuarantineSpool
        var issues: CSVWriter
    }

    /// Quarantines every record of a repeated key: reads the input a second time, and rewrites the
    /// first pass's `normalised.jsonl`, send spool and quarantined keys without them (a record the
    /// first pass had quarantined already gains the repeat among its errors). Each record gets a
    /// `unique` issue naming the other rows. Memory stays with the repeated keys: the files are
    /// walked side by side with the input.
    /// - Returns: the quarantine spool to finish (the first pass's, rewritten).
    /// - Throws: ``ReadError``, ``WriteError``.
    static func quarantineDuplicates(
        _ duplicates: DuplicateKeys, pass: DuplicatePass, summary: inout RunSummary, reportIssues: inout [RecordIssue]
    ) throws -> QuarantineSpool {
        let dir = pass.directory as NSString
        func path(_ name: String) -> String { dir.appendingPathComponent(name) }
        try pass.spool.sink.close()
        let normalisedPath = path("normalised.jsonl")
        let sendPath = path(sendSpoolName)
        let keysPath = path(quarantinedKeysName)
        let oldNormalised = try LineFile(path: normalisedPath)
        let newNormalised = try OutputSink(path: path(".normalised.jsonl.part"), background: true)
        let oldSend = pass.hasSendSpool ? try LineFile(path: sendPath) : nil
        let newSend = pass.hasSendSpool ? try OutputSink(path: path(sendSpoolName + ".part"), background: true) : nil
        let oldKeys = try LineFile(path: keysPath)
        let newKeys = try OutputSink(path: path(quarantinedKeysName + ".part"), background: true)
        let oldSpool = try LineFile(path: pass.spool.path)
        let spool = try QuarantineSpool(directory: pass.directory, name: QuarantineSpool.fileName + ".part")
        spool.inheritHeaders(from: pass.spool)

        let reader = try openInput(
            pass.pipeline, path: pass.inputPath, options: pass.readOptions, directory: pass.directory,
            checkColumns: false
        ).reader
        var lastQuarantinedRow: RowSource? = nil
        func changed() -> ReadError {
            ReadError(
                .unreadable, file: pass.inputPath,
                message: "the file changed while the run read it; run again once it is no longer being written")
        }
        var ordinal = 0
        while let record = try reader.next() {
            ordinal += 1
            let wasQuarantined = pass.quarantined.contains(ordinal)
            let groups = duplicates.groups(of: ordinal)
            if groups.isEmpty {
                if wasQuarantined {
                    guard let k = try oldKeys.next(), let q = try oldSpool.next() else { throw changed() }
                    try append(k, to: newKeys)
                    try spool.addLine(q)
                } else {
                    guard let n = try oldNormalised.next() else { throw changed() }
                    try append(n, to: newNormalised)
                    if let oldSend, let newSend {
                        guard let line = try oldSend.next() else { throw changed() }
                        try append(line, to: newSend)
                    }
                }
                continue
            }
            var reasons: [String] = []
            var notes: [String: String] = [:]
            for g in groups {
                duplicates.noteRow(record.source.row, ordinal: ordinal, group: g)
                let group = duplicates.groups[g]
                let message = duplicates.message(group: g, for: ordinal, file: pass.inputPath)
                let issue = RecordIssue(
                    source: record.source, column: group.column, field: group.field, value: group.value,
                    rule: "unique", severity: .error, message: message)
                try pass.issues.writeRow([
                    issue.source.file, issue.source.sheet ?? "", String(issue.source.row),
                    issue.column?.letter ?? "", issue.column?.header ?? "", issue.field,
                    String(issue.value.prefix(200)),
                    issue.rule, issue.severity.rawValue, issue.message,
                ])
                if reportIssues.count < reportIssueLimit { reportIssues.append(issue) }
                summary.errors += 1
                summary.issuesByRule["unique", default: 0] += 1
                summary.issuesByField[group.field, default: 0] += 1
                let place = group.column.map { "\($0.letter.map { l in l + " " } ?? "")\($0.header)" } ?? group.field
                reasons.append(place + ": " + message)
                if let header = group.column?.header {
                    notes[header] = notes[header].map { $0 + "; unique: " + message } ?? "unique: " + message
                }
            }
            var key: JSONValue = .null
            var errors = reasons.joined(separator: "; ")
            if wasQuarantined {
                guard let k = try oldKeys.next(), let earlierLine = try oldSpool.next() else { throw changed() }
                for (header, note) in QuarantineSpool.notes(ofLine: earlierLine) {
                    notes[header] = notes[header].map { note + "; " + $0 } ?? note
                }
                let earlier = try JSONValue.parse(k)
                key = earlier["key"] ?? .null
                if let e = earlier["errors"]?.textValue, !e.isEmpty { errors = e + "; " + errors }
            } else {
                guard try oldNormalised.next() != nil else { throw changed() }
                if let oldSend {
                    guard let line = try oldSend.next() else { throw changed() }
                    key = try JSONValue.parse(line)["key"] ?? .null
                } else if duplicates.groups[groups[0]].field == pass.pipeline.read.key {
                    key = .string(duplicates.groups[groups[0]].value)
                }
                summary.recordsValid -= 1
                summary.recordsQuarantined += 1
                summary.rowsQuarantined += quarantinedRowCount(record, last: &lastQuarantinedRow)
            }
            try spool.add(record, errors: errors, notes: notes)
            JSONValue.obj([
                ("key", key), ("file", .string(record.source.file)),
                ("sheet", record.source.sheet.map { .string($0) } ?? .null), ("row", .int(record.source.row)),
                ("errors", .string(errors)),
            ]).append(to: &newKeys.buffer)
            newKeys.buffer.append(UInt8(ascii: "\n"))
            try newKeys.flushIfNeeded()
        }
        guard ordinal == summary.records, try oldNormalised.next() == nil, try oldKeys.next() == nil,
            try oldSpool.next() == nil, try oldSend?.next() == nil
        else { throw changed() }
        try newNormalised.close()
        try newSend?.close()
        try newKeys.close()
        try spool.sink.close()
        try replace(path(".normalised.jsonl.part"), normalisedPath)
        if pass.hasSendSpool { try replace(path(sendSpoolName + ".part"), sendPath) }
        try replace(path(quarantinedKeysName + ".part"), keysPath)
        try? FileManager.default.removeItem(atPath: pass.spool.path)
        return spool
    }

    private static func append(_ line: UnsafeBufferPointer<UInt8>, to sink: OutputSink) throws {
        sink.buffer.append(contentsOf: line)
        sink.buffer.append(UInt8(ascii: "\n"))
        try sink.flushIfNeeded()
    }

    private static func replace(_ from: String, _ to: String) throws {
        guard rename(from, to) == 0 else {
            throw WriteError(path: to, message: "cannot replace the file (\(String(cString: strerror(errno))))")
        }
    }

    /// The run folder's spool and part files: none is left behind by a run that failed.
    static let spoolFileNames = [
        sendSpoolName, quarantinedKeysName, QuarantineSpool.fileName, "normalised.jsonl",
        ".normalised.jsonl.part", sendSpoolName + ".part", quarantinedKeysName + ".part",
        QuarantineSpool.fileName + ".part",
    ]

    /// The exit code the command line gives `error` (as `catalog-etl`'s `main` maps it).
    public static func exitCode(for error: any Error) -> Int32 {
        switch error {
        case let e as ReadError: return e.exitCode
        case let e as RunFailure: return e.exitCode
        case is ConfigError: return 2
        case is RemoteFailure: return 4
        case is WriteError, is LedgerError: return 3
        default: return 1
        }
    }

    /// Records a run that stopped on `error`: removes the spool files (and, when the read stopped
    /// part way, the partial `normalised.jsonl`) and writes `summary.json` with `"status": "failed"`,
    /// the reason and the exit code. Best effort: on a full disk the summary may not be written either.
    public static func recordFailure(
        _ error: any Error, summary: inout RunSummary, directory: String, readFinished: Bool = false
    ) {
        for name in spoolFileNames where !(readFinished && name == "normalised.jsonl") {
            let p = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: p) { try? FileManager.default.removeItem(atPath: p) }
        }
        summary.status = RunSummary.failed
        summary.failure = (String(describing: error), exitCode(for: error))
        if let started = ISO8601DateFormatter().date(from: summary.startedAt) {
            summary.seconds = max(0, Date().timeIntervalSince(started))
        }
        try? write(summary.json.prettyText, to: (directory as NSString).appendingPathComponent("summary.json"))
    }
}

/// A reader over a quarantine CSV written by catalog-etl (recognised by its `_errors` column) that
/// undoes the formula escape the CSV was written with (``FormulaGuard/reversiblyEscaped(_:)``), in
/// headers and values, so a fixed quarantine file feeds back exactly what it holds. (`quarantine.xlsx`
/// needs no such reader: its text was never escaped.) The columns `_errors`, `_file`, `_sheet` and
/// `_row` stay: the normaliser maps none of them, and a row quarantined again keeps the provenance it
/// came with (``QuarantineSpool``).
final class QuarantineFileReader: RecordReader {
    private let base: any RecordReader
    private var baseColumnCount = -1
    private var unescapedColumns: [Column] = []

    /// The wrapper, or nil when `base` is not a CSV reader of a quarantine file.
    init?(unescaping base: any RecordReader) {
        guard base is CSVRecordReader, base.columns.contains(where: { $0.header == "_errors" }) else { return nil }
        self.base = base
    }

    var file: String { base.file }
    var sheet: String? { base.sheet }
    var warnings: WarningLog { base.warnings }

    var columns: [Column] {
        let current = base.columns
        if current.count != baseColumnCount {
            baseColumnCount = current.count
            unescapedColumns = current.map { Column(header: FormulaGuard.unescaped($0.header), letter: $0.letter) }
        }
        return unescapedColumns
    }

    func next() throws -> Record? {
        guard var r = try base.next() else { return nil }
        r.columns = columns
        for i in r.values.indices {
            if case .text(let t) = r.values[i], t.utf8.first == UInt8(ascii: "'") {
                r.values[i] = .text(FormulaGuard.unescaped(t))
            }
        }
        return r
    }
}
