public import OrderedJSON

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes RFC 4180 CSV: UTF-8, no BOM, CRLF-free (`\n` line ends), fields quoted only when needed.
public final class CSVWriter {
    private let sink: OutputSink
    private let delimiter: UInt8
    /// Whether values that a spreadsheet would run as a formula are prefixed with `'` (reports only).
    public var escapeFormulas = false

    /// Creates a writer on a sink.
    public init(sink: OutputSink, delimiter: UInt8 = UInt8(ascii: ",")) {
        self.sink = sink
        self.delimiter = delimiter
    }

    /// Writes one line of fields.
    public func writeRow(_ fields: [String]) throws {
        for (i, f) in fields.enumerated() {
            if i > 0 { sink.buffer.append(delimiter) }
            appendField(escapeFormulas ? FormulaGuard.escaped(f) : f)
        }
        sink.buffer.append(UInt8(ascii: "\n"))
        try sink.flushIfNeeded()
    }

    @inline(__always) private func appendField(_ f: String) {
        var f = f
        f.withUTF8 { Self.appendField(bytes: $0, delimiter: delimiter, to: &sink.buffer) }
    }

    /// Appends one field's UTF-8 bytes to `out`, quoted (with doubled quotes) only when it holds the
    /// delimiter, a quote or a line break. No formula escaping: for data, not reports.
    public static func appendField<Out: ByteAppender>(
        bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8, to out: inout Out
    ) {
        guard let base = bytes.baseAddress else { return }
        let n = bytes.count
        var i = ByteScan.first(base, from: 0, to: n, delimiter, 0x22, 0x0A, 0x0D)
        if i == n {
            out.append(contentsOf: bytes)
            return
        }
        out.append(0x22)
        var runStart = 0
        while let hit = memchr(base + i, 0x22, n - i) {
            let q = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(hit))
            out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: q + 1 - runStart))
            out.append(0x22)
            runStart = q + 1
            i = q + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(start: base + runStart, count: n - runStart))
        out.append(0x22)
    }

}

/// Spreadsheet formula-injection guard for reports: values starting with `=`, `+`, `-`, `@`,
/// tab or carriage return are prefixed with a single quote so a spreadsheet shows them as text.
public enum FormulaGuard {
    /// Whether a value would be taken for a formula.
    public static func isRisky(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return false }
        return first == UInt8(ascii: "=") || first == UInt8(ascii: "+") || first == UInt8(ascii: "-")
            || first == UInt8(ascii: "@") || first == 0x09 || first == 0x0D
    }

    /// The value, prefixed with `'` when risky.
    public static func escaped(_ s: String) -> String { isRisky(s) ? "'" + s : s }

    /// The escape for files that are read back (`quarantine.csv`): risky values, and values that
    /// really start with `'`, are prefixed with `'`, so ``unescaped(_:)`` restores every value
    /// exactly (`=x` → `'=x`, `'=x` → `''=x`, `'a` → `''a`).
    public static func reversiblyEscaped(_ s: String) -> String {
        isRisky(s) || s.utf8.first == apostrophe ? "'" + s : s
    }

    /// Undoes ``reversiblyEscaped(_:)``: drops one leading `'`.
    public static func unescaped(_ s: String) -> String {
        s.utf8.first == apostrophe ? String(decoding: s.utf8.dropFirst(), as: UTF8.self) : s
    }

    private static let apostrophe = UInt8(ascii: "'")
}
