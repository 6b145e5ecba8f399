internal import CZlib

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A streaming zip writer: every entry is deflated straight into the file as its bytes arrive.
///
/// Layout, as Go's `archive/zip` writes it (files that Excel, LibreOffice and Python open): each entry
/// is a local header with general-purpose flag bit 3 set (CRC and sizes follow the data in a data
/// descriptor), the raw-deflate data, then the descriptor; at the end the central directory and the
/// end-of-central-directory record. ZIP64 records are written only when a size, an offset or the entry
/// count needs them (`zip64Threshold` lowers the limit so tests can exercise that path cheaply).
///
/// The file is written under a temporary name next to the destination and renamed into place by
/// ``finish()``, so a crash or an abandoned writer never leaves a half-written file under the real name
/// (unless the destination is not a regular file, such as `/dev/null`, which is written directly).
final class ZipWriter {
    /// A modification time in the MS-DOS format zip headers use (local time, 2-second resolution).
    struct Timestamp: Sendable, Equatable {
        /// The calendar year, 1980 … 2107.
        var year: Int
        /// The month, 1 … 12.
        var month: Int
        /// The day of the month, 1 … 31.
        var day: Int
        /// The hour, 0 … 23.
        var hour: Int = 0
        /// The minute, 0 … 59.
        var minute: Int = 0
        /// The second, 0 … 59 (stored with 2-second resolution).
        var second: Int = 0

        /// The DOS time field.
        var dosTime: UInt16 {
            UInt16(clamping: (hour << 11) | (minute << 5) | (second / 2))
        }
        /// The DOS date field (years before 1980 are clamped to 1980).
        var dosDate: UInt16 {
            UInt16(clamping: ((min(max(year, 1980), 2107) - 1980) << 9) | (month << 5) | day)
        }
    }

    private struct CentralRecord {
        var name: [UInt8]
        var crc: UInt32
        var compressedSize: UInt64
        var uncompressedSize: UInt64
        var localHeaderOffset: UInt64
    }

    private struct OpenEntry {
        var name: [UInt8]
        var localHeaderOffset: UInt64
        var crc: UInt32 = 0
        var compressedSize: UInt64 = 0
        var deflater: Deflater
    }

    /// Flags: bit 3 (sizes and CRC in a data descriptor) and bit 11 (names are UTF-8).
    private static let flags: UInt16 = 0x0008 | 0x0800
    private static let methodDeflate: UInt16 = 8
    private static let bufferSize = 64 * 1024

    /// The destination path, as used in error messages.
    let path: String
    /// Sizes and offsets at or above this value are written as ZIP64 (default: the 32-bit limit).
    let zip64Threshold: UInt64
    /// Entry counts at or above this value need the ZIP64 end record (default: the 16-bit limit).
    let zip64EntryThreshold: Int
    private let timestamp: Timestamp
    private let compressionLevel: Int32
    private let writePath: String
    private var fd: Int32
    private var offset: UInt64 = 0
    private var buffer: [UInt8] = []
    private var records: [CentralRecord] = []
    private var names: Set<[UInt8]> = []
    private var entry: OpenEntry?
    private var closed = false

    /// Creates (or truncates) the zip file at `path`.
    /// - Parameters:
    ///   - path: where the finished file goes.
    ///   - timestamp: the modification time stamped on every entry.
    ///   - compressionLevel: zlib level 0 … 9 (6 is zlib's default).
    ///   - zip64Threshold: sizes and offsets at or above it are written as ZIP64 (lower only in tests).
    ///   - zip64EntryThreshold: entry counts at or above it get the ZIP64 end record (lower only in tests).
    /// - Throws: ``XLSXWriteError`` (`ioFailure`) when the file cannot be created.
    init(
        path: String, timestamp: Timestamp, compressionLevel: Int32 = 6,
        zip64Threshold: UInt64 = 0xFFFF_FFFF, zip64EntryThreshold: Int = 0xFFFF
    ) throws {
        self.path = path
        self.timestamp = timestamp
        self.compressionLevel = compressionLevel
        self.zip64Threshold = min(zip64Threshold, 0xFFFF_FFFF)
        self.zip64EntryThreshold = min(zip64EntryThreshold, 0xFFFF)
        var info = stat()
        let exists = stat(path, &info) == 0
        let regular = !exists || (info.st_mode & S_IFMT) == S_IFREG
        if regular {
            let slash = path.lastIndex(of: "/")
            let dir = slash.map { String(path[...$0]) } ?? ""
            let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
            writePath = "\(dir).\(base).partial-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        } else {
            writePath = path
        }
        fd = open(writePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw XLSXWriteError.io(path: path, operation: "cannot create the file", errno: errno)
        }
        buffer.reserveCapacity(ZipWriter.bufferSize)
    }

    deinit {
        if !closed { abandon() }
    }

    /// Bytes written to the file so far (including buffered ones).
    var bytesWritten: UInt64 { offset }

