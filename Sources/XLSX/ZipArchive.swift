internal import Dispatch

/// One file in a zip archive, as the central directory lists it.
struct ZipEntry: Sendable, Hashable {
    /// The entry's name (the OPC part name without its leading `/`).
    var name: String
    /// 0 = stored, 8 = deflated.
    var method: UInt16
    /// General-purpose flags (bit 0 encrypted, bit 3 data descriptor).
    var flags: UInt16
    /// CRC-32 of the uncompressed data.
    var crc32: UInt32
    /// Compressed size (ZIP64 extra applied).
    var compressedSize: Int64
    /// Uncompressed size as the header claims it (ZIP64 extra applied; never trusted for bounds).
    var uncompressedSize: Int64
    /// Offset of the local file header (ZIP64 extra applied).
    var localHeaderOffset: Int64
}

/// A zip archive read through its central directory, with `pread`: the file is never loaded whole.
///
/// Reads the end-of-central-directory record (searched in the last 64 KiB + 22 bytes), the ZIP64
/// locator and record, and the ZIP64 extra fields. Refuses duplicate entry names and more entries
/// than ``XLSXLimits/maxEntries``. An OLE2 compound file is reported as an encrypted workbook or a
/// legacy `.xls`, whichever its directory says.
final class ZipArchive {
    /// The file.
    let file: RandomAccessFile
    /// The entries in central-directory order.
    let entries: [ZipEntry]
    /// The limits in force.
    let limits: XLSXLimits
    /// Bytes inflated from this archive so far (all entries); sheet readers may run on other threads.
    private var inflatedTotal: Int64 = 0
    private let totalLock = DispatchSemaphore(value: 1)
    private let byName: [String: Int]
    private let byLowercasedName: [String: Int]
    /// Where the central directory starts (local data must end before it).
    private let centralDirectoryStart: Int64

    private static let eocdSignature: UInt32 = 0x0605_4b50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4b50
    private static let zip64EOCDSignature: UInt32 = 0x0606_4b50
    private static let centralSignature: UInt32 = 0x0201_4b50
    private static let localSignature: UInt32 = 0x0403_4b50

    /// Opens the archive at `path` and reads its central directory.
    /// - Throws: ``XLSXError``.
    convenience init(path: String, limits: XLSXLimits) throws {
        try self.init(file: RandomAccessFile(path: path), limits: limits)
    }

