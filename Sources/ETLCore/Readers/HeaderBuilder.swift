/// Turns a header row's texts into columns, applying the empty/duplicate header policy.
///
/// Shared by the CSV and XLSX readers so both name and rename columns the same way.
public enum HeaderBuilder {
    /// Builds the columns for a header row.
    ///
    /// Trailing empty header cells are not columns. With ``HeaderPolicy/rename`` an empty header
    /// becomes its column letter and the n-th repeat of a name becomes `name_n` (skipping names
    /// already taken), each with a warning; with ``HeaderPolicy/error`` either is a ``ReadError``.
    /// - Parameters:
    ///   - texts: the header cells' canonical text, in column order (index 0 = column A).
    ///   - policy: what to do with empty or duplicate names.
    ///   - file: the file, for messages.
    ///   - part: the sheet, for messages.
    ///   - row: the header row number.
    ///   - warnings: receives the rename warnings.
    /// - Returns: the columns, in column order.
    /// - Throws: ``ReadError`` with code `badHeader`.
    public static func columns(
        from texts: [String], policy: HeaderPolicy, file: String, part: String?, row: Int,
        warnings: inout WarningLog
    ) throws -> [Column] {
        var count = texts.count
        while count > 0 && texts[count - 1].isEmpty { count -= 1 }
        let names = Array(texts[0..<count])
        let empties = names.indices.filter { names[$0].isEmpty }.map { ColumnName.letter($0) }
        if !empties.isEmpty && policy == .error {
            throw ReadError(
                .badHeader, file: file, part: part, line: row,
                message:
                    "header row \(row) has no name in column\(empties.count > 1 ? "s" : "") \(empties.joined(separator: ", ")); name every column, or set duplicate_headers: rename to use the column letter"
            )
        }
        var seen: [String: [Int]] = [:]
        for (i, n) in names.enumerated() where !n.isEmpty { seen[n, default: []].append(i) }
        let dups = seen.filter { $0.value.count > 1 }.sorted { $0.value[0] < $1.value[0] }
        if !dups.isEmpty && policy == .error {
            let list = dups.map { name, idx in
                "\"\(name)\" in columns \(idx.map { ColumnName.letter($0) }.joined(separator: ", "))"
            }
            throw ReadError(
                .badHeader, file: file, part: part, line: row,
                message:
                    "header row \(row) repeats \(list.joined(separator: "; ")); rename the columns, or set duplicate_headers: rename to get Name, Name_2"
            )
        }
        var taken = Set(names.filter { !$0.isEmpty })
        var occurrences: [String: Int] = [:]
        var columns: [Column] = []
        columns.reserveCapacity(names.count)
        for (i, raw) in names.enumerated() {
            let letter = ColumnName.letter(i)
            var name = raw
            if raw.isEmpty {
                name = letter
                var k = 2
                while taken.contains(name) {
                    name = "\(letter)_\(k)"
                    k += 1
                }
                taken.insert(name)
                warnings.add(
                    ReadWarning(
                        file: file, part: part, line: row, column: letter,
                        message: "column \(letter) has no header; named it \"\(name)\""))
            } else {
                let n = occurrences[raw, default: 0] + 1
                occurrences[raw] = n
                if n > 1 {
                    var k = n
                    name = "\(raw)_\(k)"
                    while taken.contains(name) {
                        k += 1
                        name = "\(raw)_\(k)"
                    }
                    taken.insert(name)
                    warnings.add(
                        ReadWarning(
                            file: file, part: part, line: row, column: letter,
                            message: "header \"\(raw)\" repeats in column \(letter); renamed it \"\(name)\""))
                }
            }
            columns.append(Column(header: name, letter: letter))
        }
        return columns
    }

    /// Columns for a file read without a header row: their letters.
    public static func letterColumns(count: Int) -> [Column] {
        (0..<count).map {
            let l = ColumnName.letter($0); return Column(header: l, letter: l)
        }
    }
}
