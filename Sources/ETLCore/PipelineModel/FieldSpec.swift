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
