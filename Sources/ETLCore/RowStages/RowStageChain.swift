/// Opens a pipeline's input with the stages between read and normalise in front of it.
public enum RowStageChain {
    /// The reader the normalise stage pulls from, and the counts of what the stages did.
    /// - Parameters:
    ///   - base: the input's reader.
    ///   - stages: the pipeline's `filter`, `group` and `explode` stages, in order.
    ///   - spillDirectory: where the group stage may write its spill files (the run folder).
    /// - Returns: `base` itself when there are no stages.
    public static func wrap(_ base: any RecordReader, stages: [RowStage], spillDirectory: String) -> (
        reader: any RecordReader, counts: RowStageCounts
    ) {
        let counts = RowStageCounts()
        guard !stages.isEmpty else { return (base, counts) }
        var reader: any RecordReader = CountingReader(base, counts: counts)
        var group: GroupStage? = nil
        for stage in stages {
            switch stage {
            case .filter(let f): reader = FilterReader(reader, stage: f, counts: counts)
            case .group(let g):
                group = g
                reader = GroupingReader(reader, stage: g, counts: counts, spillDirectory: spillDirectory)
            case .explode(let e): reader = ExplodeReader(reader, stage: e, group: group)
            }
        }
        return (reader, counts)
    }
}
