/// The keys of `convert`'s JSON Lines output: the header, so that every object holds every key in
/// the header's order, with `""` where a record has no such key (as CSV output pads it).
///
/// When the input's columns are not known before reading (JSON, no header row, padded ragged rows)
/// the header grows as records bring new keys (first-seen order, as the readers' `columns`). A
/// record written before a key appeared lacks it; ``needsAnotherPass(final:)`` then says the
/// output must be written again with the reader's final columns.
struct JSONLinesKeys {
    /// The header so far.
    private(set) var columns: [Column]
    private var position: [String: Int] = [:]
    /// Whether a record has been written.
    private var wrote = false
    /// Whether a key appeared after a record was written.
    private var grewAfterWrite = false
    /// The record columns ``layout(_:)`` last saw, and where each lies in the header.
    private var lastColumns: [Column] = []
    private var lastSlots: [Int] = []
    private var lastInOrder = true

    /// Starts with `columns` (the final header, or what the reader knows before its first record).
    init(_ columns: [Column]) {
        self.columns = columns
        for (i, c) in columns.enumerated() where position[c.header] == nil { position[c.header] = i }
    }

    /// Where a record with `recordColumns` puts its values: in order (its columns are the header's
    /// first ones), or through ``slot(_:)``. Adds the keys the header lacks.
    @inline(__always) mutating func layout(_ recordColumns: [Column]) -> Bool {
        if recordColumns == lastColumns { return lastInOrder }
        lastColumns = recordColumns
        lastSlots.removeAll(keepingCapacity: true)
        var inOrder = true
        for (k, c) in recordColumns.enumerated() {
            let p: Int
            if let known = position[c.header] {
                p = known
            } else {
                p = columns.count
                position[c.header] = p
                columns.append(c)
                if wrote { grewAfterWrite = true }
            }
            if p != k { inOrder = false }
            lastSlots.append(p)
        }
        lastInOrder = inOrder
        return inOrder
    }

    /// The header position of the `k`th column of the record last given to ``layout(_:)``.
    @inline(__always) func slot(_ k: Int) -> Int { lastSlots[k] }

    /// Notes that a record was written.
    @inline(__always) mutating func recordWritten() { wrote = true }

    /// Whether records were written without keys the input turned out to have: a key appeared after
    /// the first record was written, or the reader's `final` columns (which count keys of records
    /// skipped as empty) differ from the header the records got.
    func needsAnotherPass(final: [Column]) -> Bool {
        grewAfterWrite || (wrote && final.map(\.header) != columns.map(\.header))
    }
}
