import Foundation

/// How a file should be read and what its columns hold, learnt by reading the whole file once, one
/// record at a time, with bounded memory (capped distinct-value tables and key sets).
public struct FileProfile: Sendable {
    /// The file as given.
    public var path: String
    /// Its format.
    public var format: InputFormat
    /// The read options that read it (sheet, header row, delimiter, encoding, policies).
    public var options: ReadOptions
    /// Why each read option was chosen, by YAML key (`sheet`, `header_row`, …).
    public var readNotes: [String: String] = [:]
    /// The workbook's sheets (XLSX).
    public var sheets: [SheetInfo] = []
    /// The records read.
    public var rows = 0
    /// One profile per column, in column order.
    public var columns: [ColumnProfile] = []
    /// The column whose values are unique and non-empty, preferring key-like names.
    public var key: String?
    /// Why ``key`` was chosen.
    public var keyNote: String?
    /// The Shopify shape: rows sharing this column's value make one product.
    public var group: GroupGuess?
    /// Reader warnings.
    public var warnings: WarningLog = WarningLog()

    /// A repeated key whose follow-on rows fill only some columns (variants, images).
    public struct GroupGuess: Sendable {
        /// The column rows are grouped by.
        public var by: String
        /// The columns whose values vary inside a group (collected into lists).
        public var collect: [String]
        /// Distinct values of `by` (products).
        public var groups: Int
        /// Rows that repeat an earlier value of `by`.
        public var followOnRows: Int
        /// A column filled on first rows and empty on follow-on rows (the evidence).
        public var productColumn: String
        /// The most filled values one group holds, per collected column (how many images a product has).
        public var mostPerGroup: [String: Int] = [:]
    }

    /// The profile of a column by header.
    public func profile(_ header: String) -> ColumnProfile? { columns.first { $0.column.header == header } }
}

/// Reads a file to build its ``FileProfile``.
public enum FileProfiler {
    /// Most key values remembered per candidate column (8-byte digests, about 16 bytes each in the set),
    /// so memory stays bounded on any file: at most 6 × 16 MiB.
    static let keySetCap = 1_000_000
    /// Most candidate columns tracked for uniqueness and grouping.
    static let keyCandidateLimit = 6

    /// Profiles `path`, detecting how to read it unless `options` says.
    /// - Parameters:
    ///   - path: the input file.
    ///   - sheet: a sheet name the user chose (XLSX).
    /// - Throws: ``ReadError`` when the file cannot be read.
    public static func profile(path: String, sheet: String? = nil) throws -> FileProfile {
        let format = try Readers.format(of: path, options: ReadOptions())
        var options = ReadOptions()
        var notes: [String: String] = [:]
        var sheets: [SheetInfo] = []
        if format == .xlsx {
            sheets = try Readers.sheets(of: path)
            if let sheet {
                options.sheet = .name(sheet)
                notes["sheet"] = "chosen with --sheet"
            } else {
                let (chosen, why) = try chooseSheet(path: path, sheets: sheets)
                if let chosen { options.sheet = .name(chosen) }
                notes["sheet"] = why
            }
        }
        if format == .json, let path2 = recordsPath(of: path) {
            options.recordsPath = path2
            notes["records_path"] = "the largest array of objects in the document"
        }
        if format != .json && format != .jsonl {
            let (row, why) = try detectHeaderRow(path: path, options: options)
            options.headerRow = row
            notes["header_row"] = why
        }
        // The whole file, one record at a time; a ragged row or a duplicate header switches to the
        // forgiving policy (which the pipeline then writes) and reads again.
        var attempt = 0
        while true {
            attempt += 1
            do {
                var profile = try scan(path: path, format: format, options: options)
                profile.readNotes.merge(notes) { a, _ in a }
                profile.sheets = sheets
                return profile
            } catch let e as ReadError where attempt < 3 && e.code == .raggedRow && options.raggedRows == .error {
                options.raggedRows = .pad
                notes["ragged_rows"] =
                    "some rows have more or fewer cells than the header (\(e.line.map { "first at row \($0)" } ?? "")): padded"
            } catch let e as ReadError where attempt < 3 && e.code == .badHeader && options.duplicateHeaders == .error {
                options.duplicateHeaders = .rename
                notes["duplicate_headers"] = "the header row has empty or repeated names: renamed (Colour, Colour_2)"
            }
        }
    }

    // MARK: sheet, records path and header row

