import Foundation

/// A minimal RFC 4180 CSV reader and writer for the upload files and exports of the stand-ins.
enum CSVTable {
    /// Parses CSV text (comma-separated, `"` quoting, CRLF or LF line ends) into rows of fields.
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        var fieldStarted = false
        func nextScalar() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return iterator.next()
        }
        while let c = nextScalar() {
            if inQuotes {
                if c == "\"" {
                    if let n = iterator.next() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else {
                        inQuotes = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty:
                inQuotes = true
                fieldStarted = true
            case ",":
                row.append(field)
                field = ""
                fieldStarted = true
            case "\r":
                continue
            case "\n":
                if fieldStarted || !field.isEmpty || !row.isEmpty {
                    row.append(field)
                    rows.append(row)
                }
                row = []
                field = ""
                fieldStarted = false
            default:
                field.unicodeScalars.append(c)
                fieldStarted = true
            }
        }
        if fieldStarted || !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }

    /// One CSV line (with CRLF) for `fields`, quoting where needed.
    static func line(_ fields: [String]) -> String {
        fields.map { f in
            if f.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                return "\"" + f.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            }
            return f
        }.joined(separator: ",") + "\r\n"
    }
}
