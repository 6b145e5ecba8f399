/// An XLSX workbook opened for streaming reads.
///
/// Opening reads only the zip central directory and the small package parts: `[Content_Types].xml`,
/// `_rels/.rels` → the office-document part, its relationships → sheets, shared strings and styles, and
/// the workbook part (sheet names, visibility, `date1904`). Every part is found through the
/// relationships, never by guessing a path, with one exception Excel makes too: a package without
/// `_rels/.rels` is read from the workbook part `[Content_Types].xml` declares (else `xl/workbook.xml`),
/// with a warning. Shared strings and styles are read once, when the first sheet is opened.
///
/// Not `Sendable`: it owns a file descriptor and caches; use it from one task at a time.
public final class XLSXWorkbook {
    /// The file as the caller named it.
    public let path: String
    /// The limits in force.
    public let limits: XLSXLimits
    /// The sheets in workbook order.
    public let sheets: [XLSXSheet]
    /// Whether serial dates count from 1904-01-01 (`<workbookPr date1904="1">`) instead of 1900.
    public let date1904: Bool
    /// The workbook part (`xl/workbook.xml`).
    public let workbookPart: String
    /// Damage the workbook was opened in spite of (a missing `_rels/.rels`).
    public private(set) var warnings: [XLSXWarning] = []

    let archive: ZipArchive
    private let sharedStringsPart: String?
    private let stylesPart: String?
    private var loadedStrings: (strings: [String], bytes: Int64)?
    private var loadedDateStyles: [Bool]?

    /// Opens the workbook at `path`.
    /// - Parameters:
    ///   - path: the `.xlsx` file.
    ///   - limits: safety bounds.
    /// - Throws: ``XLSXError``.
    public init(path: String, limits: XLSXLimits = XLSXLimits()) throws {
        self.path = path
        self.limits = limits
        let archive = try ZipArchive(path: path, limits: limits)
        self.archive = archive

        guard let typesEntry = archive.entry(named: "[Content_Types].xml") else {
            throw XLSXError(
                .missingPart, file: path, part: "[Content_Types].xml",
                message:
                    "the part is missing, so this zip archive is not an Office Open XML workbook; save the file as .xlsx"
            )
        }
        var overrides: [String: String] = [:]
        var defaults: [String: String] = [:]
        try XMLPushParser.parse(
            typesEntry, in: archive,
            handler: ElementVisitor { e in
                if e.name == "Override", let part = e["PartName"], let type = e["ContentType"] {
                    overrides[ZipArchive.asciiLowercased(String(part.drop { $0 == "/" }))] = type
                } else if e.name == "Default", let ext = e["Extension"], let type = e["ContentType"] {
                    defaults[ZipArchive.asciiLowercased(ext)] = type
                }
                return nil
            })

        var opened: [XLSXWarning] = []
        let mainPart: String
        if let packageRels = try PackageRelationships.read(for: "", in: archive) {
            guard let main = packageRels.first(where: { $0.isType("officeDocument") }), let part = main.part else {
                throw XLSXError(
                    .missingPart, file: path, part: "_rels/.rels",
                    message:
                        "no relationship points at an office document, so the workbook part cannot be found; re-save the file"
                )
            }
            mainPart = part
        } else {
            // Excel opens a package that lost its relationships part from the workbook part alone.
            guard let part = Self.declaredWorkbookPart(overrides: overrides, in: archive) else {
                throw XLSXError(
                    .missingPart, file: path, part: "_rels/.rels",
                    message:
                        "the package relationships are missing and there is no xl/workbook.xml, so the workbook part cannot be found; re-save the file"
                )
            }
            mainPart = part
            opened.append(
                XLSXWarning(
                    part: "_rels/.rels",
                    message:
                        "the package relationships (_rels/.rels) are missing, so the workbook was read from \(part) and its own relationships; re-save the file to repair it"
                ))
        }
        let mainKey = ZipArchive.asciiLowercased(mainPart)
        let ext = mainKey.split(separator: ".").last.map(String.init) ?? ""
        if let type = overrides[mainKey] ?? defaults[ext], !type.contains("spreadsheetml"), !type.contains("ms-excel") {
            let what: String
            if type.contains("wordprocessingml") {
                what = "is a Word document, not a workbook; export the table to .xlsx"
            } else if type.contains("presentationml") {
                what = "is a PowerPoint presentation, not a workbook; export the table to .xlsx"
            } else {
                what = "holds a \"\(type)\" document, not a workbook; save the data as .xlsx"
            }
            throw XLSXError(.notWorkbook, file: path, part: mainPart, message: what)
        }
        guard let workbookEntry = archive.entry(named: mainPart) else {
            throw XLSXError(
                .missingPart, file: path, part: mainPart,
                message: "the workbook part named by _rels/.rels is missing; the file is damaged, so re-save it")
        }
        workbookPart = workbookEntry.name
        guard let rels = try PackageRelationships.read(for: workbookEntry.name, in: archive) else {
            throw XLSXError(
                .missingPart, file: path, part: PackageRelationships.relsPart(for: workbookEntry.name),
                message: "the workbook's relationships are missing, so its sheets cannot be found; re-save the file")
        }
        var listed: [(name: String, state: String?, rid: String?)] = []
        var is1904 = false
        try XMLPushParser.parse(
            workbookEntry, in: archive,
            handler: ElementVisitor { e in
                if e.name == "workbookPr", let v = e["date1904"] {
                    is1904 = v == "1" || v.lowercased() == "true"
                } else if e.name == "sheet", e.path.last == "sheets" {
                    listed.append(
                        (e["name"] ?? "", e["state"], e.value("id", namespaceSuffix: "relationships")))
                }
                return nil
            })
        date1904 = is1904
        var byId: [String: PackageRelationship] = [:]
        for r in rels where byId[r.id] == nil { byId[r.id] = r }
        sheets = listed.enumerated().map { i, s in
            let rel = s.rid.flatMap { byId[$0] }
            let kind: XLSXSheet.Kind =
                rel.map { $0.isType("worksheet") ? .worksheet : $0.isType("chartsheet") ? .chartsheet : .other }
                ?? .worksheet
            let visibility: XLSXSheet.Visibility =
                switch s.state {
                case "hidden": .hidden
                case "veryHidden": .veryHidden
                default: .visible
                }
            return XLSXSheet(name: s.name, index: i + 1, visibility: visibility, kind: kind, part: rel?.part)
        }
        sharedStringsPart = rels.first { $0.isType("sharedStrings") }?.part
        stylesPart = rels.first { $0.isType("styles") }?.part
        warnings = opened
    }

