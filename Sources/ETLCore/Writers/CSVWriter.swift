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
        var needsQuotes = false
        for u in f.utf8 where u == delimiter || u == 0x22 || u == 0x0A || u == 0x0D {
            needsQuotes = true
            break
        }
        if !needsQuotes {
            sink.buffer.append(contentsOf: f.utf8)
            return
        }
        sink.buffer.append(0x22)
        for u in f.utf8 {
            if u == 0x22 { sink.buffer.append(0x22) }
            sink.buffer.append(u)
        }
        sink.buffer.append(0x22)
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
}
