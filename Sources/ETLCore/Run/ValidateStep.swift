/// `validate`: checks each normalised record against the target's rule sets and the file's rules
/// (``RecordValidator``), its key (rule `key`) and the bytes of its cells (rule `encoding`). Without
/// a `validate` stage the record pass still runs it with no rules of the file's own.
struct ValidateStep: RunStep {
    let name = "validate"
    /// The stage's settings (nil when the file declares none).
    let stage: ValidateStage?

    /// The checks the record pass applies to each record.
    /// - Parameters:
    ///   - keyField: the target's key field.
    ///   - source: the input's own reader (a CSV reader reports bytes that were not UTF-8).
    func start(_ pipeline: Pipeline, keyField: String?, source: any RecordReader) -> Checks {
        let validator = RecordValidator(
            stage: stage, keyField: stage == nil ? nil : keyField, upload: pipeline.upload)
        if let name = PipelineRunner.recordKeyCheckName(pipeline, keyField: keyField, validator: validator) {
            validator.checkRecordKey(named: name)
        }
        return Checks(
            validator: validator, pipeline: pipeline, keyField: keyField, csvReader: source as? CSVRecordReader)
    }

    /// The validate step's work on one record, called from the record pass's loop.
    struct Checks {
        /// The rule checks, and the unique keys seen so far (their repeats are quarantined after the pass).
        let validator: RecordValidator
        let pipeline: Pipeline
        let keyField: String?
        let csvReader: CSVRecordReader?

        /// Adds the issues of `normalised` (made from `record`) to `issues`.
        @inline(__always)
        func apply(_ normalised: NormalisedRecord, record: Record, issues: inout [RecordIssue]) {
            validator.validate(normalised, issues: &issues)
            if let key = normalised.key, let problem = KeyCheck.problem(in: key) {
                issues.append(
                    PipelineRunner.keyIssue(problem, key: key, record: record, pipeline: pipeline, keyField: keyField))
            }
            if let csvReader, csvReader.hasEncodingProblems {
                PipelineRunner.appendEncodingIssues(
                    csvReader.encodingProblems, record: record, explicit: pipeline.read.encodingExplicit,
                    to: &issues)
            }
        }
    }
}
