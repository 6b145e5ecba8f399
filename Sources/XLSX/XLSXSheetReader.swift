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

    private enum Source {
        case inline(SheetRowProducer)
        case background(RowPipeline)
    }

    private let source: Source
    /// The shared-strings table, for the cells that arrive as an index into it.
    private let sharedStrings: [String]
    private var batch: [XLSXRow] = []
    private var head = 0
    private var finished = false

    init(sheet: XLSXSheet, producer: SheetRowProducer, sharedStrings: [String], background: Bool) {
        self.sheet = sheet
        self.sharedStrings = sharedStrings
        if background, let pipeline = RowPipeline.start(producer) {
            source = .background(pipeline)
        } else {
            source = .inline(producer)
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

    /// The next row that has at least one cell, or nil at the end of the sheet (or after an error).
    /// - Throws: ``XLSXError``.
    public func nextRow() throws -> XLSXRow? {
        if head < batch.count {
            head += 1
            return batch[head - 1]
        }
        while !finished {
            let next: [XLSXRow]?
            switch source {
            case .inline(let producer):
                do {
                    next = try producer.nextBatch()
                } catch {
                    finished = true
                    throw error
                }
            case .background(let pipeline):
                switch pipeline.take() {
                case .rows(let rows): next = rows
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
            for r in rows.indices {
                for c in rows[r].cells.indices where rows[r].cells[c].sharedIndex >= 0 {
                    rows[r].cells[c].value = .text(sharedStrings[Int(rows[r].cells[c].sharedIndex)])
                    rows[r].cells[c].sharedIndex = -1
                }
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

    /// The rows finished by the next chunk (non-empty), or nil at the end of the sheet.
    /// - Throws: ``XLSXError``, after the rows parsed before it were returned.
    func nextBatch() throws -> [XLSXRow]? {
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
            if !handler.queue.isEmpty {
                let rows = handler.queue
                handler.queue = []
                handler.queue.reserveCapacity(rows.count)
                return rows
            }
        }
    }
}
