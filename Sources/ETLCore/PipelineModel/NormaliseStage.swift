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
