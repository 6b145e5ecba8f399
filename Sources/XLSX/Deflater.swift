internal import CZlib

/// A streaming raw-deflate compressor (zlib, `windowBits` -15: no zlib or gzip wrapper, as zip wants).
///
/// The `z_stream` lives in its own heap allocation so that its address never changes: zlib checks
/// `strm->state->strm == strm` on every call. One instance compresses one zip entry; call
/// ``compress(_:finish:into:)`` with each chunk of input and once more with `finish: true`.
final class Deflater {
    /// Bytes of compressed output collected before they are handed to the sink.
    static let outputChunk = 64 * 1024

    private let stream: UnsafeMutablePointer<z_stream>
    private let output: UnsafeMutablePointer<UInt8>
    private var finished = false

    /// Starts a raw deflate stream.
    /// - Parameter level: zlib compression level, 0 (store) … 9 (best); 6 is zlib's default balance.
    /// - Throws: ``XLSXWriteError`` with code `compressionFailed` when zlib cannot start (out of memory).
    init(level: Int32 = 6) throws {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        output = UnsafeMutablePointer<UInt8>.allocate(capacity: Deflater.outputChunk)
        let status = czlib_deflateInit2(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY)
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            output.deallocate()
            throw XLSXWriteError(
                code: .compressionFailed, location: "zlib",
                detail: "deflateInit2 failed with status \(status); check that memory is available")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
        output.deallocate()
    }

    /// Total uncompressed bytes consumed so far.
    var totalIn: UInt64 { UInt64(stream.pointee.total_in) }

    /// Compresses `input` and hands every full (or, when finishing, final) output chunk to `sink`.
    /// - Parameters:
    ///   - input: the next uncompressed bytes (may be empty).
    ///   - finish: true for the last call: flushes everything and ends the deflate stream.
    ///   - sink: receives compressed bytes; the buffer is only valid during the call.
    /// - Throws: ``XLSXWriteError`` (`compressionFailed`) on a zlib error, or whatever `sink` throws.
    func compress(
        _ input: UnsafeRawBufferPointer, finish: Bool, into sink: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        precondition(!finished, "Deflater used after the stream was finished")
        let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base)
        stream.pointee.avail_in = UInt32(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            stream.pointee.next_out = output
            stream.pointee.avail_out = UInt32(Deflater.outputChunk)
            let status = deflate(stream, flush)
            let produced = Deflater.outputChunk - Int(stream.pointee.avail_out)
            if produced > 0 {
                try sink(UnsafeRawBufferPointer(start: output, count: produced))
            }
            switch status {
            case Z_STREAM_END:
                finished = true
                return
            case Z_OK, Z_BUF_ERROR:
                // Z_BUF_ERROR only means "no progress possible": all input consumed, output drained.
                if !finish && stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 { return }
                if status == Z_BUF_ERROR && !finish { return }
            default:
                throw XLSXWriteError(
                    code: .compressionFailed, location: "zlib",
                    detail: "deflate failed with status \(status); this is a bug or memory is exhausted")
            }
        }
    }
}
