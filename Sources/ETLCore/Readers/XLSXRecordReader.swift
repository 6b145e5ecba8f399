/// Placeholder until the XLSX reader lands; every call fails with a clear message.
public final class XLSXRecordReader: RecordReader {
    public let file: String
    public var sheet: String? { nil }
    public var columns: [Column] { [] }
    public var warnings = WarningLog()

    public init(path: String, options: ReadOptions) throws {
        file = path
        throw ReadError(.unreadable, file: path, message: "the XLSX reader is not built yet")
    }

    public func next() throws -> Record? { nil }
    public static func sheets(path: String, options: ReadOptions) throws -> [SheetInfo] { [] }
}
