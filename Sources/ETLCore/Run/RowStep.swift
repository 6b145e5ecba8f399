/// `filter`, `group` or `explode`: one step per row stage of the pipeline file, each a reader
/// wrapped around the one before it (``FilterReader``, ``GroupingReader``, ``ExplodeReader``).
struct RowStep: RunStep {
    /// The stage's settings.
    let stage: RowStage

    var name: String {
        switch stage {
        case .filter: "filter"
        case .group: "group"
        case .explode: "explode"
        }
    }

    /// The reader of this step over `reader`.
    /// - Parameters:
    ///   - counts: the counts every row step adds to (rows read, filtered, bytes spilled).
    ///   - group: the group stage before this one, if any (an `explode` of its variants needs it).
    ///   - spillDirectory: where a group step may write its spill files (the run folder).
    func wrap(_ reader: any RecordReader, counts: RowStageCounts, group: GroupStage?, spillDirectory: String)
        -> any RecordReader
    {
        switch stage {
        case .filter(let f): FilterReader(reader, stage: f, counts: counts)
        case .group(let g): GroupingReader(reader, stage: g, counts: counts, spillDirectory: spillDirectory)
        case .explode(let e): ExplodeReader(reader, stage: e, group: group)
        }
    }
}
