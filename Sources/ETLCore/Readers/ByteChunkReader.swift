#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a text file in large chunks into one growable buffer, for the CSV and JSON parsers.
///
/// The parsers work on `base[0..<end]` and call ``refill(keepingFrom:)`` when a record runs past
/// `end`: the unfinished bytes move to the front and more are read behind them, so memory stays at
/// one record plus the chunk size. A UTF-8 byte order mark is dropped; a UTF-16 one (or
/// ``TextEncodingChoice/utf16``) switches to transcoding, so the parsers always see UTF-8 (or, for
/// Windows-1252 and undeclared bytes, the raw bytes).
final class ByteChunkReader {
    /// The byte order of UTF-16 input.
    enum Transcoding: Equatable {
        /// Bytes pass through (UTF-8, Windows-1252, or anything the parser decodes itself).
        case none
        /// UTF-16 little-endian, transcoded to UTF-8.
        case utf16LE
        /// UTF-16 big-endian, transcoded to UTF-8.
        case utf16BE
    }

    /// The file as the user named it.
    let path: String
    /// The decoded bytes; valid up to ``end``.
    private(set) var base: UnsafeMutablePointer<UInt8>
    /// The buffer's size.
    private(set) var capacity: Int
    /// The end of the valid bytes in ``base``.
    private(set) var end = 0
    /// Whether the file has been read to its end (no bytes beyond ``end``).
    private(set) var atEOF = false
    /// The stream offset (in decoded bytes) of `base[0]`.
    private(set) var baseOffset = 0
    /// Whether the file began with a byte order mark.
    private(set) var hadBOM = false
    /// How the raw bytes become the buffer's bytes.
    private(set) var transcoding = Transcoding.none
    /// Whether UTF-16 was inferred from zero bytes, without a byte order mark.
    private(set) var guessedUTF16 = false
    /// How many unpaired UTF-16 surrogates were replaced by U+FFFD so far.
    private(set) var loneSurrogates = 0

    private let fd: Int32
    private let chunkSize: Int
    private var raw: UnsafeMutablePointer<UInt8>?
    private var rawCount = 0
    private var rawEOF = false
    private var pendingHighSurrogate: UInt32?