    /// Reads the central directory of `file`.
    /// - Throws: ``XLSXError``.
    init(file: RandomAccessFile, limits: XLSXLimits) throws {
        self.file = file
        self.limits = limits
        let path = file.path
        let head = try file.bytes(at: 0, count: 8)
        if head == CompoundFileProbe.magic {
            throw CompoundFileProbe.error(for: file)
        }
        let tailLength = Int(min(file.size, 65_535 + 22))
        let tailStart = file.size - Int64(tailLength)
        let tail = try file.bytes(at: tailStart, count: tailLength)
        guard let eocdPos = Self.findEOCD(tail) else {
            if head.count >= 4 && head[0] == 0x50 && head[1] == 0x4B && (head[2] == 3 || head[2] == 5) {
                throw XLSXError(
                    .corruptArchive, file: path,
                    message:
                        "the zip archive has no end-of-central-directory record; the file is truncated or corrupt, so save or download it again"
                )
            }
            throw XLSXError(
                .notZip, file: path,
                message: "is not an XLSX workbook (not a zip archive); save it as .xlsx (Excel Workbook)")
        }
        let eocdOffset = tailStart + Int64(eocdPos)
        var r = ByteReader(tail, at: eocdPos + 4)
        let disk = Int(r.u16())
        let cdDisk = Int(r.u16())
        _ = r.u16()
        var count = Int64(r.u16())
        var cdSize = Int64(r.u32())
        var cdOffset = Int64(r.u32())
        var cdEnd = eocdOffset
        if disk != 0 || cdDisk != 0 {
            if disk != 0xFFFF && cdDisk != 0xFFFF {
                throw XLSXError(
                    .unsupportedArchive, file: path,
                    message: "is a multi-volume (spanned) zip archive; join it into one file first")
            }
        }
        // ZIP64: a locator right before the EOCD points at the ZIP64 end-of-central-directory record.
        if eocdOffset >= 20 {
            let loc = try file.bytes(at: eocdOffset - 20, count: 20)
            var lr = ByteReader(loc, at: 0)
            if loc.count == 20 && lr.u32() == Self.zip64LocatorSignature {
                _ = lr.u32()
                let declared = Int64(bitPattern: lr.u64())
                // The record normally sits right before the locator; data prepended to the archive (a
                // self-extractor stub) leaves the declared offset short by the stub's size.
                let adjacent = eocdOffset - 20 - 56
                var recordOffset: Int64 = -1
                var rec: [UInt8] = []
                for candidate in [declared, adjacent] where candidate >= 0 && candidate <= adjacent {
                    let bytes = try file.bytes(at: candidate, count: 56)
                    var probe = ByteReader(bytes, at: 0)
                    if bytes.count == 56 && probe.u32() == Self.zip64EOCDSignature {
                        recordOffset = candidate
                        rec = bytes
                        break
                    }
                }
                guard recordOffset >= 0 else {
                    throw XLSXError(
                        .corruptArchive, file: path,
                        message: "the ZIP64 end-of-central-directory record is missing; the archive is corrupt")
                }
                var rr = ByteReader(rec, at: 4)
                _ = rr.u64()
                _ = rr.u16()
                _ = rr.u16()
                let d64 = rr.u32()
                let cd64 = rr.u32()
                if d64 != 0 || cd64 != 0 {
                    throw XLSXError(
                        .unsupportedArchive, file: path,
                        message: "is a multi-volume (spanned) zip archive; join it into one file first")
                }
                _ = rr.u64()
                count = Int64(bitPattern: rr.u64())
                cdSize = Int64(bitPattern: rr.u64())
                cdOffset = Int64(bitPattern: rr.u64())
                cdEnd = recordOffset
            }
        }
        guard count >= 0, count <= Int64(limits.maxEntries) else {
            throw XLSXError(
                .limitExceeded, file: path,
                message:
                    "the archive lists \(count) entries, more than the limit of \(limits.maxEntries); a workbook has far fewer, so the file is hostile or corrupt (raise maxEntries if it is legitimate)"
            )
        }
        guard cdSize >= 0, cdOffset >= 0, cdSize <= cdEnd else {
            throw XLSXError(
                .corruptArchive, file: path,
                message: "the central directory lies outside the file; the archive is corrupt")
        }
        // Data prepended to the archive (a self-extractor stub) shifts every offset by the same amount.
        let actualStart = cdEnd - cdSize
        let shift = actualStart - cdOffset
        guard shift >= 0 else {
            throw XLSXError(
                .corruptArchive, file: path,
                message: "the central directory overlaps its end record; the file is truncated or corrupt")
        }
        guard cdSize <= 64 << 20 else {
            throw XLSXError(
                .limitExceeded, file: path,
                message: "the central directory is \(cdSize) bytes, more than 64 MiB; the file is hostile or corrupt")
        }
        let cd = try file.bytes(at: actualStart, count: Int(cdSize))
        guard cd.count == Int(cdSize) else {
            throw XLSXError(
                .corruptArchive, file: path, message: "the central directory is cut short; the file is truncated")
        }
        var entries: [ZipEntry] = []
        entries.reserveCapacity(Int(min(count, 4096)))
        var byName: [String: Int] = [:]
        var byLower: [String: Int] = [:]
        var c = ByteReader(cd, at: 0)
        for i in 0..<Int(count) {
            guard c.remaining >= 46, c.u32() == Self.centralSignature else {
                throw XLSXError(
                    .corruptArchive, file: path,
                    message:
                        "central directory entry \(i + 1) of \(count) is missing or damaged; the archive is corrupt")
            }
            _ = c.u16()
            _ = c.u16()
            let flags = c.u16()
            let method = c.u16()
            _ = c.u32()
            let crc = c.u32()
            var compressed = Int64(c.u32())
            var uncompressed = Int64(c.u32())
            let nameLength = Int(c.u16())
            let extraLength = Int(c.u16())
            let commentLength = Int(c.u16())
            let startDisk = c.u16()
            _ = c.u16()
            _ = c.u32()
            var localOffset = Int64(c.u32())
            guard c.remaining >= nameLength + extraLength + commentLength else {
                throw XLSXError(
                    .corruptArchive, file: path,
                    message: "central directory entry \(i + 1) runs past the directory's end; the archive is corrupt")
            }
            let name = String(decoding: c.take(nameLength), as: UTF8.self)
            let extra = c.take(extraLength)
            c.skip(commentLength)
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF
                || startDisk == 0xFFFF
            {
                // ZIP64 extended information (0x0001): only the fields whose fixed slot is saturated, in order.
                guard let z = Self.zip64Extra(extra) else {
                    throw XLSXError(
                        .corruptArchive, file: path, part: name,
                        message: "the entry's sizes need a ZIP64 extra field that is missing; the archive is corrupt")
                }
                var zr = ByteReader(Array(z), at: 0)
                if uncompressed == 0xFFFF_FFFF {
                    guard zr.remaining >= 8 else { throw Self.shortZip64(path, name) }
                    uncompressed = Int64(bitPattern: zr.u64())
                }
                if compressed == 0xFFFF_FFFF {
                    guard zr.remaining >= 8 else { throw Self.shortZip64(path, name) }
                    compressed = Int64(bitPattern: zr.u64())
                }
                if localOffset == 0xFFFF_FFFF {
                    guard zr.remaining >= 8 else { throw Self.shortZip64(path, name) }
                    localOffset = Int64(bitPattern: zr.u64())
                }
            }
            guard compressed >= 0, uncompressed >= 0, localOffset >= 0 else {
                throw XLSXError(
                    .corruptArchive, file: path, part: name,
                    message: "the entry's sizes or offset are out of range; the archive is corrupt")
            }
            if byName[name] != nil {
                throw XLSXError(
                    .refused, file: path, part: name,
                    message:
                        "the archive holds two entries named \"\(name)\"; readers disagree on which one counts, so the file is refused"
                )
            }
            let lower = Self.asciiLowercased(name)
            if byLower[lower] != nil {
                throw XLSXError(
                    .refused, file: path, part: name,
                    message:
                        "the archive holds two entries whose names differ only in case (\"\(name)\"); part names are case-insensitive, so the file is refused"
                )
            }
            byName[name] = entries.count
            byLower[lower] = entries.count
            entries.append(
                ZipEntry(
                    name: name, method: method, flags: flags, crc32: crc, compressedSize: compressed,
                    uncompressedSize: uncompressed, localHeaderOffset: localOffset + shift))
        }
        self.entries = entries
        self.byName = byName
        self.byLowercasedName = byLower
        self.centralDirectoryStart = actualStart
    }

