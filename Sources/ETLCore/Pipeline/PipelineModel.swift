/// A pipeline file: a name and its stages, read top to bottom.
public struct Pipeline: Sendable {
    /// The pipeline's name (used for `output/<name>/`).
    public var name: String
    /// The pipeline file's path as given.
    public var file: String
    /// The folder paths in the file resolve against.
    public var directory: String
    /// The read stage (required, first).
    public var read: ReadStage
    /// The stages between read and normalise (`filter`, `group`, `explode`), in file order.
    public var rowStages: [RowStage] = []
    /// The normalise stage.
    public var normalise: NormaliseStage?
    /// The validate stage.
    public var validate: ValidateStage?
    /// The upload stage.
    public var upload: UploadStage?
    /// The export stage.
    public var export: ExportStage?
    /// The reconcile stage.
    public var reconcile: ReconcileStage?
    /// Warnings about the file (a secret written in it): `check` prints them, a run prints them once.
    public var warnings: [ConfigDiagnostic] = []
    /// Every source column the file names (`from`, `synonyms`, `template`, `coalesce`, `when`,
    /// `group.by`/`collect`, `filter`, `explode`), with where it is written, for the header check.
    public var columnReferences: [ColumnReference] = []

    /// The group stage, when the pipeline has one.
    public var group: GroupStage? {
        for case .group(let g) in rowStages { return g }
        return nil
    }

    /// The target service the pipeline feeds, from upload or validate.
    public var target: TargetService? {
        upload?.target ?? validate?.ruleSets.first?.service
    }
}

/// `read:` — which file and how.
public struct ReadStage: Sendable {
    /// The input path, resolved against the pipeline's folder.
    public var path: String
    /// Reader options (sheet, header row, delimiter, encoding, policies, records path).
    public var options: ReadOptions
    /// The source column that identifies a product across runs and systems.
    public var key: String?
    /// Whether the file sets `encoding:` itself (then bytes read by its fallback are warnings, not errors).
    public var encodingExplicit = false
}

/// How a field's source text becomes the target value.
public struct FieldSpec: Sendable {
    /// The target field name.
    public var name: String
    /// Source column names: the header, then synonyms, matched exactly, then case- and space-insensitively.
    public var from: [String] = []
    /// A constant value instead of a column.
    public var constant: String?
    /// A template such as `{Brand} {Style Name}`.
    public var template: String?
    /// The value used when the result is empty.
    public var defaultValue: String?
    /// Trim leading and trailing white space.
    public var trim: Bool = true
    /// Collapse runs of inner white space to one space.
    public var collapseWhitespace: Bool = true
    /// Unicode NFC normalisation.
    public var nfc: Bool = true
    /// Case change.
    public var letterCase: LetterCase?
    /// Regex extraction (first capture group, or the whole match).
    public var extract: String?
    /// Regex replacements, in order.
    public var replacements: [(pattern: String, with: String)] = []
    /// Value map (source text → target text), matched exactly, then case-insensitively.
    public var map: [(String, String)]?
    /// What to do with a value the map does not list.
    public var onUnmapped: UnmappedPolicy = .keep
    /// A lookup from a CSV mapping table.
    public var lookup: LookupSpec?
    /// Split into a list on this separator.
    public var split: String?
    /// After `split`, keep only this 1-based item (`Gallery` → its 2nd URL).
    public var item: Int?
    /// Join a list with this separator.
    public var join: String?
    /// The type the value becomes.
    public var type: FieldType = .string
    /// Accept a decimal comma (`49,90`) in numbers.
    public var decimalComma: Bool = false
    /// Explicit date patterns (`dd/MM/yyyy`), tried after Excel dates and ISO 8601.
    public var dateFormats: [String] = []
    /// `html: text`: strip tags and decode entities before the other cleaning.
    public var htmlToText = false
    /// `coalesce: [A, B, C]`: the first of these columns that is not empty.
    public var coalesce: [String] = []
    /// `when:`: the first rule whose condition holds gives the value.
    public var when: [WhenRule] = []
    /// `else:` of `when` (a value or a template); nil keeps the column's value.
    public var otherwise: String?
    /// `truncate: N` (or `max`, resolved against the target's documented limit).
    public var truncate: Truncation?
    /// `currency:`: the target field that receives the currency of an `as: price` value.
    public var currencyField: String?
    /// Where `item:` is written when it has no `split:` (it then needs a collected column).
    public var itemLine: (line: Int, column: Int)?
    /// Where the date format is written (for the day/month swap error).
    public var dateFormatLine: Int = 0
    /// Its column.
    public var dateFormatColumn: Int = 0
    /// Where the field spec is in the pipeline file (for messages).
    public var line: Int = 0
}