    /// Starts a new deflated entry; the previous one must have been ended.
    /// - Parameter name: the entry's path inside the archive (UTF-8, `/` separators, unique).
    /// - Throws: ``XLSXWriteError`` (`ioFailure`, `compressionFailed`, `closed`, `duplicateEntry`).
    func beginEntry(_ name: String) throws {
        try checkOpen()
        precondition(entry == nil, "ZipWriter.beginEntry called while entry is open")
        let nameBytes = Array(name.utf8)
        guard !names.contains(nameBytes) else {
            throw XLSXWriteError(
                code: .duplicateEntry, location: path,
                detail: "zip entry \"\(name)\" was written twice; every part name must be unique")
        }
        names.insert(nameBytes)
        let headerOffset = offset
        emit32(0x0403_4b50)
        emit16(20)  // version needed: 2.0 (deflate)
        emit16(ZipWriter.flags)
        emit16(ZipWriter.methodDeflate)
        emit16(timestamp.dosTime)
        emit16(timestamp.dosDate)
        emit32(0)  // CRC-32: in the data descriptor
        emit32(0)  // compressed size: in the data descriptor
        emit32(0)  // uncompressed size: in the data descriptor
        emit16(UInt16(clamping: nameBytes.count))
        emit16(0)  // extra field length
        emit(nameBytes)
        entry = OpenEntry(
            name: nameBytes, localHeaderOffset: headerOffset, deflater: try Deflater(level: compressionLevel))
        try flushIfFull()
    }

