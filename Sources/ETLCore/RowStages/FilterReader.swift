import Foundation

/// The `filter` stage: passes on the rows where every `where` condition holds and counts the
/// others as filtered (on purpose: they are never quarantined).
final class FilterReader: RecordReader {
    let base: any RecordReader
    let stage: FilterStage
    let counts: RowStageCounts
    private var lookup = ColumnLookup()
    private var regexes: [String: NSRegularExpression] = [:]

    init(_ base: any RecordReader, stage: FilterStage, counts: RowStageCounts) {
        self.base = base
        self.stage = stage
        self.counts = counts
        for c in stage.conditions {
            if case .matches(let p) = c.test { regexes[p] = try? NSRegularExpression(pattern: p) }
        }
    }

    var file: String { base.file }
    var sheet: String? { base.sheet }
    var columns: [Column] { base.columns }
    var warnings: WarningLog { base.warnings }

    func next() throws -> Record? {
        while let r = try base.next() {
            if stage.conditions.allSatisfy({ holds($0, in: r) }) { return r }
            counts.filtered += 1
        }
        return nil
    }

    /// Whether `c` holds for `record` (values trimmed; equals and in ignore case).
    func holds(_ c: Condition, in record: Record) -> Bool {
        var v = ""
        if let i = lookup.index(of: c.column, in: record.columns), i < record.values.count {
            v = TextCleaning.trim(record.values[i].canonicalText)
        }
        return Condition.test(c, value: v, regex: { regexes[$0] })
    }
}