/// Upper, lower or title case.
public enum LetterCase: String, Sendable, CaseIterable {
    /// `SS26`.
    case upper
    /// `ss26`.
    case lower
    /// `Ss26 Riviera`.
    case title
}

/// What a value map or lookup does with a value it does not list.
public enum UnmappedPolicy: String, Sendable, CaseIterable {
    /// Keep the value as it is (counted as a fallback).
    case keep
    /// Drop the value (the field becomes null; counted).
    case null
    /// An error on the row (quarantined).
    case error
}

/// The type a normalised field takes.
public enum FieldType: String, Sendable, CaseIterable {
    /// Text.
    case string
    /// A whole number.
    case integer
    /// A number.
    case number
    /// true / false.
    case boolean
    /// An ISO 8601 date-time (`2026-03-01T00:00:00`).
    case datetime
    /// An ISO 8601 date (`2026-03-01`).
    case date
    /// A list of strings (with `split`).
    case list
    /// A price: currency symbols or codes, thousands separators and decimal commas read; the amount.
    case price
}

/// How long a truncated value may be.
public enum Truncation: Sendable, Equatable {
    /// At most this many characters.
    case length(Int)
    /// The target's documented maximum length for the field.
    case targetMax
}

/// A test on a source column, as `when.if` and `filter.where` write it.
public struct Condition: Sendable {
    /// What the column's value is compared with.
    public enum Test: Sendable {
        /// Equal (trimmed, case-insensitive).
        case equals(String)
        /// The regular expression finds a match.
        case matches(String)
        /// One of the values (trimmed, case-insensitive).
        case isIn([String])
        /// Empty (true) or not empty (false).
        case empty(Bool)
    }
    /// The source column.
    public var column: String
    /// The test.
    public var test: Test
    /// Negated (`not: true`).
    public var negated = false

    /// Creates a condition.
    public init(column: String, test: Test, negated: Bool = false) {
        self.column = column
        self.test = test
        self.negated = negated
    }
}

/// One `when:` rule: when the condition holds, the field takes `then` (a value or a `{Column}` template).
public struct WhenRule: Sendable {
    /// The condition.
    public var condition: Condition
    /// The value or template.
    public var then: String
}

/// A source column the pipeline file names, and where.
public struct ColumnReference: Sendable, Hashable {
    /// The names: the column, then its synonyms (the reference is met when any is in the file).
    public var names: [String]
    /// What names it (`normalise.fields.name.from`, `group.by`).
    public var role: String
    /// The line in the pipeline file.
    public var line: Int
    /// The column in the pipeline file.
    public var column: Int
}

/// A stage between read and normalise.
public enum RowStage: Sendable {
    /// `filter:` drops rows on purpose.
    case filter(FilterStage)
    /// `group:` makes one record of the rows with equal `by` values.
    case group(GroupStage)
    /// `explode:` makes one record of each item of a column.
    case explode(ExplodeStage)
}

/// `filter:` — keeps the rows where every `where` condition holds; the others are counted as
/// `rows_filtered`, never quarantined.
public struct FilterStage: Sendable {
    /// The conditions, all of which must hold.
    public var conditions: [Condition]
}