    /// A JSON document whose top level is an object: the dotted path of its largest array of objects
    /// (`data.items`). Documents over 32 MiB are not searched (they would be parsed whole); nil then,
    /// and for a top-level array.
    static func recordsPath(of path: String) -> String? {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
            size <= 32 << 20, let data = FileManager.default.contents(atPath: path),
            let root = try? JSONSerialization.jsonObject(with: data), root is [String: Any]
        else { return nil }
        var best: (path: String, count: Int)? = nil
        func visit(_ value: Any, _ at: [String], depth: Int) {
            guard depth < 8 else { return }
            if let array = value as? [Any], !at.isEmpty {
                let objects = array.filter { $0 is [String: Any] }.count
                if objects > 0, objects * 2 >= array.count, objects > (best?.count ?? 0) {
                    best = (at.joined(separator: "."), objects)
                }
            } else if let object = value as? [String: Any] {
                for key in object.keys.sorted() where !key.contains(".") {
                    if let v = object[key] { visit(v, at + [key], depth: depth + 1) }
                }
            }
        }
        visit(root, [], depth: 0)
        return best?.path
    }

    /// The visible sheet that looks most like a product table: the most filled cells in its first 200 rows.
    static func chooseSheet(path: String, sheets: [SheetInfo]) throws -> (String?, String) {
        let visible = sheets.filter { !$0.hidden }
        let others = sheets.filter { $0.hidden }.map { "\($0.name) (hidden)" }
        if visible.count == 1, let only = visible.first {
            return (
                only.name,
                "the only visible sheet" + (others.isEmpty ? "" : "; also: " + others.joined(separator: ", "))
            )
        }
        var best: (name: String, score: Int)? = nil
        for s in visible {
            var o = ReadOptions()
            o.sheet = .name(s.name)
            o.headerRow = 0
            o.raggedRows = .pad
            guard let reader = try? Readers.open(path, options: o) else { continue }
            var score = 0
            var n = 0
            while n < 200, let r = try? reader.next() {
                n += 1
                score += r.values.filter { !$0.isEmpty }.count
            }
            if score > (best?.score ?? -1) { best = (s.name, score) }
        }
        let rest = visible.map(\.name).filter { $0 != best?.name } + others
        return (
            best?.name ?? visible.first?.name,
            "the visible sheet with the most filled cells"
                + (rest.isEmpty ? "" : "; also: " + rest.joined(separator: ", "))
        )
    }

    /// The first row that looks like headers rather than a title banner: at least two filled cells, at
    /// least half as many as the widest of the next rows, all text (no numbers, dates or URLs), no repeats.
    static func detectHeaderRow(path: String, options: ReadOptions) throws -> (Int, String) {
        var o = options
        o.headerRow = 0
        o.raggedRows = .pad
        o.duplicateHeaders = .rename
        let reader = try Readers.open(path, options: o)
        var rows: [Record] = []
        while rows.count < 30, let r = try reader.next() { rows.append(r) }
        guard !rows.isEmpty else { return (1, "the first row") }
        let readsText = (try? Readers.format(of: path, options: options)) != .xlsx
        func filled(_ r: Record) -> [CellValue] { r.values.filter { !$0.isEmpty } }
        for (i, r) in rows.enumerated() {
            let cells = filled(r)
            let later = rows[(i + 1)...].prefix(10).map { filled($0).count }
            let widest = later.max() ?? cells.count
            let texts = cells.map { $0.canonicalText.trimmingCharacters(in: .whitespaces) }
            let allText = cells.allSatisfy { Inspection.kind(of: $0, readsText: readsText) == "text" }
            // Mostly distinct names (a repeated one is renamed with `duplicate_headers: rename`).
            if cells.count >= 2, cells.count * 2 >= widest, allText, Set(texts).count * 5 >= texts.count * 4 {
                if r.source.row == 1 { return (1, "row 1 holds the headers") }
                let skipped = rows[..<i].map {
                    "row \($0.source.row): \"\(filled($0).first.map { String($0.canonicalText.prefix(40)) } ?? "")\""
                }
                return (
                    r.source.row,
                    "the first row that looks like headers; above it: "
                        + (skipped.isEmpty ? "empty rows" : skipped.joined(separator: ", "))
                )
            }
        }
        return (1, "no row looks clearly like headers; row 1 assumed")
    }

    // MARK: the scan

