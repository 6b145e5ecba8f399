/// `read`: opens the input with the row steps in front of it, so the record pass pulls records
/// that have been read, filtered, grouped and exploded.
struct ReadStep: RunStep {
    let name = "read"
    /// The stage's settings.
    let stage: ReadStage

    /// The reader settings of a run: the stage's, unless `--input` names another kind of file (then
    /// the sheet and layout settings do not apply) or `--sheet` (or an input that is a run's own
    /// `quarantine.xlsx`) picks the sheet.
    func readOptions(_ options: RunOptions) -> ReadOptions {
        var readOptions = stage.options
        if let override = options.inputOverride,
            InputFormat.forPath(override) != (stage.options.format ?? InputFormat.forPath(stage.path))
        {
            // Another kind of file (e.g. the quarantine CSV of an XLSX pipeline): the sheet and layout settings do not apply.
            readOptions.sheet = nil
            readOptions.headerRow = 1
            readOptions.delimiter = nil
            readOptions.recordsPath = nil
            readOptions.format = nil
        }
        if let sheet = options.sheet {
            readOptions.sheet = .name(sheet)
        } else if let override = options.inputOverride, InputFormat.forPath(override) == .xlsx,
            PipelineRunner.isQuarantineWorkbook(override)
        {
            readOptions.sheet = .name(QuarantineSpool.sheetName)
            readOptions.headerRow = 1
        }
        return readOptions
    }

    /// Opens the input with `rows` in front: the source reader (for its columns and encoding
    /// problems), the reader the normalise step pulls from, and the row steps' counts.
    /// With `checkColumns`, every column the pipeline names must be in the input's header.
    /// - Throws: ``ReadError``, ``ConfigError`` (a column the input lacks: exit 2, before any row is used).
    func open(
        _ pipeline: Pipeline, path: String, options: ReadOptions, rows: [RowStep], directory: String,
        checkColumns: Bool
    ) throws -> (source: any RecordReader, reader: any RecordReader, counts: RowStageCounts) {
        let opened = try Readers.open(path, options: options)
        // Read back from its own quarantine file, a value keeps the text it had before the escape.
        var reader: any RecordReader = QuarantineFileReader(unescaping: opened) ?? opened
        if checkColumns && !pipeline.columnReferences.isEmpty {
            if opened is JSONRecordReader { reader = try PeekReader(reader, count: ColumnCheck.jsonSampleRecords) }
            let problems = ColumnCheck.problems(pipeline, columns: reader.columns, input: path)
            if !problems.isEmpty { throw ConfigError(problems) }
        }
        let counts = RowStageCounts()
        guard !rows.isEmpty else { return (reader, reader, counts) }
        var chained: any RecordReader = CountingReader(reader, counts: counts)
        var group: GroupStage? = nil
        for step in rows {
            chained = step.wrap(chained, counts: counts, group: group, spillDirectory: directory)
            if case .group(let g) = step.stage { group = g }
        }
        return (reader, chained, counts)
    }
}