/// `group:` — rows with equal `by` values become one record.
public struct GroupStage: Sendable {
    /// The columns whose values identify a group.
    public var by: [String]
    /// Columns that become lists of their non-empty values in row order, duplicates removed.
    public var collect: [String]
    /// `variants:` — a list of objects, one per row that has any of the fields.
    public var variants: VariantsSpec?
}

/// `group.variants:` — one object per row of a group, named `into`.
public struct VariantsSpec: Sendable {
    /// The name of the list (a column of the grouped record).
    public var into: String
    /// Object key → source column, in order.
    public var fields: [(key: String, column: String)]
}

/// `explode:` — one record per item of a column (`S|M|L` → three records), each keeping its row.
public struct ExplodeStage: Sendable {
    /// The column to explode (a text column split on `separator`, a collected column, or the group's variants).
    public var column: String
    /// The separator of a text column.
    public var separator: String
}

/// A lookup from a CSV mapping table.
public struct LookupSpec: Sendable {
    /// The CSV file, resolved against the pipeline's folder.
    public var file: String
    /// Its column holding the source values.
    public var keyColumn: String
    /// Its column holding the target values.
    public var valueColumn: String
    /// What to do with a value the table does not list.
    public var onMissing: UnmappedPolicy = .keep
}

/// Where columns that no field maps go.
public enum UnmappedColumns: Sendable, Equatable {
    /// Into one object field (Sartiq's `brand_metadata`).
    case into(String)
    /// As top-level fields named by their headers.
    case keep
    /// Dropped (only when the pipeline says so).
    case drop
}

/// `normalise:` — the field mapping and the cleaning defaults.
public struct NormaliseStage: Sendable {
    /// The fields, in order.
    public var fields: [FieldSpec]
    /// Where unmapped columns go.
    public var unmapped: UnmappedColumns
}

/// A documented rule set of a target API.
public struct RuleSetName: Sendable, Hashable {
    /// The service.
    public var service: TargetService
    /// The rule set (`product_create`).
    public var name: String
    /// `service.name`.
    public var qualified: String { "\(service.rawValue).\(name)" }
}

/// A severity of a validation issue.
public enum Severity: String, Sendable, Hashable, CaseIterable {
    /// The row is quarantined.
    case error
    /// Reported; the row goes on.
    case warning
}

/// A rule the user adds in the pipeline on top of the target's documented limits.
public struct UserRule: Sendable {
    /// The field it checks.
    public var field: String
    /// What it checks.
    public var check: FieldCheck
    /// error (quarantine) or warning.
    public var severity: Severity
}

/// One check on a field value.
public enum FieldCheck: Sendable {
    /// Not empty.
    case required
    /// At least n code points.
    case minLength(Int)
    /// At most n code points.
    case maxLength(Int)
    /// Matches the regex (whole value).
    case pattern(String)
    /// One of the listed values.
    case oneOf([String])
    /// A whole number within bounds.
    case integer(min: Double?, max: Double?)
    /// A number within bounds.
    case number(min: Double?, max: Double?)
    /// An absolute http(s) URL.
    case url
    /// A UUID.
    case uuid
    /// An RFC 3339 date-time.
    case dateTime
    /// true / false.
    case boolean
    /// Unique across the catalog.
    case unique
    /// A JSON object.
    case object
    /// A list whose items are absolute http(s) URLs.
    case urlList
    /// An image as Sartiq's page takes one ("URL, base64 string, or MediaInput"): an absolute http(s)
    /// URL, base64 image data (bare, or a `data:image/…;base64,` URL) or a MediaInput object (see
    /// ``RecordValidator/isImageInput(_:)``).
    case image
    /// A list whose items are images as ``image`` takes them.
    case imageList
    /// A list with at most n items.
    case maxItems(Int)
    /// Empty or equal to the upload stage's `collection` (Sartiq's `brand_collection`): a run lists,
    /// adopts and reconciles that one collection, so a product sent to another would be outside
    /// every listing and created again by the next run.
    case collection(String)

