/// Tells what an OLE2 compound file (magic `D0 CF 11 E0 A1 B1 1A E1`) named `.xlsx` probably is, from the
/// stream names in its directory: `EncryptedPackage` / `EncryptionInfo` mean a password-protected
/// workbook, `Workbook` / `Book` a legacy `.xls`.
enum CompoundFileProbe {
    /// The OLE2 signature.
    static let magic: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    /// What the compound file holds.
    enum Kind: Equatable {
        /// An encrypted OOXML package (a password-protected workbook).
        case encryptedWorkbook
        /// A BIFF workbook (Excel 97–2003 `.xls`, or Excel 5 `Book`).
        case legacyWorkbook
        /// Some other compound document, with these stream names.
        case other([String])
        /// The directory could not be read.
        case unknown
    }

    /// The error to report for the compound file `file`.
    static func error(for file: RandomAccessFile) -> XLSXError {
        let names = (try? streamNames(file)) ?? nil
        switch classify(names) {
        case .encryptedWorkbook:
            return XLSXError(
                .encryptedWorkbook, file: file.path,
                message:
                    "is a password-protected (encrypted) workbook, not a plain .xlsx; open it in Excel, remove the password and save it again"
            )
        case .legacyWorkbook:
            return XLSXError(
                .legacyWorkbook, file: file.path,
                message:
                    "is a legacy Excel 97-2003 workbook (.xls) named .xlsx; open it and save it as .xlsx (Excel Workbook)"
            )
        case .other(let streams):
            let list = streams.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
            return XLSXError(
                .legacyWorkbook, file: file.path,
                message:
                    "is an OLE2 compound document (streams \(list)), not an .xlsx workbook; save the data as .xlsx (Excel Workbook)"
            )
        case .unknown:
            return XLSXError(
                .legacyWorkbook, file: file.path,
                message:
                    "is an OLE2 compound file (a legacy .xls or a password-protected workbook), not a plain .xlsx; open it in Excel and save it as .xlsx without a password"
            )
        }
    }

    /// Classifies a list of stream names (nil when the directory could not be read).
    static func classify(_ names: [String]?) -> Kind {
        guard let names else { return .unknown }
        if names.contains("EncryptedPackage") || names.contains("EncryptionInfo") { return .encryptedWorkbook }
        if names.contains("Workbook") || names.contains("Book") { return .legacyWorkbook }
        let streams = names.filter { $0 != "Root Entry" }
        return streams.isEmpty ? .unknown : .other(streams)
    }

    /// The names in the compound file's directory, or nil when the header or chains are damaged.
    static func streamNames(_ file: RandomAccessFile) throws -> [String]? {
        let header = try file.bytes(at: 0, count: 512)
        guard header.count == 512 else { return nil }
        var h = ByteReader(header, at: 0x1E)
        let shift = Int(h.u16())
        guard shift == 9 || shift == 12 else { return nil }
        let sectorSize = 1 << shift
        h = ByteReader(header, at: 0x2C)
        let fatSectorCount = Int(h.u32())
        let firstDirectory = h.u32()
        h = ByteReader(header, at: 0x44)
        var difatSector = h.u32()
        let difatCount = Int(h.u32())
        guard fatSectorCount <= 8192, difatCount <= 64 else { return nil }
        var fatSectors: [UInt32] = []
        h = ByteReader(header, at: 0x4C)
        for _ in 0..<109 {
            let s = h.u32()
            if s < 0xFFFF_FFFA { fatSectors.append(s) }
        }
        var hops = 0
        while difatSector < 0xFFFF_FFFA && hops < difatCount && fatSectors.count < fatSectorCount {
            let d = try file.bytes(at: (Int64(difatSector) + 1) << shift, count: sectorSize)
            guard d.count == sectorSize else { return nil }
            var r = ByteReader(d, at: 0)
            for _ in 0..<(sectorSize / 4 - 1) {
                let s = r.u32()
                if s < 0xFFFF_FFFA { fatSectors.append(s) }
            }
            difatSector = r.u32()
            hops += 1
        }
        var fat: [UInt32] = []
        for s in fatSectors.prefix(fatSectorCount) {
            let d = try file.bytes(at: (Int64(s) + 1) << shift, count: sectorSize)
            guard d.count == sectorSize else { return nil }
            var r = ByteReader(d, at: 0)
            for _ in 0..<(sectorSize / 4) { fat.append(r.u32()) }
        }
        var names: [String] = []
        var sector = firstDirectory
        var visited = 0
        while sector < 0xFFFF_FFFA && visited < 10_000 {
            let d = try file.bytes(at: (Int64(sector) + 1) << shift, count: sectorSize)
            guard d.count == sectorSize else { return names.isEmpty ? nil : names }
            for e in 0..<(sectorSize / 128) {
                var r = ByteReader(d, at: e * 128 + 0x40)
                let length = Int(r.u16())
                let type = r.u8()
                guard type != 0, length >= 2, length <= 64 else { continue }
                var units: [UInt16] = []
                var n = ByteReader(d, at: e * 128)
                for _ in 0..<(length / 2 - 1) { units.append(n.u16()) }
                names.append(String(decoding: units, as: UTF16.self))
            }
            visited += 1
            guard Int(sector) < fat.count else { break }
            sector = fat[Int(sector)]
        }
        return names.isEmpty ? nil : names
    }
}
