import Foundation

/// Checks the columns a pipeline file names against the header of its input, so a misspelt
/// column is an error before any row is read instead of a field that is silently null.
public enum ColumnCheck {
    /// How many records of a JSON file are read for its keys.
    public static let jsonSampleRecords = 200

    /// The input's columns: the header row of CSV, TSV and XLSX; the keys of the first records of JSON.
    /// - Throws: ``ReadError``.
    public static func columns(of path: String, options: ReadOptions) throws -> [Column] {
        let reader = try Readers.open(path, options: options)
        if reader is JSONRecordReader { _ = try PeekReader(reader, count: jsonSampleRecords) }
        return reader.columns
    }

    /// The diagnostics for every column `pipeline` names that its input (or `input`, read with the
    /// pipeline's read options; the sheet only applies to another workbook) lacks.
    /// - Throws: ``ReadError`` when the input cannot be read.
    public static func check(_ pipeline: Pipeline, input: String?) throws -> [ConfigDiagnostic] {
        var options = pipeline.read.options
        if let input, InputFormat.forPath(input) != .xlsx {
            // Another kind of file than the pipeline reads: the sheet setting does not apply.
            options.sheet = nil
            options.format = nil
        }
        let path = input ?? pipeline.read.path
        return problems(pipeline, columns: try columns(of: path, options: options), input: path)
    }

    /// `error` with the column problems of the pipeline it carries (``ConfigError/partial``) added in
    /// file order, so one check reports a misspelt column beside the file's other problems instead
    /// of only after they are fixed. An input that cannot be read adds nothing (the run says so).
    public static func adding(to error: ConfigError, input: String?) -> ConfigError {
        guard let pipeline = error.partial, !pipeline.columnReferences.isEmpty,
            let extra = try? check(pipeline, input: input), !extra.isEmpty
        else { return error }
        let merged = (error.diagnostics + extra).enumerated().sorted { a, b in
            let (l, r) = ((a.element.line ?? 0, a.element.column ?? 0), (b.element.line ?? 0, b.element.column ?? 0))
            return l != r ? l < r : a.offset < b.offset
        }
        var seen = Set<ConfigDiagnostic>()
        return ConfigError(merged.map(\.element).filter { seen.insert($0).inserted }, partial: pipeline)
    }

    /// The diagnostics for every column the pipeline names that `columns` lacks (a reference with
    /// synonyms is met by any of them), and for lookup tables without their key or value column.
    /// - Parameters:
    ///   - pipeline: the pipeline.
    ///   - columns: the input's columns.
    ///   - input: the input file, for messages.
    /// - Returns: the diagnostics, located in the pipeline file, with "did you mean".
    public static func problems(_ pipeline: Pipeline, columns: [Column], input: String) -> [ConfigDiagnostic] {
        var headers = columns.map(\.header)
        if let v = pipeline.group?.variants { headers.append(v.into) }
        let exact = Set(headers)
        let folded = Set(headers.map(TextCleaning.fold))
        func present(_ name: String) -> Bool { exact.contains(name) || folded.contains(TextCleaning.fold(name)) }
        let lines = (try? String(contentsOfFile: pipeline.file, encoding: .utf8))?.split(
            separator: "\n", omittingEmptySubsequences: false)
        func sourceLine(_ line: Int) -> String? {
            guard let lines, line >= 1, line <= lines.count else { return nil }
            return String(lines[line - 1]).replacingOccurrences(of: "\t", with: " ")
        }
        var out: [ConfigDiagnostic] = []
        var seen = Set<ColumnReference>()
        let shownColumns =
            headers.prefix(40).map { "\"\($0)\"" }.joined(separator: ", ") + (headers.count > 40 ? ", …" : "")
        for ref in pipeline.columnReferences where !seen.contains(ref) {
            seen.insert(ref)
            guard !ref.names.contains(where: present) else { continue }
            let what =
                ref.names.count == 1
                ? "column \"\(ref.names[0])\""
                : "none of the columns \(ref.names.map { "\"\($0)\"" }.joined(separator: ", "))"
            var msg = "\(what) (\(ref.role)) is not in \(input)"
            if ref.names.count == 1, !RecordNormaliser.placeholders(ref.names[0]).isEmpty,
                RecordNormaliser.placeholders(ref.names[0]).allSatisfy(present)
            {
                // A template written where a column name goes: say how a template is written.
                msg += "; a template is written { template: \"\(ref.names[0])\" }"
            } else if let s = ref.names.lazy.compactMap({ Suggest.closest(to: $0, in: headers) }).first {
                msg += "; did you mean \"\(s)\"?"
            } else {
                msg += "; its columns are \(shownColumns)"
            }
            out.append(
                ConfigDiagnostic(
                    file: pipeline.file, line: ref.line, column: ref.column, message: msg,
                    sourceLine: sourceLine(ref.line)
                ))
        }
        for spec in pipeline.normalise?.fields ?? [] {
            guard let l = spec.lookup, let table = try? Readers.open(l.file) else { continue }
            let tableColumns = table.columns.map(\.header)
            for name in [l.keyColumn, l.valueColumn] where !tableColumns.contains(name) {
                var msg =
                    "lookup column \"\(name)\" (normalise.fields.\(spec.name).lookup) is not in \(l.file)"
                if let s = Suggest.closest(to: name, in: tableColumns) {
                    msg += "; did you mean \"\(s)\"?"
                } else {
                    msg += "; its columns are \(tableColumns.map { "\"\($0)\"" }.joined(separator: ", "))"
                }
                out.append(
                    ConfigDiagnostic(
                        file: pipeline.file, line: spec.line, column: nil, message: msg, sourceLine: nil))
            }
        }
        return out.sorted { ($0.line ?? 0, $0.column ?? 0) < ($1.line ?? 0, $1.column ?? 0) }
    }
}