    /// Appends bytes to the open entry (CRC-32 updated, data deflated straight to the file).
    /// - Parameter bytes: uncompressed bytes.
    /// - Throws: ``XLSXWriteError`` (`ioFailure`, `compressionFailed`).
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard var current = entry else { preconditionFailure("ZipWriter.write called without an open entry") }
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        current.crc = ZipWriter.crc32(current.crc, base, bytes.count)
        var produced: UInt64 = 0
        try current.deflater.compress(bytes, finish: false) { out in
            produced += UInt64(out.count)
            try emitAndFlush(out)
        }
        current.compressedSize += produced
        entry = current
    }

    /// Appends bytes to the open entry.
    /// - Parameter bytes: uncompressed bytes.
    /// - Throws: ``XLSXWriteError``.
    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Ends the open entry: flushes the deflate stream and writes the data descriptor.
    /// - Throws: ``XLSXWriteError``.
    func endEntry() throws {
        guard var current = entry else { preconditionFailure("ZipWriter.endEntry called without an open entry") }
        var produced: UInt64 = 0
        try current.deflater.compress(UnsafeRawBufferPointer(start: nil, count: 0), finish: true) { out in
            produced += UInt64(out.count)
            try emitAndFlush(out)
        }
        current.compressedSize += produced
        let record = CentralRecord(
            name: current.name, crc: current.crc, compressedSize: current.compressedSize,
            uncompressedSize: current.deflater.totalIn, localHeaderOffset: current.localHeaderOffset)
        emit32(0x0807_4b50)
        emit32(record.crc)
        if needsZip64(record.compressedSize) || needsZip64(record.uncompressedSize) {
            emit64(record.compressedSize)
            emit64(record.uncompressedSize)
        } else {
            emit32(UInt32(record.compressedSize))
            emit32(UInt32(record.uncompressedSize))
        }
        records.append(record)
        entry = nil
        try flushIfFull()
    }

    /// Writes a whole entry at once.
    /// - Parameters:
    ///   - name: the entry's path inside the archive.
    ///   - contents: its text, stored as UTF-8.
    /// - Throws: ``XLSXWriteError``.
    func addEntry(_ name: String, contents: String) throws {
        try beginEntry(name)
        var text = contents
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
        try endEntry()
    }

    /// Writes the central directory and the end records, closes the file and moves it into place.
    /// - Throws: ``XLSXWriteError`` (`ioFailure`, `closed`).
    func finish() throws {
        try checkOpen()
        precondition(entry == nil, "ZipWriter.finish called while an entry is open")
        let directoryOffset = offset
        for r in records {
            let bigUncompressed = needsZip64(r.uncompressedSize)
            let bigCompressed = needsZip64(r.compressedSize)
            let bigOffset = needsZip64(r.localHeaderOffset)
            var extra: [UInt64] = []
            if bigUncompressed { extra.append(r.uncompressedSize) }
            if bigCompressed { extra.append(r.compressedSize) }
            if bigOffset { extra.append(r.localHeaderOffset) }
            let version: UInt16 = extra.isEmpty ? 20 : 45
            emit32(0x0201_4b50)
            emit16(version)  // version made by: MS-DOS host, spec version
            emit16(version)  // version needed to extract
            emit16(ZipWriter.flags)
            emit16(ZipWriter.methodDeflate)
            emit16(timestamp.dosTime)
            emit16(timestamp.dosDate)
            emit32(r.crc)
            emit32(bigCompressed ? 0xFFFF_FFFF : UInt32(r.compressedSize))
            emit32(bigUncompressed ? 0xFFFF_FFFF : UInt32(r.uncompressedSize))
            emit16(UInt16(clamping: r.name.count))
            emit16(extra.isEmpty ? 0 : UInt16(4 + 8 * extra.count))
            emit16(0)  // comment length
            emit16(0)  // disk number start
            emit16(0)  // internal attributes
            emit32(0)  // external attributes
            emit32(bigOffset ? 0xFFFF_FFFF : UInt32(r.localHeaderOffset))
            emit(r.name)
            if !extra.isEmpty {
                emit16(0x0001)  // ZIP64 extended information
                emit16(UInt16(8 * extra.count))
                for v in extra { emit64(v) }
            }
            try flushIfFull()
        }
        let directorySize = offset - directoryOffset
        let count = records.count
        let zip64End =
            count >= zip64EntryThreshold || needsZip64(directoryOffset) || needsZip64(directorySize)
            || records.contains {
                needsZip64($0.compressedSize) || needsZip64($0.uncompressedSize) || needsZip64($0.localHeaderOffset)
            }
        if zip64End {
            let endOffset = offset
            emit32(0x0606_4b50)
            emit64(44)  // size of the rest of this record
            emit16(45)
            emit16(45)
            emit32(0)  // this disk
            emit32(0)  // disk with the central directory
            emit64(UInt64(count))
            emit64(UInt64(count))
            emit64(directorySize)
            emit64(directoryOffset)
            emit32(0x0706_4b50)  // ZIP64 end locator
            emit32(0)
            emit64(endOffset)
            emit32(1)  // total disks
        }
        emit32(0x0605_4b50)
        emit16(0)
        emit16(0)
        let shortCount = count >= zip64EntryThreshold ? 0xFFFF : UInt16(count)
        emit16(shortCount)
        emit16(shortCount)
        emit32(needsZip64(directorySize) ? 0xFFFF_FFFF : UInt32(directorySize))
        emit32(needsZip64(directoryOffset) ? 0xFFFF_FFFF : UInt32(directoryOffset))
        emit16(0)  // comment length
        try flush()
        closed = true
        if close(fd) != 0 {
            let code = errno
            _ = unlink(writePath)
            throw XLSXWriteError.io(path: path, operation: "cannot close the file", errno: code)
        }
        if writePath != path, rename(writePath, path) != 0 {
            let code = errno
            _ = unlink(writePath)
            throw XLSXWriteError.io(path: path, operation: "cannot move the finished file into place", errno: code)
        }
    }

    /// Stops writing and removes the partial file (nothing is left under the destination name).
    func abandon() {
        guard !closed else { return }
        closed = true
        _ = close(fd)
        if writePath != path { _ = unlink(writePath) }
    }

    // MARK: - Helpers

    /// CRC-32 (zlib's `crc32`) of `count` bytes at `base`, continuing from `crc`.
    static func crc32(_ crc: UInt32, _ base: UnsafeRawPointer, _ count: Int) -> UInt32 {
        var value = UInt(crc)
        var start = base.assumingMemoryBound(to: UInt8.self)
        var left = count
        while left > 0 {
            let n = min(left, Int(Int32.max))
            value = UInt(CZlib.crc32(uLong(value), start, uInt(n)))
            start += n
            left -= n
        }
        return UInt32(truncatingIfNeeded: value)
    }

    private func needsZip64(_ value: UInt64) -> Bool { value >= zip64Threshold }

    private func checkOpen() throws {
        guard !closed else {
            throw XLSXWriteError(
                code: .closed, location: path, detail: "the file is already finished; start a new writer")
        }
    }

    private func emit16(_ v: UInt16) {
        buffer.append(UInt8(truncatingIfNeeded: v))
        buffer.append(UInt8(truncatingIfNeeded: v >> 8))
        offset += 2
    }

    private func emit32(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8(truncatingIfNeeded: v >> UInt32(shift))) }
        offset += 4
    }

    private func emit64(_ v: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
        offset += 8
    }

    private func emit(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        offset += UInt64(bytes.count)
    }

    private func emitAndFlush(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > ZipWriter.bufferSize { try flush() }
        if bytes.count >= ZipWriter.bufferSize {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
        offset += UInt64(bytes.count)
    }

    private func flushIfFull() throws {
        if buffer.count >= ZipWriter.bufferSize { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        guard var base = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = systemWrite(fd, base, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw XLSXWriteError.io(path: path, operation: "cannot write", errno: errno)
            }
            base += n
            left -= n
        }
    }
}

/// `write(2)`, reachable from inside ``ZipWriter`` (whose own `write` methods shadow the C function).
private func systemWrite(_ fd: Int32, _ base: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, base, count)
}
