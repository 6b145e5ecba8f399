/// A ``ColumnIndex`` kept for the layout of the records going by, rebuilt only when it changes.
struct ColumnLookup {
    private var columns: [Column] = []
    private var index = ColumnIndex()

    /// The index of `name` in `layout`, or nil.
    mutating func index(of name: String, in layout: [Column]) -> Int? {
        if layout != columns {
            columns = layout
            index = ColumnIndex(layout)
        }
        return index.index(of: name)
    }
}

/// Counts what the stages between read and normalise did with the source rows.
public final class RowStageCounts {
    /// Rows the reader gave (non-empty source rows).
    public internal(set) var sourceRows = 0
    /// Rows a `filter` stage dropped.
    public internal(set) var filtered = 0
    /// Bytes the group stage wrote to disk (0 when it all fitted in memory).
    public internal(set) var spilledBytes = 0

    /// Creates zero counts.
    public init() {}
}

/// Counts the rows the source reader gives.
final class CountingReader: RecordReader {
    let base: any RecordReader
    let counts: RowStageCounts

    init(_ base: any RecordReader, counts: RowStageCounts) {
        self.base = base
        self.counts = counts
    }

    var file: String { base.file }
    var sheet: String? { base.sheet }
    var columns: [Column] { base.columns }
    var warnings: WarningLog { base.warnings }

    func next() throws -> Record? {
        guard let r = try base.next() else { return nil }
        counts.sourceRows += 1
        return r
    }
}
