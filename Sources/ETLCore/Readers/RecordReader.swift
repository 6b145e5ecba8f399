/// A streaming source of records: one record in memory at a time plus fixed buffers.
///
/// Readers are single-use pull iterators. `next()` returns records in file order and nil at the
/// end; it throws ``ReadError`` for anything fatal. Entirely empty rows are skipped, but every
/// record keeps its original row number.
public protocol RecordReader: AnyObject {
    /// The file as the user named it.
    var file: String { get }
    /// The sheet being read (XLSX), else nil.
    var sheet: String? { get }
    /// The columns known so far (after the header row is read; JSON readers add keys as they see them).
    var columns: [Column] { get }
    /// Warnings recovered from so far.
    var warnings: WarningLog { get }
    /// The next record, or nil at the end of the input.
    /// - Throws: ``ReadError``.
    func next() throws -> Record?
}
