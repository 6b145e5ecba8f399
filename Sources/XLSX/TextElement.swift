/// Excel's whitespace rule for the text of a `<t>` element (shared strings, inline strings and each
/// rich-text run alike): without `xml:space="preserve"` on that `<t>`, leading and trailing XML
/// whitespace (space, tab, CR, LF, whether written as such or as character references) is dropped;
/// inner whitespace and other spaces (NBSP) stay. With `preserve` the text is kept as written.
/// `_xHHHH_` escapes are decoded after trimming, so an escaped `_x000D_` at an edge stays.
///
/// The handler owning the text buffer drives it: ``begin(_:at:)`` at `<t>`, ``admit(_:_:)`` for each
/// chunk of characters (dropping the leading run as it arrives, so nothing is moved afterwards),
/// ``end(_:)`` at `</t>` (dropping the trailing run).
struct TextElement {
    /// Whether a `<t>` is open and collecting.
    private(set) var isOpen = false
    /// Whether the open `<t>` is trimmed (no `xml:space="preserve"`).
    private var trims = false
    /// Whether leading whitespace is still being dropped.
    private var leading = false
    /// Where the open `<t>`'s text starts in the buffer.
    private var start = 0

    /// Opens a `<t>` whose text will start at `offset` in the buffer.
    @inline(__always) mutating func begin(_ attributes: SAXAttributes, at offset: Int) {
        isOpen = true
        trims = !Self.preservesSpace(attributes)
        leading = trims
        start = offset
    }

    /// The part of a chunk to append: all of it, or what follows the leading whitespace of a trimmed
    /// `<t>` (count 0 when the chunk is all whitespace).
    @inline(__always) mutating func admit(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> (UnsafePointer<UInt8>, Int) {
        guard leading else { return (bytes, count) }
        var p = bytes
        var n = count
        while n > 0 && CellText.isSpace(p.pointee) {
            p += 1
            n -= 1
        }
        if n > 0 { leading = false }
        return (p, n)
    }

    /// Closes the `<t>`: drops the trailing whitespace of a trimmed one from `buffer`.
    @inline(__always) mutating func end(_ buffer: ScratchBuffer) {
        guard isOpen else { return }
        isOpen = false
        if trims { buffer.dropTrailingSpace(downTo: start) }
    }

    /// Forgets an open `<t>` (a new cell or string starts).
    @inline(__always) mutating func reset() {
        isOpen = false
        leading = false
    }

    /// Whether the element's attributes say `xml:space="preserve"`.
    static func preservesSpace(_ attributes: SAXAttributes) -> Bool {
        for i in 0..<attributes.count {
            guard let n = attributes.name(i), nameIs(n, "space"), let p = attributes.prefix(i), nameIs(p, "xml")
            else { continue }
            let v = attributes.value(i)
            return v.count == 8 && v.elementsEqual("preserve".utf8)
        }
        return false
    }
}
