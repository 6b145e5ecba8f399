internal import CZlib

/// Raw-deflate decompression (zip method 8) with a pinned `z_stream`.
///
/// The stream lives in its own heap allocation because zlib checks `strm->state->strm == strm`
/// (STYLE.md, C-library quirk 4). zlib status codes become ``Inflater/Status`` or an error in one
/// `switch` (``Inflater/check(_:)``).
final class Inflater {
    /// What one call to ``inflate(input:output:)`` achieved.
    enum Status {
        /// More input or output room is needed.
        case progress
        /// The deflate stream ended.
        case streamEnd
    }

    /// How zlib failed, as a semantic error.
    enum Failure: Error, Equatable {
        /// `Z_DATA_ERROR`: the compressed data is corrupt (zlib's message).
        case corruptData(String)
        /// `Z_MEM_ERROR`: zlib could not allocate its state.
        case outOfMemory
        /// `Z_STREAM_ERROR` / `Z_VERSION_ERROR` / other: a bug or an incompatible zlib.
        case internalError(Int32)
    }

    private let stream: UnsafeMutablePointer<z_stream>

    /// Sets up raw inflate (`windowBits` -15: no zlib or gzip header).
    /// - Throws: ``Failure``.
    init() throws {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let rc = czlib_inflateInit2(stream, -15)
        if rc != Z_OK {
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw Self.failure(rc, message: nil)
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates from `input` into `output`.
    /// - Returns: the status, how many input bytes were consumed and how many output bytes were produced.
    /// - Throws: ``Failure``.
    func inflate(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws -> (
        status: Status, consumed: Int, produced: Int
    ) {
        let inCount = input.count
        let outCount = output.count
        stream.pointee.next_in = UnsafeMutablePointer(
            mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(inCount)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_out = uInt(outCount)
        let rc = CZlib.inflate(stream, Z_NO_FLUSH)
        let consumed = inCount - Int(stream.pointee.avail_in)
        let produced = outCount - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        return (try check(rc), consumed, produced)
    }

    /// Maps a zlib return code to a status or a semantic failure (the one place that knows zlib's codes).
    func check(_ rc: Int32) throws -> Status {
        switch rc {
        case Z_OK: return .progress
        case Z_BUF_ERROR: return .progress  // no progress possible: the caller supplies input or room
        case Z_STREAM_END: return .streamEnd
        default:
            let msg = stream.pointee.msg.map { String(cString: $0) }
            throw Self.failure(rc, message: msg)
        }
    }

    private static func failure(_ rc: Int32, message: String?) -> Failure {
        switch rc {
        case Z_DATA_ERROR, Z_NEED_DICT: return .corruptData(message ?? "invalid deflate data")
        case Z_MEM_ERROR: return .outOfMemory
        default: return .internalError(rc)
        }
    }

    /// CRC-32 (zlib's `crc32`) of `bytes`, continuing from `crc`.
    static func crc32(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        var c = uLong(crc)
        var p = base.assumingMemoryBound(to: Bytef.self)
        var n = bytes.count
        while n > 0 {
            let step = min(n, Int(Int32.max))
            c = CZlib.crc32(c, p, uInt(step))
            p += step
            n -= step
        }
        return UInt32(truncatingIfNeeded: c)
    }
}