    /// Counts `n` more inflated bytes.
    /// - Returns: the archive's total so far.
    func addInflated(_ n: Int64) -> Int64 {
        totalLock.wait()
        defer { totalLock.signal() }
        inflatedTotal += n
        return inflatedTotal
    }

    /// The entry named `name` (an exact match, else an ASCII case-insensitive one, as OPC part names are).
    func entry(named name: String) -> ZipEntry? {
        if let i = byName[name] { return entries[i] }
        if let i = byLowercasedName[Self.asciiLowercased(name)] { return entries[i] }
        return nil
    }

    /// The offset where `entry`'s compressed data begins, read from its local header.
    /// - Throws: ``XLSXError`` (`corruptArchive`) when the local header is missing or the data runs past
    ///   the central directory.
    func dataOffset(of entry: ZipEntry) throws -> Int64 {
        let path = file.path
        let h = try file.bytes(at: entry.localHeaderOffset, count: 30)
        var r = ByteReader(h, at: 0)
        guard h.count == 30, r.u32() == Self.localSignature else {
            throw XLSXError(
                .corruptArchive, file: path, part: entry.name,
                message:
                    "the entry's local header is missing at offset \(entry.localHeaderOffset); the archive is corrupt")
        }
        r.skip(22)
        let nameLength = Int64(r.u16())
        let extraLength = Int64(r.u16())
        let start = entry.localHeaderOffset + 30 + nameLength + extraLength
        guard start + entry.compressedSize <= centralDirectoryStart else {
            throw XLSXError(
                .corruptArchive, file: path, part: entry.name,
                message: "the entry's data runs past the central directory; the file is truncated or corrupt")
        }
        return start
    }

