/// Streams the rows of one worksheet, pull-based.
///
/// Inflating and parsing (``SheetRowProducer``) happen on a background thread by default: its SAX
/// callbacks put finished rows into a small queue, which is handed over in batches through a bounded
/// ``RowPipeline`` (at most four batches in flight, each about one 128 KiB inflated chunk of rows), so
/// the caller converts and writes rows while the next chunk is parsed. Memory stays flat: the chunk,
/// the batches in flight, libxml2's buffers and the shared-strings table. Rows come in sheet order;
/// an error arrives after the rows that preceded it.
public final class XLSXSheetReader {
    /// The sheet being read.
    public let sheet: XLSXSheet
    /// Problems recovered from so far (cells read as empty), in sheet order; they arrive with the
    /// batch of rows they were met in, so they may run a little ahead of the rows returned.
    public private(set) var warnings: [XLSXWarning] = []

    private enum Source {
        case inline(SheetRowProducer)
        case background(RowPipeline)
    }

    private let source: Source
    /// The shared-strings table, for the cells that arrive as an index into it.
    private let sharedStrings: [String]
    /// The most shared-string text cells may materialise (``XLSXLimits/sharedStringsBudget(fileSize:)``).
    private let sharedStringsBudget: Int64
    /// Shared-string text materialised so far (the table's own size to start with).
    private var materialised: Int64
    private let file: String
    private let part: String
    private var batch: [XLSXRow] = []
    private var head = 0
    private var finished = false

    /// Starts reading the sheet: its rows are parsed on a background thread (when `background`)
    /// while `loadSharedStrings` runs on this one, then looked up against the table it returns.
    /// - Throws: whatever `loadSharedStrings` throws (the background parsing is stopped first).
    init(
        sheet: XLSXSheet, producer: SheetRowProducer, background: Bool, file: String, part: String,
        budget: Int64, loadSharedStrings: () throws -> (strings: [String], bytes: Int64)
    ) throws {
        self.sheet = sheet
        self.file = file
        self.part = part
        sharedStringsBudget = budget
        // Up to 256 batches (about 32 MiB of sheet XML) may be parsed ahead while the table loads.
        if background, let pipeline = RowPipeline.start(producer, initialSlots: 256) {
            source = .background(pipeline)
        } else {
            source = .inline(producer)
        }
        do {
            (sharedStrings, materialised) = try loadSharedStrings()
        } catch {
            if case .background(let pipeline) = source { pipeline.cancel() }
            throw error
        }
    }

    deinit {
        if case .background(let pipeline) = source { pipeline.cancel() }
    }

    /// Whether rows are parsed on a background thread.
    public var isBackground: Bool {
        if case .background = source { return true }
        return false
    }

    /// An error met while resolving a batch, thrown once the rows before it have been returned.
    private var pendingError: XLSXError?

    /// Replaces shared-string indices by their text, checking each index and the materialised-text
    /// budget. Returns the first row that failed and why, or nil.
    private func resolveSharedStrings(in rows: inout [XLSXRow]) -> (Int, XLSXError)? {
        for r in rows.indices {
            for c in rows[r].cells.indices where rows[r].cells[c].sharedIndex >= 0 {
                let i = Int(rows[r].cells[c].sharedIndex)
                guard i < sharedStrings.count else {
                    return (
                        r,
                        XLSXError(
                            .invalidValue, file: file, part: part,
                            message:
                                "cell \(CellText.letters(rows[r].cells[c].column))\(rows[r].number) refers to shared string \(i), but the table has \(sharedStrings.count); the workbook is corrupt"
                        )
                    )
                }
                materialised += Int64(sharedStrings[i].utf8.count)
                if materialised > sharedStringsBudget {
                    return (
                        r,
                        XLSXError(
                            .limitExceeded, file: file, part: part,
                            message:
                                "cells have materialised more than \(sharedStringsBudget) bytes of shared-string text, the limit for a file of this size; raise maxSharedStringsExpansion if the file is legitimate"
                        )
                    )
                }
                rows[r].cells[c].value = .text(sharedStrings[i])
                rows[r].cells[c].sharedIndex = -1
            }
        }
        return nil
    }