    /// The workbook part of a package without `_rels/.rels`: the part `[Content_Types].xml` declares as
    /// a workbook (`xl/workbook.xml` first when several are), else `xl/workbook.xml`; nil when the archive
    /// holds neither.
    private static func declaredWorkbookPart(overrides: [String: String], in archive: ZipArchive) -> String? {
        let declared = overrides.filter { key, type in
            (type.contains("spreadsheetml.sheet.main") || type.contains("spreadsheetml.template.main")
                || type.contains("ms-excel.sheet.macroEnabled.main")
                || type.contains("ms-excel.template.macroEnabled.main"))
                && archive.entry(named: key) != nil
        }.keys.sorted()
        if declared.contains("xl/workbook.xml") { return archive.entry(named: "xl/workbook.xml")?.name }
        if let first = declared.first { return archive.entry(named: first)?.name }
        return archive.entry(named: "xl/workbook.xml")?.name
    }

    /// The sheet named `name` (exact match first, then case-insensitive as Excel compares names), or nil.
    public func sheet(named name: String) -> XLSXSheet? {
        if let s = sheets.first(where: { $0.name == name }) { return s }
        let lower = name.lowercased()
        return sheets.first { $0.name.lowercased() == lower }
    }

    /// The `<dimension ref>` the sheet declares (`A1:W301`), read from the start of its part only.
    /// - Returns: nil when the sheet declares none or is not a worksheet.
    /// - Throws: ``XLSXError``.
    public func dimension(of sheet: XLSXSheet) throws -> String? {
        guard sheet.kind == .worksheet, let entry = try sheetEntry(sheet) else { return nil }
        let probe = DimensionProbe()
        try XMLPushParser.parse(entry, in: archive, handler: probe)
        return probe.dimension
    }