    /// Opens a chunked reader over `entry`'s uncompressed bytes.
    /// - Parameter chunkSize: the most bytes each chunk holds.
    /// - Throws: ``XLSXError``.
    func open(_ entry: ZipEntry, chunkSize: Int = 128 << 10) throws -> ZipEntryStream {
        try ZipEntryStream(archive: self, entry: entry, chunkSize: chunkSize)
    }

    /// Reads a whole (small) entry into memory, bounded by `maxBytes`.
    /// - Throws: ``XLSXError``.
    func contents(of entry: ZipEntry, maxBytes: Int) throws -> [UInt8] {
        let s = try open(entry)
        var out: [UInt8] = []
        while let chunk = try s.next() {
            guard out.count + chunk.count <= maxBytes else {
                throw XLSXError(
                    .limitExceeded, file: file.path, part: entry.name,
                    message: "the part is larger than \(maxBytes) bytes")
            }
            out.append(contentsOf: chunk)
        }
        return out
    }

    // MARK: - Helpers

    private static func findEOCD(_ tail: [UInt8]) -> Int? {
        guard tail.count >= 22 else { return nil }
        var i = tail.count - 22
        while i >= 0 {
            if tail[i] == 0x50 && tail[i + 1] == 0x4B && tail[i + 2] == 0x05 && tail[i + 3] == 0x06 {
                let commentLength = Int(tail[i + 20]) | Int(tail[i + 21]) << 8
                if i + 22 + commentLength <= tail.count { return i }
            }
            i -= 1
        }
        return nil
    }

    private static func zip64Extra(_ extra: ArraySlice<UInt8>) -> ArraySlice<UInt8>? {
        var r = ByteReader(Array(extra), at: 0)
        while r.remaining >= 4 {
            let id = r.u16()
            let size = Int(r.u16())
            guard r.remaining >= size else { return nil }
            let body = r.take(size)
            if id == 0x0001 { return body }
        }
        return nil
    }

    private static func shortZip64(_ path: String, _ name: String) -> XLSXError {
        XLSXError(
            .corruptArchive, file: path, part: name,
            message: "the entry's ZIP64 extra field is too short; the archive is corrupt")
    }

    static func asciiLowercased(_ s: String) -> String {
        var bytes = Array(s.utf8)
        var changed = false
        for i in bytes.indices where bytes[i] >= 65 && bytes[i] <= 90 {
            bytes[i] += 32
            changed = true
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : s
    }
}

/// Little-endian reads over a byte array; reads past the end give zeros (callers check `remaining` first).
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8], at position: Int) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { max(0, bytes.count - position) }

    mutating func u8() -> UInt8 {
        guard position < bytes.count else { return 0 }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }
    mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }
    mutating func u64() -> UInt64 { UInt64(u32()) | UInt64(u32()) << 32 }

    mutating func take(_ n: Int) -> ArraySlice<UInt8> {
        let end = min(bytes.count, position + max(0, n))
        defer { position = end }
        return bytes[min(position, end)..<end]
    }

    mutating func skip(_ n: Int) { position = min(bytes.count, position + max(0, n)) }
}