    /// What ``touchSharedStrings(of:)`` read, kept so the reads are not optimised away.
    private var touched: UInt8 = 0

    /// Reads the first byte of every shared string a batch uses before any of them is retained.
    ///
    /// Most of a catalog's strings (descriptions, URLs, SKUs) are used once, so each lookup misses
    /// the cache, and a retain is an atomic read-modify-write that waits for its miss before the
    /// next can start. Plain reads overlap, so the lines
    /// arrive together, and the retains that follow find them in the cache.
    private func touchSharedStrings(of rows: [XLSXRow]) {
        var acc: UInt8 = 0
        sharedStrings.withUnsafeBufferPointer { table in
            guard let base = table.baseAddress else { return }
            for r in rows.indices {
                for c in rows[r].cells.indices where rows[r].cells[c].sharedIndex >= 0 {
                    let i = Int(rows[r].cells[c].sharedIndex)
                    if i < table.count { acc ^= (base + i).pointee.utf8.first ?? 0 }
                }
            }
        }
        touched ^= acc
    }

    /// The next row that has at least one cell, or nil at the end of the sheet (or after an error).
    /// - Throws: ``XLSXError``.
    public func nextRow() throws -> XLSXRow? {
        if head < batch.count {
            head += 1
            return batch[head - 1]
        }
        if let error = pendingError {
            pendingError = nil
            finished = true
            throw error
        }
        while !finished {
            let next: [XLSXRow]?
            switch source {
            case .inline(let producer):
                do {
                    let batch = try producer.nextBatch()
                    if let batch, !batch.warnings.isEmpty { warnings += batch.warnings }
                    next = batch?.rows
                } catch {
                    finished = true
                    throw error
                }
            case .background(let pipeline):
                switch pipeline.take() {
                case .rows(let rows, let found):
                    if !found.isEmpty { warnings += found }
                    next = rows
                case .failure(let error):
                    finished = true
                    throw error
                case .end: next = nil
                }
            }
            guard var rows = next else {
                finished = true
                return nil
            }
            if rows.isEmpty { continue }
            touchSharedStrings(of: rows)
            if let (failedRow, error) = resolveSharedStrings(in: &rows) {
                // The rows before the bad one still come first; the error follows them.
                rows.removeSubrange(failedRow...)
                guard !rows.isEmpty else {
                    finished = true
                    throw error
                }
                pendingError = error
            }
            batch = rows
            head = 1
            return rows[0]
        }
        return nil
    }
}

/// Inflates a sheet and pushes it through the SAX parser, a chunk at a time, yielding the finished rows.
/// Owned by one thread at a time.
final class SheetRowProducer {
    private let stream: ZipEntryStream
    private let parser: XMLPushParser
    private let handler: SheetHandler
    private var ended = false
    private var pendingError: XLSXError?

    init(entry: ZipEntry, archive: ZipArchive, handler: SheetHandler) throws {
        self.handler = handler
        stream = try archive.open(entry, chunkSize: 128 << 10)
        parser = try XMLPushParser(handler: handler, file: archive.file.path, part: entry.name)
    }

    /// The rows finished by the next chunk and the warnings met (not both empty), or nil at the end
    /// of the sheet.
    /// - Throws: ``XLSXError``, after the rows parsed before it were returned.
    func nextBatch() throws -> (rows: [XLSXRow], warnings: [XLSXWarning])? {
        while true {
            if let e = pendingError {
                pendingError = nil
                ended = true
                throw e
            }
            if ended { return nil }
            do {
                if let chunk = try stream.next() {
                    try parser.push(chunk)
                } else {
                    try parser.finish()
                    ended = true
                }
            } catch let e as XLSXError {
                pendingError = e
            } catch {
                pendingError = XLSXError(.unreadable, file: parser.file, part: parser.part, message: "\(error)")
            }
            if !handler.queue.isEmpty || !handler.warnings.isEmpty {
                let rows = handler.queue
                handler.queue = []
                handler.queue.reserveCapacity(rows.count)
                let warnings = handler.warnings
                if !warnings.isEmpty { handler.warnings = [] }
                return (rows, warnings)
            }
        }
    }
}
