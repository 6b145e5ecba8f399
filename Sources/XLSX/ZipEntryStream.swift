/// Reads one archive entry's uncompressed bytes chunk by chunk: stored entries straight from the file,
/// deflated ones through an ``Inflater`` fed with compressed chunks read by `pread`.
///
/// Every inflated byte is counted: an entry that inflates past the size its header declares, past
/// ``XLSXLimits/maxInflatedBytesPerEntry`` or the archive's total, or beyond
/// ``XLSXLimits/maxCompressionRatio`` once past 1 MiB, stops with `limitExceeded` while inflating.
/// At the end the size and CRC-32 are checked against the central directory.
final class ZipEntryStream {
    /// The entry being read.
    let entry: ZipEntry
    private let archive: ZipArchive
    private let inflater: Inflater?
    private let input: UnsafeMutableRawBufferPointer
    private let output: UnsafeMutableRawBufferPointer
    private var inStart = 0
    private var inEnd = 0
    private var readOffset: Int64
    private let dataEnd: Int64
    private var produced: Int64 = 0
    private var consumed: Int64 = 0
    private var crc: UInt32 = 0
    private var streamEnded = false
    private var finished = false

    private static let inputCapacity = 256 << 10
    private static let ratioThreshold: Int64 = 1 << 20

    init(archive: ZipArchive, entry: ZipEntry, chunkSize: Int) throws {
        self.archive = archive
        self.entry = entry
        let path = archive.file.path
        if entry.flags & 1 != 0 {
            throw XLSXError(
                .unsupportedArchive, file: path, part: entry.name,
                message: "the entry is encrypted with a zip password; save the workbook without a password")
        }
        switch entry.method {
        case 0: inflater = nil
        case 8:
            do {
                inflater = try Inflater()
            } catch {
                throw XLSXError(.unreadable, file: path, part: entry.name, message: "cannot start zlib (\(error))")
            }
        default:
            throw XLSXError(
                .unsupportedArchive, file: path, part: entry.name,
                message:
                    "the entry uses zip compression method \(entry.method); only stored (0) and deflated (8) are read, so re-save the workbook"
            )
        }
        let start = try archive.dataOffset(of: entry)
        readOffset = start
        dataEnd = start + entry.compressedSize
        input = .allocate(byteCount: inflater == nil ? 0 : Self.inputCapacity, alignment: 16)
        output = .allocate(byteCount: max(4096, chunkSize), alignment: 16)
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }

    /// The next chunk of uncompressed bytes, valid until the next call; nil at the end of the entry.
    /// - Throws: ``XLSXError``.
    func next() throws -> UnsafeRawBufferPointer? {
        if finished { return nil }
        guard let inflater else { return try nextStored() }
        if streamEnded {
            try finish()
            return nil
        }
        while true {
            if inStart == inEnd && readOffset < dataEnd { try refill() }
            let (status, used, made) = try inflateStep(inflater)
            inStart += used
            consumed += Int64(used)
            if status == .streamEnd { streamEnded = true }
            if made > 0 {
                try account(made)
                return UnsafeRawBufferPointer(rebasing: output[0..<made])
            }
            if streamEnded {
                try finish()
                return nil
            }
            if used == 0 && inStart == inEnd && readOffset >= dataEnd {
                throw XLSXError(
                    .corruptArchive, file: archive.file.path, part: entry.name,
                    message: "the compressed data ends before the deflate stream does; the file is truncated or corrupt"
                )
            }
        }
    }

    private func inflateStep(_ inflater: Inflater) throws -> (Inflater.Status, Int, Int) {
        do {
            let slice = UnsafeRawBufferPointer(rebasing: input[inStart..<inEnd])
            let r = try inflater.inflate(input: slice, output: output)
            return (r.status, r.consumed, r.produced)
        } catch let f as Inflater.Failure {
            let what: String
            switch f {
            case .corruptData(let m): what = "the compressed data is corrupt (zlib: \(m)); the file is damaged"
            case .outOfMemory: what = "zlib ran out of memory"
            case .internalError(let rc): what = "zlib failed with code \(rc)"
            }
            throw XLSXError(.corruptArchive, file: archive.file.path, part: entry.name, message: what)
        }
    }

    private func nextStored() throws -> UnsafeRawBufferPointer? {
        let remaining = dataEnd - readOffset
        if remaining <= 0 {
            try finish()
            return nil
        }
        let n = Int(min(Int64(output.count), remaining))
        let got = try archive.file.read(into: UnsafeMutableRawBufferPointer(rebasing: output[0..<n]), at: readOffset)
        guard got == n else { throw truncated() }
        readOffset += Int64(n)
        consumed += Int64(n)
        try account(n)
        return UnsafeRawBufferPointer(rebasing: output[0..<n])
    }

    private func refill() throws {
        let n = Int(min(Int64(input.count), dataEnd - readOffset))
        let got = try archive.file.read(into: UnsafeMutableRawBufferPointer(rebasing: input[0..<n]), at: readOffset)
        guard got == n else { throw truncated() }
        readOffset += Int64(n)
        inStart = 0
        inEnd = n
    }

    private func truncated() -> XLSXError {
        XLSXError(
            .corruptArchive, file: archive.file.path, part: entry.name,
            message: "the file ends inside the entry's data; it is truncated, so save or download it again")
    }

    private func account(_ n: Int) throws {
        produced += Int64(n)
        let archiveTotal = archive.addInflated(Int64(n))
        crc = Inflater.crc32(crc, UnsafeRawBufferPointer(rebasing: output[0..<n]))
        let limits = archive.limits
        let path = archive.file.path
        if produced > entry.uncompressedSize {
            throw XLSXError(
                .limitExceeded, file: path, part: entry.name,
                message:
                    "the entry inflates past the \(entry.uncompressedSize) bytes its header declares; the header lies, so the file is refused"
            )
        }
        if produced > limits.maxInflatedBytesPerEntry {
            throw XLSXError(
                .limitExceeded, file: path, part: entry.name,
                message:
                    "the entry inflates past \(limits.maxInflatedBytesPerEntry) bytes, the per-entry limit; raise maxInflatedBytesPerEntry if the file is legitimate"
            )
        }
        if archiveTotal > limits.maxInflatedBytesTotal {
            throw XLSXError(
                .limitExceeded, file: path, part: entry.name,
                message:
                    "the archive inflates past \(limits.maxInflatedBytesTotal) bytes in all, the limit; raise maxInflatedBytesTotal if the file is legitimate"
            )
        }
        if inflater != nil && produced > Self.ratioThreshold
            && Double(produced) > limits.maxCompressionRatio * Double(max(consumed, 1))
        {
            throw XLSXError(
                .limitExceeded, file: path, part: entry.name,
                message:
                    "the entry inflates more than \(Int(limits.maxCompressionRatio)) times its compressed size (a zip bomb); raise maxCompressionRatio if the file is legitimate"
            )
        }
    }

    private func finish() throws {
        finished = true
        let path = archive.file.path
        if produced != entry.uncompressedSize {
            throw XLSXError(
                .corruptArchive, file: path, part: entry.name,
                message:
                    "the entry inflated to \(produced) bytes but its header declares \(entry.uncompressedSize); the archive is corrupt"
            )
        }
        if crc != entry.crc32 {
            throw XLSXError(
                .corruptArchive, file: path, part: entry.name,
                message:
                    "the entry's CRC-32 is \(Self.hex(crc)) but its header says \(Self.hex(entry.crc32)); the file is damaged, so save or download it again"
            )
        }
    }

    private static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 8 - s.count)) + s
    }
}