    /// Opens `path` and reads the first chunk.
    /// - Parameters:
    ///   - path: the file.
    ///   - encoding: the user's choice; `.utf16` without a byte order mark means little-endian.
    ///   - chunkSize: how many bytes one `read(2)` asks for.
    /// - Throws: ``ReadError`` (`unreadable`) when the file cannot be opened or read.
    init(path: String, encoding: TextEncodingChoice, chunkSize: Int = 1 << 20) throws {
        self.path = path
        self.chunkSize = max(chunkSize, 16)
        let f = open(path, O_RDONLY)
        guard f >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ReadError(
                .unreadable, file: path,
                message: "cannot open the file (\(reason)); check the path and that it is readable")
        }
        fd = f
        capacity = self.chunkSize
        base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity + 16)
        let n = try readSome(into: base, count: capacity)
        end = n
        if n == 0 { atEOF = true }
        if n >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF {
            hadBOM = true
            dropFront(3)
        } else if n >= 2 && base[0] == 0xFF && base[1] == 0xFE {
            hadBOM = true
            try startUTF16(.utf16LE, skip: 2)
        } else if n >= 2 && base[0] == 0xFE && base[1] == 0xFF {
            hadBOM = true
            try startUTF16(.utf16BE, skip: 2)
        } else if encoding == .utf16 {
            try startUTF16(.utf16LE, skip: 0)
        } else if encoding == .auto, let order = Self.looksLikeUTF16(UnsafeBufferPointer(start: base, count: n)) {
            guessedUTF16 = true
            try startUTF16(order, skip: 0)
        }
    }

    /// UTF-16 without a byte order mark shows as text where every other byte is zero; plain text
    /// (UTF-8 or Windows-1252) has no zero bytes. Returns the byte order when the sample looks so.
    static func looksLikeUTF16(_ bytes: UnsafeBufferPointer<UInt8>) -> Transcoding? {
        let pairs = min(bytes.count, 4096) / 2
        guard pairs >= 2 else { return nil }
        var evenZeros = 0
        var oddZeros = 0
        for k in 0..<pairs {
            if bytes[2 * k] == 0 { evenZeros += 1 }
            if bytes[2 * k + 1] == 0 { oddZeros += 1 }
        }
        if oddZeros * 10 >= pairs * 3 && evenZeros * 20 < pairs { return .utf16LE }
        if evenZeros * 10 >= pairs * 3 && oddZeros * 20 < pairs { return .utf16BE }
        return nil
    }

    deinit {
        base.deallocate()
        raw?.deallocate()
        _ = close(fd)
    }

    /// Moves `base[from..<end]` to the front and reads more behind it.
    ///
    /// The buffer doubles when the kept bytes fill more than half of it (a record longer than a
    /// chunk), so a single record of any length fits.
    /// - Parameter from: the first byte still needed; everything before it is dropped.
    /// - Returns: how many new bytes arrived (0 means the end of the file).
    /// - Throws: ``ReadError`` (`unreadable`) on a read failure.
    @discardableResult
    func refill(keepingFrom from: Int) throws -> Int {
        if atEOF { return 0 }
        let kept = end - from
        if from > 0 {
            if kept > 0 { (base).update(from: base + from, count: kept) }
            baseOffset += from
            end = kept
        }
        if kept > capacity / 2 {
            let newCapacity = capacity * 2
            let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity + 16)
            grown.update(from: base, count: kept)
            base.deallocate()
            base = grown
            capacity = newCapacity
        }
        let n: Int
        if transcoding == .none {
            n = try readSome(into: base + end, count: capacity - end)
        } else {
            n = try transcodeSome()
        }
        end += n
        if n == 0 { atEOF = true }
        return n
    }

    /// Drops the first `count` valid bytes (a byte order mark).
    private func dropFront(_ count: Int) {
        let rest = end - count
        if rest > 0 { base.update(from: base + count, count: rest) }
        end = rest
    }

    /// One `read(2)`, retried on `EINTR`, filling as much of `count` as the file gives at once.
    private func readSome(into p: UnsafeMutablePointer<UInt8>, count: Int) throws -> Int {
        var total = 0
        while total < count {
            let n = read(fd, p + total, count - total)
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw ReadError(
                    .unreadable, file: path,
                    message: "cannot read the file (\(reason)); check that it is a readable file")
            }
            if n == 0 { break }
            total += n
            if total >= count / 2 { break }
        }
        return total
    }

    // MARK: UTF-16

    private func startUTF16(_ order: Transcoding, skip: Int) throws {
        transcoding = order
        let rawCapacity = chunkSize
        let r = UnsafeMutablePointer<UInt8>.allocate(capacity: rawCapacity)
        raw = r
        rawCount = max(end - skip, 0)
        if rawCount > 0 { r.update(from: base + skip, count: rawCount) }
        end = 0
        atEOF = false
        let n = try transcodeSome()
        end = n
        if n == 0 { atEOF = true }
    }

    /// Transcodes buffered and newly read UTF-16 into `base[end...]`; returns the UTF-8 bytes written.
    private func transcodeSome() throws -> Int {
        guard let raw else { return 0 }
        while true {
            if !rawEOF && rawCount < chunkSize {
                let n = try readSome(into: raw + rawCount, count: chunkSize - rawCount)
                if n == 0 { rawEOF = true }
                rawCount += n
            }
            // Every 2 input bytes give at most 3 output bytes (the 16 spare bytes behind
            // `capacity` take the few replacement characters the end of the input may add).
            let usable = min(rawCount & ~1, ((capacity - end) / 3) * 2)
            var out = base + end
            var i = 0
            let bigEndian = transcoding == .utf16BE
            while i < usable {
                let unit =
                    bigEndian
                    ? UInt32(raw[i]) << 8 | UInt32(raw[i + 1])
                    : UInt32(raw[i + 1]) << 8 | UInt32(raw[i])
                i += 2
                var scalar: UInt32
                if let high = pendingHighSurrogate {
                    pendingHighSurrogate = nil
                    if unit >= 0xDC00 && unit <= 0xDFFF {
                        scalar = 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00)
                    } else {
                        loneSurrogates += 1
                        out = Self.putUTF8(0xFFFD, at: out)
                        scalar = unit
                    }
                } else {
                    scalar = unit
                }
                if scalar >= 0xD800 && scalar <= 0xDBFF {
                    pendingHighSurrogate = scalar
                    continue
                }
                if scalar >= 0xDC00 && scalar <= 0xDFFF {
                    loneSurrogates += 1
                    scalar = 0xFFFD
                }
                out = Self.putUTF8(scalar, at: out)
            }
            let left = rawCount - usable
            if left > 0 { raw.update(from: raw + usable, count: left) }
            rawCount = left
            if rawEOF && rawCount == 1 {
                // A dangling odd byte: replace it.
                rawCount = 0
                loneSurrogates += 1
                out = Self.putUTF8(0xFFFD, at: out)
            }
            if rawEOF && rawCount == 0, pendingHighSurrogate != nil {
                pendingHighSurrogate = nil
                loneSurrogates += 1
                out = Self.putUTF8(0xFFFD, at: out)
            }
            let written = (base + end).distance(to: out)
            if written > 0 { return written }
            if rawEOF && rawCount == 0 && pendingHighSurrogate == nil { return 0 }
        }
    }

    @inline(__always)
    private static func putUTF8(_ s: UInt32, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if s < 0x80 {
            p[0] = UInt8(s)
            return p + 1
        } else if s < 0x800 {
            p[0] = UInt8(0xC0 | (s >> 6))
            p[1] = UInt8(0x80 | (s & 0x3F))
            return p + 2
        } else if s < 0x10000 {
            p[0] = UInt8(0xE0 | (s >> 12))
            p[1] = UInt8(0x80 | ((s >> 6) & 0x3F))
            p[2] = UInt8(0x80 | (s & 0x3F))
            return p + 3
        } else {
            p[0] = UInt8(0xF0 | (s >> 18))
            p[1] = UInt8(0x80 | ((s >> 12) & 0x3F))
            p[2] = UInt8(0x80 | ((s >> 6) & 0x3F))
            p[3] = UInt8(0x80 | (s & 0x3F))
            return p + 4
        }
    }
}
