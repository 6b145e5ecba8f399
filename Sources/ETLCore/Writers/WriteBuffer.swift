public import OrderedJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A growable byte buffer with nothing between an append and `memcpy`.
///
/// `Array.append(contentsOf:)` checks uniqueness and capacity and copies through an iterator on
/// every call; for the many short appends of `convert` (a key, a quote, a cell) that was a fifth of
/// the time. The buffer is a class so it is never copied; it frees its memory when it goes.
public final class WriteBuffer: ByteAppender {
    private(set) var base: UnsafeMutablePointer<UInt8>
    /// How many bytes it holds.
    public private(set) var count = 0
    private var capacity: Int

    /// An empty buffer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes held.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always) private func reserve(_ extra: Int) {
        if count + extra <= capacity { return }
        var grown = capacity * 2
        while grown < count + extra { grown *= 2 }
        let fresh = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        fresh.update(from: base, count: count)
        base.deallocate()
        base = fresh
        capacity = grown
    }

    /// Appends one byte.
    @inline(__always) public func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    /// Appends a run of bytes.
    @inline(__always) public func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        guard n > 0, let src = bytes.baseAddress else { return }
        reserve(n)
        memcpy(base + count, src, n)
        count += n
    }

    /// Appends the bytes of an array.
    @inline(__always) public func append(_ array: [UInt8]) {
        array.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    /// Appends a string's UTF-8.
    @inline(__always) public func append(_ s: String) {
        var s = s
        s.withUTF8 { append(contentsOf: $0) }
    }

    /// Empties the buffer, keeping its memory.
    @inline(__always) public func removeAll() { count = 0 }
}
