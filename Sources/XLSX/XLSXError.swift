/// A fatal problem reading a workbook: the file, the part (`xl/worksheets/sheet1.xml`), the line when
/// known, what went wrong and how to fix it.
///
/// Rendered as `file[part]:line: message`, for example
/// `samples/x.xlsx[xl/worksheets/sheet1.xml]:3: DTD not allowed; …`.
public struct XLSXError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// The file cannot be opened or read (missing, a directory, an I/O error).
        case unreadable
        /// The file is not a zip archive at all.
        case notZip
        /// The file is an OLE2 compound file holding a password-protected (encrypted) workbook.
        case encryptedWorkbook
        /// The file is an OLE2 compound file holding a legacy `.xls` workbook (or another OLE2 document).
        case legacyWorkbook
        /// The zip archive is truncated or corrupt (bad signature, offsets out of range, CRC mismatch).
        case corruptArchive
        /// The archive uses a zip feature we do not read (another compression method, zip encryption, spanning).
        case unsupportedArchive
        /// The zip archive is an Office document of another kind (a Word or PowerPoint file).
        case notWorkbook
        /// A part the workbook needs is missing or not a spreadsheet part.
        case missingPart
        /// A part is not well-formed XML.
        case malformedXML
        /// A value in a part cannot be what the format says (a cell number that is not a number, a shared
        /// string index out of range, a cell reference that is not one).
        case invalidValue
        /// A safety bound was crossed (inflated size or ratio, cell length, shared-string expansion, entry count).
        case limitExceeded
        /// A construct we refuse on untrusted input: a DTD, an entity declaration, duplicate entry names.
        case refused
    }

    /// The kind of failure.
    public var code: Code
    /// The workbook file as the caller named it.
    public var file: String
    /// The archive entry (part) concerned, when there is one.
    public var part: String?
    /// The 1-based line in the part, when known.
    public var line: Int?
    /// What went wrong and how to fix it.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: the kind of failure.
    ///   - file: the workbook file.
    ///   - part: the part concerned, if any.
    ///   - line: the 1-based line in the part, if known.
    ///   - message: what went wrong and how to fix it (no trailing period).
    public init(_ code: Code, file: String, part: String? = nil, line: Int? = nil, message: String) {
        self.code = code
        self.file = file
        self.part = part
        self.line = line
        self.message = message
    }

    /// `file[part]:line: message`.
    public var description: String {
        var s = file
        if let part { s += "[\(part)]" }
        if let line { s += ":\(line)" }
        return s + ": " + message
    }

    /// The same error with `part` set when it had none.
    func inPart(_ name: String) -> XLSXError {
        var e = self
        if e.part == nil { e.part = name }
        return e
    }
}
