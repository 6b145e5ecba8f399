/// Reads the first records of a reader ahead (so the columns of a JSON file, which grow as keys
/// are seen, can be checked before the run uses any record), then gives them back in order.
final class PeekReader: RecordReader {
    let base: any RecordReader
    private var ahead: [Record] = []
    private var index = 0

    /// Reads up to `count` records of `base` ahead.
    /// - Throws: ``ReadError``.
    init(_ base: any RecordReader, count: Int) throws {
        self.base = base
        while ahead.count < count, let r = try base.next() { ahead.append(r) }
    }

    var file: String { base.file }
    var sheet: String? { base.sheet }
    var columns: [Column] { base.columns }
    var warnings: WarningLog { base.warnings }

    func next() throws -> Record? {
        if index < ahead.count {
            defer {
                index += 1
                if index == ahead.count {
                    ahead = []
                    index = Int.max
                }
            }
            return ahead[index]
        }
        return try base.next()
    }
}
