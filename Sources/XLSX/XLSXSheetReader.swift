/// Streams the rows of one worksheet, pull-based.
///
/// The SAX callbacks put finished rows into a small queue; ``nextRow()`` inflates the next chunk of the
/// sheet and pushes it into the parser only when the queue is empty. Memory: one inflated chunk, the
/// queue, libxml2's buffers and the shared-strings table.
public final class XLSXSheetReader {
    /// The sheet being read.
    public let sheet: XLSXSheet
    private let stream: ZipEntryStream
    private let parser: XMLPushParser
    private let handler: SheetHandler
    private var head = 0
    private var ended = false

    init(sheet: XLSXSheet, entry: ZipEntry, archive: ZipArchive, handler: SheetHandler) throws {
        self.sheet = sheet
        self.handler = handler
        stream = try archive.open(entry, chunkSize: 128 << 10)
        parser = try XMLPushParser(handler: handler, file: archive.file.path, part: entry.name)
    }

    /// The sheet's `<dimension ref>` once the parser has passed it (it comes before the rows).
    public var dimension: String? { handler.dimension }

    /// The next row that has at least one cell, or nil at the end of the sheet (or after an error).
    /// - Throws: ``XLSXError``.
    public func nextRow() throws -> XLSXRow? {
        while true {
            if head < handler.queue.count {
                head += 1
                return handler.queue[head - 1]
            }
            if ended { return nil }
            handler.queue.removeAll(keepingCapacity: true)
            head = 0
            do {
                if let chunk = try stream.next() {
                    try parser.push(chunk)
                } else {
                    try parser.finish()
                    ended = true
                }
            } catch {
                ended = true  // a failed parse cannot resume; later calls return nil
                handler.queue.removeAll()
                throw error
            }
        }
    }
}
