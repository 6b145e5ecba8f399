/// Finds columns by name in a record's layout: the exact header first, then the header folded
/// (lower case, no white space or `_`), as the normalise stage matches them. The maps are rebuilt
/// only when the layout changes.
struct ColumnLookup {
    private var columns: [Column] = []
    private var exact: [String: Int] = [:]
    private var folded: [String: Int] = [:]

    /// The index of `name` in `layout`, or nil.
    mutating func index(of name: String, in layout: [Column]) -> Int? {
        if layout != columns {
            columns = layout
            exact = [:]
            folded = [:]
            for (i, c) in layout.enumerated() {
                if exact[c.header] == nil { exact[c.header] = i }
                let f = TextCleaning.fold(c.header)
                if folded[f] == nil { folded[f] = i }
            }
        }
        return exact[name] ?? folded[TextCleaning.fold(name)]
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