    /// Opens a streaming row reader over a worksheet.
    /// - Parameters:
    ///   - sheet: the worksheet.
    ///   - background: inflate and parse on a second thread while the caller consumes rows (the default);
    ///     false reads everything on the calling thread.
    /// - Throws: ``XLSXError`` (`missingPart` for a chart sheet or a missing part).
    public func rows(of sheet: XLSXSheet, background: Bool = true) throws -> XLSXSheetReader {
        guard sheet.kind == .worksheet else {
            throw XLSXError(
                .missingPart, file: path, part: sheet.part,
                message:
                    "sheet \"\(sheet.name)\" is a \(sheet.kind == .chartsheet ? "chart" : "dialog or macro") sheet, which has no cells; pick a worksheet"
            )
        }
        guard let entry = try sheetEntry(sheet) else {
            throw XLSXError(
                .missingPart, file: path, part: workbookPart,
                message: "sheet \"\(sheet.name)\" has no relationship to a part; the workbook is damaged, so re-save it"
            )
        }
        let handler = SheetHandler(dateStyles: try dateStyles(), limits: limits, part: entry.name)
        let producer = try SheetRowProducer(entry: entry, archive: archive, handler: handler)
        // The sheet's cells carry shared-string indices, so its parsing starts before the table
        // is loaded (the reader looks the indices up): the two overlap on two cores.
        return try XLSXSheetReader(
            sheet: sheet, producer: producer, background: background, file: path, part: entry.name,
            budget: limits.sharedStringsBudget(fileSize: archive.file.size), loadSharedStrings: sharedStrings)
    }

    private func sheetEntry(_ sheet: XLSXSheet) throws -> ZipEntry? {
        guard let part = sheet.part else { return nil }
        guard let entry = archive.entry(named: part) else {
            throw XLSXError(
                .missingPart, file: path, part: part,
                message:
                    "the part of sheet \"\(sheet.name)\" is missing from the archive; the file is damaged, so re-save it"
            )
        }
        return entry
    }

    /// The shared-strings table and its size in UTF-8 bytes (empty when the workbook has none).
    /// - Throws: ``XLSXError``.
    func sharedStrings() throws -> (strings: [String], bytes: Int64) {
        if let loadedStrings { return loadedStrings }
        var result: ([String], Int64) = ([], 0)
        if let part = sharedStringsPart {
            guard let entry = archive.entry(named: part) else {
                throw XLSXError(
                    .missingPart, file: path, part: part,
                    message:
                        "the shared strings part named by the workbook is missing; the file is damaged, so re-save it")
            }
            let handler = SharedStringsHandler(limits: limits, fileSize: archive.file.size)
            try XMLPushParser.parse(entry, in: archive, handler: handler)
            result = (handler.strings, handler.totalBytes)
        }
        loadedStrings = result
        return result
    }

    /// Per cell style (`cellXfs` index): whether its number format is a date or time format.
    /// - Throws: ``XLSXError``.
    func dateStyles() throws -> [Bool] {
        if let loadedDateStyles { return loadedDateStyles }
        var result: [Bool] = []
        if let part = stylesPart, let entry = archive.entry(named: part) {
            var custom: [Int: String] = [:]
            var xfFormats: [Int] = []
            try XMLPushParser.parse(
                entry, in: archive,
                handler: ElementVisitor { e in
                    if e.name == "numFmt", e.path.last == "numFmts", let id = e["numFmtId"].flatMap({ Int($0) }) {
                        custom[id] = e["formatCode"] ?? ""
                    } else if e.name == "xf", e.path.last == "cellXfs" {
                        xfFormats.append(e["numFmtId"].flatMap { Int($0) } ?? 0)
                    }
                    return nil
                })
            result = xfFormats.map { id in custom[id].map(NumberFormat.isDate(code:)) ?? NumberFormat.isBuiltInDate(id)
            }
        }
        loadedDateStyles = result
        return result
    }
}

/// Reads a sheet part only as far as its `<dimension>` (or the start of `<sheetData>`).
final class DimensionProbe: SAXHandler {
    /// The `ref` of `<dimension>`, if the sheet declares one.
    var dimension: String?

    override func startElement(_ name: UnsafePointer<UInt8>, _ attributes: SAXAttributes) {
        if nameIs(name, "dimension") {
            for i in 0..<attributes.count {
                if let n = attributes.name(i), attributes.prefix(i) == nil, nameIs(n, "ref") {
                    dimension = attributes.string(i)
                }
            }
            stopEarly()
        } else if nameIs(name, "sheetData") {
            stopEarly()
        }
    }
}
