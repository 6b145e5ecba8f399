/// Bounds that keep a hostile or broken workbook from exhausting memory or time.
///
/// The defaults suit any real catalog; raise them for the rare legitimate huge file.
public struct XLSXLimits: Sendable, Hashable {
    /// Total bytes inflated from one archive entry (counted while inflating, never taken from headers).
    public var maxInflatedBytesPerEntry: Int64
    /// Total bytes inflated from the whole archive.
    public var maxInflatedBytesTotal: Int64
    /// Largest inflated/compressed ratio allowed once an entry has inflated past 1 MiB.
    public var maxCompressionRatio: Double
    /// Longest cell text (or shared string), in UTF-8 bytes. Excel stops at 32,767 characters; we read beyond.
    public var maxCellBytes: Int
    /// Text materialised from the shared-strings table (the table itself plus every cell that refers to it),
    /// as a multiple of the file's size; 64 MiB come on top.
    public var maxSharedStringsExpansion: Int
    /// Most entries the archive may list.
    public var maxEntries: Int
    /// The fixed allowance added to the shared-strings budget (64 MiB; lowered by tests to see the bound).
    var sharedStringsAllowance: Int64 = 64 << 20

    /// Creates limits; every parameter has the default the readers issue names.
    public init(
        maxInflatedBytesPerEntry: Int64 = 4 << 30, maxInflatedBytesTotal: Int64 = 16 << 30,
        maxCompressionRatio: Double = 200, maxCellBytes: Int = 4 << 20, maxSharedStringsExpansion: Int = 20,
        maxEntries: Int = 100_000
    ) {
        self.maxInflatedBytesPerEntry = maxInflatedBytesPerEntry
        self.maxInflatedBytesTotal = maxInflatedBytesTotal
        self.maxCompressionRatio = maxCompressionRatio
        self.maxCellBytes = maxCellBytes
        self.maxSharedStringsExpansion = maxSharedStringsExpansion
        self.maxEntries = maxEntries
    }

    /// The most bytes of shared-string text a file of `fileSize` bytes may materialise.
    func sharedStringsBudget(fileSize: Int64) -> Int64 {
        let factor = Int64(max(0, maxSharedStringsExpansion))
        let (scaled, overflow) = fileSize.multipliedReportingOverflow(by: factor)
        if overflow { return Int64.max }
        let (total, overflow2) = scaled.addingReportingOverflow(max(0, sharedStringsAllowance))
        return overflow2 ? Int64.max : total
    }
}
