/// One cell's value as a reader found it, before any normalisation.
///
/// Every reader produces these; ``canonicalText`` renders them the same way wherever a text form
/// is needed (convert, reports, hashes), as the readers issue defines it.
public enum CellValue: Sendable, Hashable {
    /// An empty cell, a missing cell in a sparse row, or JSON `null`.
    case empty
    /// Text exactly as stored (no trimming; OOXML `_xHHHH_` escapes already decoded).
    case text(String)
    /// A spreadsheet number (IEEE double).
    case number(Double)
    /// A JSON number, kept as its exact source text (no `0.1 → 0.1000000000000000055`).
    case decimal(String)
    /// A boolean (`TRUE` / `FALSE`).
    case bool(Bool)
    /// A date or date-time (from a date-formatted spreadsheet number).
    case date(LocalDateTime)
    /// A spreadsheet error literal such as `#N/A` or `#DIV/0!`.
    case error(String)

    /// The canonical text form shared by every reader and writer.
    ///
    /// Integral numbers below 10^15 in magnitude print without a decimal point (`42`); other
    /// numbers print in the shortest round-tripping form (`19.99`, `1e-05`); dates as ISO 8601;
    /// booleans as `TRUE` / `FALSE`; errors as their literal; empty as the empty string.
    public var canonicalText: String {
        switch self {
        case .empty: return ""
        case .text(let s): return s
        case .number(let d): return CellValue.canonicalNumber(d)
        case .decimal(let s): return s
        case .bool(let b): return b ? "TRUE" : "FALSE"
        case .date(let d): return d.iso8601
        case .error(let e): return e
        }
    }

    /// Whether the cell holds nothing (empty, or text of length zero).
    public var isEmpty: Bool {
        switch self {
        case .empty: return true
        case .text(let s): return s.isEmpty
        default: return false
        }
    }

    /// Renders a double as the canonical cell text.
    /// - Parameter d: the number.
    /// - Returns: `42` for integral values below 10^15 in magnitude, else `Double.description`.
    public static func canonicalNumber(_ d: Double) -> String {
        if d.isFinite, d == d.rounded(.towardZero), abs(d) < 1e15 {
            return String(Int64(d))
        }
        return d.description
    }
}