    /// The rule's name in reports (`max_length`).
    public var ruleName: String {
        switch self {
        case .required: return "required"
        case .minLength: return "min_length"
        case .maxLength: return "max_length"
        case .pattern: return "pattern"
        case .oneOf: return "one_of"
        case .integer: return "integer"
        case .number: return "number"
        case .url: return "url"
        case .uuid: return "uuid"
        case .dateTime: return "date_time"
        case .boolean: return "boolean"
        case .unique: return "unique"
        case .object: return "object"
        case .urlList: return "url"
        // Reported under the same rule as a URL: the image reference check, widened.
        case .image, .imageList: return "url"
        case .maxItems: return "max_items"
        case .collection: return "collection"
        }
    }
}

/// What a validate stage does with a row that has an error.
public enum ErrorPolicy: String, Sendable, CaseIterable {
    /// Put the row in the quarantine file; the others go on.
    case quarantine
    /// Stop the run.
    case fail
}

/// `validate:` — the target limits and the user's rules.
public struct ValidateStage: Sendable {
    /// The documented rule sets to apply.
    public var ruleSets: [RuleSetName]
    /// Fields whose values must be unique across the catalog.
    public var unique: [String]
    /// The user's rules.
    public var rules: [UserRule]
    /// Quarantine or fail.
    public var onError: ErrorPolicy
    /// The most quarantined rows a run may have and still exit 0 (`max_quarantined`, default 0).
    public var maxQuarantined = 0
}

/// `upload:` — where and how fast to send (used by the upload stage).
public struct UploadStage: Sendable {
    /// The service.
    public var target: TargetService
    /// `sandbox`, or the service's origin URL.
    public var endpoint: String
    /// Credentials by name (`username`, `password`, `token`, `api_key`, `namespace`, `key`, `secret`);
    /// values come from the environment and are never printed.
    public var credentials: [String: String]
    /// The seasonal collection (Pixyle collection name, Sartiq `brand_collection`, Mixpeek bucket, …).
    public var collection: String?
    /// Records per request where the service takes batches.
    public var batchSize: Int?
    /// Requests per second, when set (`5/s`, `1000/h`).
    public var rate: Double?
    /// Requests in flight at once.
    public var concurrency: Int?
    /// Attempts per request before an item fails.
    public var maxAttempts: Int?
    /// The whole-request deadline in seconds (`timeout:`, default 60 s), reading the answer included.
    public var timeoutSeconds: Double?
    /// The longest `Retry-After` waited, in seconds (`max_wait:`, default 10 min); a longer one ends
    /// the upload to this service (exit 4).
    public var maxWaitSeconds: Double?
    /// The stand-in's settings by name (`sandbox: { settings: { pixyleUploadsPerSecond: 20 } }`), for
    /// `endpoint: sandbox` only: the names are the sandbox's `--setting` names, the values as written.
    public var sandboxSettings: [String: String] = [:]
}

/// `export:` — what to fetch back from the service.
public struct ExportStage: Sendable {
    /// The export format where the service offers several (Pixyle: xlsx, csv, json).
    public var format: String?
    /// How long to wait for processing, in seconds.
    public var waitSeconds: Double?
}

/// How reconcile compares one field.
public enum Comparison: Sendable, Equatable {
    /// Equal text.
    case exact
    /// Equal ignoring case.
    case caseInsensitive
    /// Numbers equal within a tolerance.
    case numeric(tolerance: Double)
}

/// `reconcile:` — which fields to compare and when to fail.
public struct ReconcileStage: Sendable {
    /// Fields and how to compare them.
    public var compare: [(field: String, how: Comparison)]
    /// Class → the most rows allowed in it before the command exits 1.
    public var failOn: [String: Int]
}
