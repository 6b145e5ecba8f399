/// SAX events of `xl/sharedStrings.xml` → the shared-strings table.
///
/// Each `<si>` is one string: its `<t>`, or the concatenation of its rich-text runs' `<r><t>`;
/// phonetic runs (`<rPh>`) are left out; each `<t>` follows Excel's whitespace rule (``TextElement``:
/// trimmed unless `xml:space="preserve"`); `_xHHHH_` escapes are decoded after that. The table's total
/// size is bounded by the shared-strings budget.
final class SharedStringsHandler: SAXHandler {
    /// The strings, by index.
    private(set) var strings: [String] = []
    /// Their total size in UTF-8 bytes.
    private(set) var totalBytes: Int64 = 0

    private let maxCellBytes: Int
    private let budget: Int64
    private var inItem = false
    private var collecting = false
    private var phonetic = 0
    private var text = TextElement()
    private let buffer = ScratchBuffer()

    init(limits: XLSXLimits, fileSize: Int64) {
        maxCellBytes = limits.maxCellBytes
        budget = limits.sharedStringsBudget(fileSize: fileSize)
    }

    override func startElement(_ name: UnsafePointer<UInt8>, _ attributes: SAXAttributes) {
        if nameIs(name, "t") {
            if inItem && phonetic == 0 {
                collecting = true
                text.begin(attributes, at: buffer.count)
            }
        } else if nameIs(name, "si") {
            inItem = true
            phonetic = 0
            text.reset()
            buffer.removeAll()
        } else if nameIs(name, "rPh") {
            phonetic += 1
        } else if nameIs(name, "sst") {
            for i in 0..<attributes.count {
                guard let n = attributes.name(i), attributes.prefix(i) == nil, nameIs(n, "uniqueCount") else {
                    continue
                }
                // A hint only: reserve at most a million slots whatever the file claims.
                if let c = CellText.integer(attributes.value(i)) { strings.reserveCapacity(min(c, 1_000_000)) }
            }
        }
    }

    override func endElement(_ name: UnsafePointer<UInt8>) {
        if nameIs(name, "t") {
            collecting = false
            text.end(buffer)
        } else if nameIs(name, "si") {
            inItem = false
            collecting = false
            text.end(buffer)
            let s = CellText.string(buffer.bytes)
            totalBytes += Int64(s.utf8.count)
            if totalBytes > budget {
                fail(
                    .limitExceeded,
                    "the shared strings hold more than \(budget) bytes of text, the limit for a file of this size; raise maxSharedStringsExpansion if the file is legitimate"
                )
                return
            }
            strings.append(s)
        } else if nameIs(name, "rPh") {
            phonetic = max(0, phonetic - 1)
        }
    }

    override func characters(_ bytes: UnsafePointer<UInt8>, _ count: Int) {
        guard collecting else { return }
        let (bytes, count) = text.admit(bytes, count)
        if count == 0 { return }
        if buffer.count + count > maxCellBytes {
            collecting = false
            fail(
                .limitExceeded,
                "shared string \(strings.count) holds more than \(maxCellBytes) bytes of text, the per-cell limit; raise maxCellBytes if the file is legitimate"
            )
            return
        }
        buffer.append(bytes, count)
    }
}
