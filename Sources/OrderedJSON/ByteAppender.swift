/// Something bytes can be appended to: `[UInt8]`, or a byte buffer of the caller's for hot loops
/// (ETLCore's `WriteBuffer`).
public protocol ByteAppender {
    /// Appends one byte.
    mutating func append(_ byte: UInt8)
    /// Appends a run of bytes.
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: ByteAppender where Element == UInt8 {}
