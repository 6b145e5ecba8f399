/// `normalise`: maps each record's columns onto the target's fields with their transforms
/// (``RecordNormaliser``). Without a `normalise` stage the record pass still runs it, and the
/// columns pass through as they are.
struct NormaliseStep: RunStep {
    let name = "normalise"
    /// The stage's settings (nil when the file declares none).
    let stage: NormaliseStage?
    /// The read stage's key column.
    let keyColumn: String?

    /// The normaliser the record pass calls once per record (`normalise(_:issues:)`, a concrete call).
    /// - Parameter keyField: the target's key field.
    /// - Throws: ``ReadError`` (a lookup file), ``ConfigError``.
    func start(keyField: String?) throws -> RecordNormaliser {
        try RecordNormaliser(stage: stage, keyColumn: keyColumn, keyField: keyField)
    }

    /// After the last record: a `date_format` that the column's values show is written the other way
    /// round is an error of the pipeline file (exit 2), and nothing is sent.
    /// - Throws: ``ConfigError`` located at the field's `date_format`.
    func finish(_ normaliser: RecordNormaliser, pipeline: Pipeline) throws {
        guard let problem = normaliser.dateSwapProblems.first, let spec = normaliser.spec(named: problem.field) else {
            return
        }
        throw ConfigError([
            ConfigDiagnostic(
                file: pipeline.file, line: spec.dateFormatLine, column: spec.dateFormatColumn,
                message:
                    "date_format \"\(problem.given)\" reads only \(problem.read) of the \(problem.total) values of \"\(problem.field)\"\(problem.example.map { " (not \"\($0)\")" } ?? ""), and read the other way round every value is a date: the column is written \"\(problem.likely)\"; write date_format: \(problem.likely). No value of the column is sent, so no month is read wrongly"
            )
        ])
    }
}