    /// Per candidate key column: the values seen (as 64-bit digests, capped), repeats, empties and, for
    /// grouping, how every other column behaves on rows that repeat a value.
    struct KeyTracker {
        var index: Int
        var seen = Set<UInt64>()
        var capped = false
        var repeats = 0
        var empties = 0
        var firstRows = 0
        /// Per column: filled on a first row, filled on a follow-on row, differing inside the group.
        var filledFirst: [Int] = []
        var filledFollowOn: [Int] = []
        var varies: [Int] = []
        /// The current run of adjacent rows with one value, and each column's first value in it.
        var currentValue: String?
        var groupFirst: [String?] = []
        /// Filled values per column in the current run, and the most in any run.
        var runFilled: [Int] = []
        var mostInRun: [Int] = []
    }

    static func digest(_ s: String) -> UInt64 {
        // FNV-1a, 64 bits: a collision only makes a unique column look repeated, never the reverse.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in s.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }

    static func scan(path: String, format: InputFormat, options: ReadOptions) throws -> FileProfile {
        let reader = try Readers.open(path, options: options)
        let readsText = format != .xlsx
        var profile = FileProfile(path: path, format: format, options: options)
        if let csv = reader as? CSVRecordReader {
            profile.options.delimiter = csv.delimiter
        }
        var columns: [ColumnProfile] = reader.columns.map { ColumnProfile(column: $0) }
        var indexOf: [String: Int] = [:]
        for (i, c) in columns.enumerated() { indexOf[c.column.header] = i }
        var trackers: [KeyTracker] = []
        var trackersChosen = false
        var slot: [Int] = []
        while let r = try reader.next() {
            profile.rows += 1
            if slot.count < r.columns.count { slot = [Int](repeating: -1, count: r.columns.count) }
            for (j, c) in r.columns.enumerated() {
                var i = indexOf[c.header] ?? -1
                if i < 0 {
                    i = columns.count
                    columns.append(ColumnProfile(column: c))
                    indexOf[c.header] = i
                }
                slot[j] = i
                columns[i].add(r.values[j], readsText: readsText)
            }
            if !trackersChosen {
                // Key candidates: the columns whose names read most like a key, then the first column.
                trackersChosen = true
                var scored: [(index: Int, score: Int)] = []
                for i in columns.indices {
                    let score = HeaderWords.keyScore(columns[i].column.header)
                    if score > 0 { scored.append((i, score)) }
                }
                scored.sort { a, b in a.score != b.score ? a.score > b.score : a.index < b.index }
                let ranked: [Int] = scored.map { $0.index }
                var chosen = Array(ranked.prefix(keyCandidateLimit - 1))
                if !chosen.contains(0), !columns.isEmpty { chosen.append(0) }
                trackers = chosen.map { KeyTracker(index: $0) }
            }
            var cells = [String](repeating: "", count: columns.count)
            for (j, v) in r.values.enumerated() where j < r.columns.count && !v.isEmpty {
                cells[slot[j]] = v.canonicalText
            }
            for t in trackers.indices {
                track(&trackers[t], cells: cells)
            }
        }
        profile.columns = columns
        profile.warnings = reader.warnings
        if let csv = reader as? CSVRecordReader, csv.hasEncodingProblems {
            profile.options.encoding = .windows1252
            profile.readNotes["encoding"] = "some bytes are not UTF-8; they read as Windows-1252"
        }
        decideKey(&profile, trackers: trackers)
        return profile
    }

    static func track(_ t: inout KeyTracker, cells: [String]) {
        let n = cells.count
        if t.filledFirst.count < n {
            let add = n - t.filledFirst.count
            t.filledFirst += [Int](repeating: 0, count: add)
            t.filledFollowOn += [Int](repeating: 0, count: add)
            t.varies += [Int](repeating: 0, count: add)
            t.groupFirst += [String?](repeating: nil, count: add)
            t.runFilled += [Int](repeating: 0, count: add)
            t.mostInRun += [Int](repeating: 0, count: add)
        }
        let value = t.index < n ? cells[t.index] : ""
        if value.isEmpty {
            t.empties += 1
            return
        }
        var repeated = false
        if !t.capped {
            let (inserted, _) = t.seen.insert(digest(value))
            repeated = !inserted
            if t.seen.count >= keySetCap { t.capped = true }
        }
        if value != t.currentValue {
            t.currentValue = value
            for i in 0..<n {
                t.groupFirst[i] = nil
                t.runFilled[i] = 0
            }
        }
        if repeated {
            t.repeats += 1
        } else {
            t.firstRows += 1
        }
        for i in 0..<n where i != t.index && !cells[i].isEmpty {
            if repeated {
                t.filledFollowOn[i] += 1
                if let first = t.groupFirst[i] {
                    if first != cells[i] { t.varies[i] += 1 }
                } else {
                    // Filled only on a follow-on row, or in a group whose rows are not adjacent.
                    t.varies[i] += 1
                }
            } else {
                t.filledFirst[i] += 1
            }
            if t.groupFirst[i] == nil { t.groupFirst[i] = cells[i] }
            t.runFilled[i] += 1
            t.mostInRun[i] = max(t.mostInRun[i], t.runFilled[i])
        }
    }

    static func decideKey(_ p: inout FileProfile, trackers: [KeyTracker]) {
        let rows = p.rows
        func header(_ i: Int) -> String { p.columns[i].column.header }
        guard rows > 0 else {
            // Headers only: the best key-like name.
            let best = p.columns.map(\.column.header).max { HeaderWords.keyScore($0) < HeaderWords.keyScore($1) }
            if let best, HeaderWords.keyScore(best) >= 50 {
                p.key = best
                p.keyNote = "the file has no rows yet; chosen by its name"
            }
            return
        }
        func score(_ t: KeyTracker) -> Int { HeaderWords.keyScore(header(t.index)) }
        let ranked = trackers.filter { p.columns[$0.index].maxLength <= 100 }.sorted {
            score($0) != score($1) ? score($0) > score($1) : $0.index < $1.index
        }
        func isClean(_ t: KeyTracker) -> Bool { t.repeats == 0 && t.empties == 0 }
        func useKey(_ t: KeyTracker, _ note: String) {
            p.key = header(t.index)
            p.keyNote = note
        }
        let cleanNote = { (t: KeyTracker) in
            "\(rows.grouped) of \(rows.grouped) values filled and unique"
                + (t.capped ? " (uniqueness checked on the first \(keySetCap.grouped))" : "")
        }
        // 1. The Shopify shape: a key-like column repeats on enough rows (not one stray duplicate), and
        // its follow-on rows leave a product column empty. It goes first: such exports often also
        // hold a unique, always filled variant column that must not become the product key.
        for t in ranked where t.repeats >= 2 && t.repeats * 20 >= rows && score(t) >= 50 {
            var productColumn: String? = nil
            for i in t.filledFirst.indices where i != t.index {
                if Double(t.filledFirst[i]) >= 0.9 * Double(t.firstRows)
                    && Double(t.filledFollowOn[i]) <= 0.1 * Double(t.repeats)
                {
                    productColumn = header(i)
                    break
                }
            }
            guard let productColumn else { continue }
            var guess = FileProfile.GroupGuess(
                by: header(t.index), collect: t.varies.indices.filter { $0 != t.index && t.varies[$0] > 0 }.map(header),
                groups: t.firstRows, followOnRows: t.repeats, productColumn: productColumn)
            for i in t.varies.indices where t.varies[i] > 0 { guess.mostPerGroup[header(i)] = t.mostInRun[i] }
            p.group = guess
            p.key = guess.by
            p.keyNote = "\(guess.groups.grouped) products over \(rows.grouped) rows: grouped by \(guess.by)"
            return
        }
        // 2. The best-named column, when it is unique and always filled.
        if let best = ranked.first, score(best) > 0, isClean(best) {
            useKey(best, cleanNote(best))
            return
        }
        // 3. The best-named column with a few repeats or empties: those rows are quarantined, as they should be.
        if let best = ranked.first, score(best) >= 50,
            Double(best.repeats + best.empties) <= 0.01 * Double(rows)
        {
            useKey(
                best,
                "unique and filled on \((rows - best.repeats - best.empties).grouped) of \(rows.grouped) rows; the rows of a repeated or empty key will be quarantined"
            )
            return
        }
        // 4. Any column that is unique and always filled.
        if let t = ranked.first(where: isClean) {
            useKey(t, cleanNote(t))
            return
        }
        if let best = ranked.first, score(best) > 0 {
            useKey(
                best,
                "TODO: \(best.repeats.grouped) rows repeat a value and \(best.empties.grouped) are empty; no column is a clean key (rows of a repeated key will be quarantined)"
            )
        }
    }
}

extension Int {
    /// The number with thousands separators (`44,446`), independent of the locale.
    var grouped: String {
        let digits = String(Swift.abs(self))
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(ch)
        }
        return self < 0 ? "-" + out : out
    }
}
