public import OrderedJSON

/// The counts a run reports in `summary.json`.
public struct RunSummary: Sendable {
    /// The pipeline's name.
    public var pipeline: String
    /// The run's id (its folder name).
    public var runID: String
    /// Whether nothing was sent.
    public var dryRun: Bool
    /// The input file read.
    public var input: String
    /// The sheet read (XLSX).
    public var sheet: String?
    /// Source rows read (non-empty rows).
    public var rowsRead = 0
    /// Source rows whose record passed validation.
    public var rowsValid = 0
    /// Source rows whose record was quarantined (every row of a quarantined group).
    public var rowsQuarantined = 0
    /// Source rows a `filter` stage dropped on purpose.
    public var rowsFiltered = 0
    /// Records after the group and explode stages (equal to the rows read without them).
    public var records = 0
    /// Records that passed validation (one line each in `normalised.jsonl`).
    public var recordsValid = 0
    /// Records quarantined.
    public var recordsQuarantined = 0
    /// Per target field: how many records had it empty, defaulted, mapped, truncated or fell back.
    public var fieldCounts: [FieldCounts] = []
    /// Issues by severity.
    public var errors = 0
    /// Warnings (issues of severity warning).
    public var warnings = 0
    /// Issues by rule.
    public var issuesByRule: [String: Int] = [:]
    /// Issues by field.
    public var issuesByField: [String: Int] = [:]
    /// Fallback values: field → kind → value → count.
    public var fallbacks: [Fallback: Int] = [:]
    /// Reader warnings (first ones) and their total.
    public var readerWarnings = WarningLog()
    /// When the run started (ISO 8601 UTC).
    public var startedAt = ""
    /// Seconds the run took.
    public var seconds = 0.0
    /// How the run ended: `ok`, `failed` or `interrupted` (top-level `"status"` of `summary.json`).
    public var status = RunSummary.ok
    /// Extra sections added by later stages (`upload`, `reconciliation`).
    public var sections: [(String, JSONValue)] = []
    /// Why a failed run stopped, and its exit code.
    public var failure: (reason: String, exitCode: Int32)?
    /// The pipeline's `validate.max_quarantined`: more quarantined rows than this exit 1.
    public var maxQuarantined = 0

    /// The summary as `summary.json`'s object.
    public var json: JSONValue {
        func counts(_ d: [String: Int]) -> JSONValue {
            .obj(
                d.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map {
                    ($0.key, .int($0.value))
                })
        }
        let fb = fallbacks.sorted {
            $0.value != $1.value
                ? $0.value > $1.value
                : ($0.key.field, $0.key.kind, $0.key.value) < ($1.key.field, $1.key.kind, $1.key.value)
        }
        var pairs: [(String, JSONValue)] = [
            ("pipeline", .string(pipeline)), ("run_id", .string(runID)), ("status", .string(status)),
            ("dry_run", .bool(dryRun)),
            ("input", .string(input)), ("sheet", sheet.map { .string($0) } ?? .null),
            ("rows_read", .int(rowsRead)), ("rows_valid", .int(rowsValid)), ("rows_quarantined", .int(rowsQuarantined)),
            ("rows_filtered", .int(rowsFiltered)), ("records", .int(records)), ("records_valid", .int(recordsValid)),
            ("records_quarantined", .int(recordsQuarantined)),
            ("issues", .obj([("error", .int(errors)), ("warning", .int(warnings))])),
            ("issues_by_rule", counts(issuesByRule)), ("issues_by_field", counts(issuesByField)),
            (
                "fallbacks",
                .array(
                    fb.map {
                        .obj([
                            ("field", .string($0.key.field)), ("kind", .string($0.key.kind)),
                            ("value", .string($0.key.value)), ("count", .int($0.value)),
                        ])
                    })
            ),
            (
                "mapping",
                .array(
                    fieldCounts.map {
                        .obj([
                            ("field", .string($0.field)), ("mapped", .int($0.mapped)), ("empty", .int($0.empty)),
                            ("defaulted", .int($0.defaulted)), ("truncated", .int($0.truncated)),
                            ("fell_back", .int($0.fellBack)),
                        ])
                    })
            ),
            (
                "reader_warnings",
                .obj([
                    ("total", .int(readerWarnings.total)),
                    ("first", .array(readerWarnings.warnings.prefix(50).map { .string($0.description) })),
                ])
            ),
            ("max_quarantined", .int(maxQuarantined)),
            ("started_at", .string(startedAt)), ("seconds", .number(String(format3(seconds)))),
        ]
        if let failure {
            pairs.append(
                ("failure", .obj([("reason", .string(failure.reason)), ("exit_code", .int(Int(failure.exitCode)))])))
        }
        pairs += sections
        return .obj(pairs)
    }

    func format3(_ x: Double) -> String {
        let ms = Int((x * 1000).rounded())
        let frac = String(ms % 1000)
        return "\(ms / 1000).\(String(repeating: "0", count: 3 - frac.count))\(frac)"
    }
}
