/// A growable byte buffer in raw memory, reused for every cell's text.
///
/// A class held in a `let`: appending from a SAX callback then costs a `memcpy`, with no Array
/// uniqueness check and no dynamic exclusivity check on the handler's stored properties.
final class ScratchBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 256) {
        self.capacity = max(16, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// The bytes so far, valid until the next mutation.
    @inline(__always) var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    @inline(__always) var isEmpty: Bool { count == 0 }

    @inline(__always) func removeAll() { count = 0 }

    @inline(__always) func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        if count + n > capacity { grow(to: count + n) }
        (base + count).update(from: p, count: n)
        count += n
    }

    private func grow(to needed: Int) {
        var c = capacity
        while c < needed { c *= 2 }
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        p.update(from: base, count: count)
        base.deallocate()
        base = p
        capacity = c
    }

    /// Drops trailing XML whitespace (space, tab, CR, LF), never below `floor` bytes.
    @inline(__always) func dropTrailingSpace(downTo floor: Int) {
        while count > floor && CellText.isSpace(base[count - 1]) { count -= 1 }
    }

    /// Whether the bytes are all XML whitespace (true when empty).
    func isAllSpace() -> Bool {
        for i in 0..<count where !CellText.isSpace(base[i]) { return false }
        return true
    }

    /// Whether the bytes equal `s`.
    func equals(_ s: StaticString) -> Bool {
        guard count == s.utf8CodeUnitCount else { return false }
        for i in 0..<count where base[i] != s.utf8Start[i] { return false }
        return true
    }
}

/// The cells of the row being parsed, in raw memory; copied into an Array once per row.
final class CellAccumulator {
    private var base: UnsafeMutablePointer<XLSXCell>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 64) {
        self.capacity = capacity
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always) func append(_ cell: XLSXCell) {
        if count == capacity { grow() }
        (base + count).initialize(to: cell)
        count += 1
    }

    /// The cells as an Array; the accumulator is empty afterwards.
    func take() -> [XLSXCell] {
        let n = count
        let out = [XLSXCell](unsafeUninitializedCapacity: n) { buffer, initialized in
            if let dst = buffer.baseAddress { dst.moveInitialize(from: base, count: n) }
            initialized = n
        }
        count = 0
        return out
    }

    func removeAll() {
        base.deinitialize(count: count)
        count = 0
    }

    private func grow() {
        let c = capacity * 2
        let p = UnsafeMutablePointer<XLSXCell>.allocate(capacity: c)
        p.moveInitialize(from: base, count: count)
        base.deallocate()
        base = p
        capacity = c
    }
}
