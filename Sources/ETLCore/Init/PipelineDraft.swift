import Foundation

/// The first pipeline for a file and a target: `catalog-etl init` writes ``text`` and prints
/// ``decisions`` and ``todos``.
///
/// Every guess comes from the ``FileProfile`` (the whole file, read once) and the target's
/// ``TargetContract``: fields are matched to columns by name (exact, then word by word with
/// camelCase and compounds split and synonyms in five languages), then by content (URLs, long text,
/// years, dates); each carries its evidence as a comment.
public struct PipelineDraft: Sendable {
    /// The pipeline file's text.
    public private(set) var text = ""
    /// One line per decision, for the terminal.
    public private(set) var decisions: [String] = []
    /// What init could not decide (also written as `# TODO` lines).
    public private(set) var todos: [String] = []
    /// Target field → source column, for the fields it mapped.
    public private(set) var mapping: [String: String] = [:]

    /// One mapped field: its settings and the evidence.
    struct Choice {
        var field: TargetField
        var column: String
        var settings: [(String, String)] = []
        var evidence: String
        /// Block lines under the field (a value map).
        var mapLines: [String] = []
        var mapComment: [String] = []
        /// What init could not decide about this field (written as `# TODO` lines under it).
        var todoLines: [String] = []
    }

    /// Drafts the pipeline.
    /// - Parameters:
    ///   - profile: the file's profile.
    ///   - contract: the target.
    ///   - name: the pipeline's name.
    ///   - readPath: the input path as the pipeline file should write it (relative to its folder).
    ///   - schemaPath: the schema's path for the `yaml-language-server` line.
    ///   - command: the command line that wrote it (for the header comment).
    public init(
        profile: FileProfile, contract: TargetContract, name: String, readPath: String, schemaPath: String,
        command: String
    ) {
        var choices: [Choice] = []
        var used = Set<String>()
        let key = profile.key
        let grouped = profile.group
        let collected = Set(grouped?.collect ?? [])

        // 1. The key: `sku` (and the key field of a target keyed by another name, Scenario's `name`).
        for f in contract.fields where key != nil && (f.name == "sku" || f.name == contract.keyField) {
            guard let key else { continue }
            choices.append(Choice(field: f, column: key, evidence: "the key"))
        }
        if let key { used.insert(key) }

        // 2. By name: every (field, column) pair with its score, best first, each used once.
        var pairs: [(field: TargetField, column: ColumnProfile, score: Int, why: String)] = []
        // Columns whose name fits a field but whose values do not (dates init cannot read, text where
        // URLs belong): left out, and said so.
        var nameOnly: [(field: TargetField, column: String)] = []
        let mappedFields = Set(choices.map(\.field.name))
        for f in contract.fields where !mappedFields.contains(f.name) {
            guard let conceptName = HeaderWords.concept(forField: f.name),
                let concept = HeaderWords.concepts.first(where: { $0.name == conceptName })
            else { continue }
            // A file with headers only (a template) is mapped by name alone.
            let headersOnly = profile.rows == 0
            for c in profile.columns where !used.contains(c.column.header) && (c.filled > 0 || headersOnly) {
                guard let match = HeaderWords.score(c.column.header, concept: concept, fieldName: f.name),
                    match.0 >= 60
                else { continue }
                let (score, why) = match
                guard headersOnly || Self.fits(c, f, collected: collected.contains(c.column.header), score: score)
                else {
                    if score >= 80 { nameOnly.append((f, c.column.header)) }
                    continue
                }
                pairs.append((f, c, score, why))
            }
        }
        pairs.sort { a, b in
            if a.score != b.score { return a.score > b.score }
            let ia = contract.fields.firstIndex { $0.name == a.field.name } ?? 0
            let ib = contract.fields.firstIndex { $0.name == b.field.name } ?? 0
            if ia != ib { return ia < ib }
            return (profile.columns.firstIndex { $0.column.header == a.column.column.header } ?? 0)
                < (profile.columns.firstIndex { $0.column.header == b.column.column.header } ?? 0)
        }
        var done = mappedFields
        for p in pairs where !done.contains(p.field.name) && !used.contains(p.column.column.header) {
            done.insert(p.field.name)
            used.insert(p.column.column.header)
            choices.append(Choice(field: p.field, column: p.column.column.header, evidence: p.why))
        }

        // 3. By content, for the fields still open.
        func unused(_ test: (ColumnProfile) -> Bool) -> [ColumnProfile] {
            profile.columns.filter { !used.contains($0.column.header) && $0.filled > 0 && test($0) }
        }
        for f in contract.fields where !done.contains(f.name) {
            let concept = HeaderWords.concept(forField: f.name)
            var pick: (ColumnProfile, String)? = nil
            switch concept {
            case "cover image":
                if let c = unused({ $0.share("url") >= 0.9 && $0.urlSeparator == nil }).first {
                    pick = (c, "\(c.kinds["url"] ?? 0) of \(c.filled) values are URLs")
                }
            case "gallery":
                if let c = unused({ $0.share("url") >= 0.9 && $0.urlSeparator != nil }).first {
                    pick = (c, "\(c.urlLists.values.reduce(0, +).grouped) values hold several URLs")
                }
            case "description":
                if let c = unused({ $0.meanLength >= 80 && $0.share("url") < 0.1 }).max(by: {
                    $0.meanLength < $1.meanLength
                }) {
                    pick = (c, "the longest text: \(Int(c.meanLength)) characters on average")
                }
            case "year":
                if let c = unused({ $0.years > 0 && Double($0.years) >= 0.95 * Double($0.filled) }).first {
                    pick = (c, "\(c.years.grouped) of \(c.filled.grouped) values are 4-digit years")
                }
            case "in store date":
                if let c = unused({ $0.share("date") >= 0.95 }).first {
                    pick = (c, "\(c.kinds["date"] ?? 0) of \(c.filled) values are dates")
                }
            case "name":
                if let c = unused({
                    $0.guessedType == "text" && $0.meanLength >= 8 && $0.meanLength <= 120
                        && Double($0.distinctCount) >= 0.5 * Double(min(profile.rows, ColumnProfile.distinctCap))
                }).first {
                    pick = (c, "text with mostly distinct values, \(Int(c.meanLength)) characters on average")
                }
            default: break
            }
            if let found = pick {
                let (c, why) = found
                done.insert(f.name)
                used.insert(c.column.header)
                choices.append(Choice(field: f, column: c.column.header, evidence: "by content: " + why))
            }
        }

        // 4. Images: Pixyle's image_url_N from a list column (one URL each), Sartiq's cover from a list.
        let listColumn = profile.columns.first { c in
            (collected.contains(c.column.header) && c.share("url") >= 0.9)
                || (c.urlSeparator != nil && c.share("url") >= 0.9)
        }
        if let list = listColumn {
            let header = list.column.header
            let isCollected = collected.contains(header)
            let perRow =
                isCollected
                ? (grouped?.mostPerGroup[header] ?? 1) : (list.urlSeparator.flatMap { list.maxParts[$0] } ?? 1)
            let split = isCollected ? nil : list.urlSeparator
            func itemSpec(_ k: Int) -> [(String, String)] {
                var s: [(String, String)] = [("from", header)]
                if let split { s.append(("split", split)) }
                s.append(("item", String(k)))
                return s
            }
            let slots = contract.fields.filter { $0.name.hasPrefix("image_url_") && !done.contains($0.name) }
            // When a field already reads the list's first URL, the slots go on from its second.
            let start = choices.contains { $0.column == header } ? 2 : 1
            for (k, slot) in slots.enumerated() where k + start <= perRow {
                done.insert(slot.name)
                var c = Choice(
                    field: slot, column: header,
                    evidence: k == 0 ? "URL \(k + start) of up to \(perRow) in \(header)" : "URL \(k + start)")
                c.settings = itemSpec(k + start)
                choices.append(c)
                used.insert(header)
            }
            for f in contract.fields where !done.contains(f.name) && (f.name == "cover_image" || f.name == "image_url")
            {
                done.insert(f.name)
                var c = Choice(field: f, column: header, evidence: "the first URL of \(header)")
                c.settings = itemSpec(1)
                choices.append(c)
                used.insert(header)
            }
            if let f = contract.field("reference_images"), !done.contains(f.name) {
                done.insert(f.name)
                choices.append(Choice(field: f, column: header, evidence: "every URL of \(header)"))
                used.insert(header)
            }
        }

        // 5. Settings each field needs from its type and its values.
        for i in choices.indices {
            Self.settle(&choices[i], profile: profile, collected: collected)
        }
        choices.sort { a, b in
            (contract.fields.firstIndex { $0.name == a.field.name } ?? 0)
                < (contract.fields.firstIndex { $0.name == b.field.name } ?? 0)
        }

        // What is left over.
        let mappedNames = Set(choices.map(\.field.name))
        let missingRequired = contract.fields.filter { $0.required && !mappedNames.contains($0.name) }
        let leftover = profile.columns.map(\.column.header).filter {
            !used.contains($0) && !choices.map(\.column).contains($0)
        }

        // 6. The text.
        var y = ""
        func line(_ s: String, _ comment: String? = nil) {
            if let comment, !comment.isEmpty {
                let pad = max(1, 48 - s.count)
                y +=
                    s + String(repeating: " ", count: pad) + "# " + comment.replacingOccurrences(of: "\n", with: " ")
                    + "\n"
            } else {
                y += s + "\n"
            }
        }
        line("# yaml-language-server: $schema=\(schemaPath)")
        line("# Written by `\(command)` from \(profile.rows.grouped) rows of \(profile.path).")
        line("# Each guess carries its evidence; comments marked TODO are what init could not decide.")
        line("# Check it with `catalog-etl check FILE`, then `catalog-etl run FILE --dry-run` before anything is sent.")
        line("name: \(Self.q(name))")
        line("stages:")
        line("  - read:")
        line("      path: \(Self.q(readPath))")
        if profile.format == .xlsx, case .name(let s) = profile.options.sheet {
            line("      sheet: \(Self.q(s))", profile.readNotes["sheet"])
        }
        if let recordsPath = profile.options.recordsPath {
            line("      records_path: \(Self.q(recordsPath))", profile.readNotes["records_path"])
        }
        if profile.format != .json && profile.format != .jsonl {
            line("      header_row: \(profile.options.headerRow)", profile.readNotes["header_row"])
        }
        if profile.format == .csv, let d = profile.options.delimiter, d != UInt8(ascii: ",") {
            let shown = d == 0x09 ? "tab" : String(UnicodeScalar(d))
            line("      delimiter: \(Self.q(shown))", "detected")
        }
        if profile.options.encoding == .windows1252 {
            line("      encoding: windows-1252", profile.readNotes["encoding"])
        }
        if profile.options.raggedRows == .pad { line("      ragged_rows: pad", profile.readNotes["ragged_rows"]) }
        if profile.options.duplicateHeaders == .rename {
            line("      duplicate_headers: rename", profile.readNotes["duplicate_headers"])
        }
        if let key {
            line("      key: \(Self.q(key))", profile.keyNote)
        } else {
            line("      # TODO: no column is unique and filled on every row; name the product key: key: <column>")
            todos.append("read.key: no column is unique and filled on every row")
        }
        if let g = grouped {
            line(
                "  - group:",
                "\(g.groups.grouped) products over \(profile.rows.grouped) rows: follow-on rows leave \(g.productColumn) empty"
            )
            line("      by: \(Self.q(g.by))")
            line(
                "      collect: [\(g.collect.map(Self.q).joined(separator: ", "))]",
                "the columns that vary inside a product")
        }
        line("  - normalise:")
        line("      fields:")
        for c in choices {
            let comment = c.evidence
            if !c.mapLines.isEmpty {
                line("        \(c.field.name):", comment)
                for (k, v) in c.settings { line("          \(k): \(Self.setting(k, v))") }
                line("          map:")
                for m in c.mapLines { y += m + "\n" }
                line("          on_unmapped: error", "a value the map does not list quarantines its row")
                for m in c.mapComment {
                    line("          # \(m)")
                    if m.hasPrefix("TODO: ") { todos.append("\(c.field.name): " + m.dropFirst("TODO: ".count)) }
                }
            } else if c.settings.count == 1, c.settings[0].0 == "from" {
                line("        \(c.field.name): \(Self.q(c.column))", comment)
            } else {
                let flow = c.settings.map { "\($0.0): \(Self.setting($0.0, $0.1))" }.joined(separator: ", ")
                line("        \(c.field.name): { \(flow) }", comment)
            }
            for t in c.todoLines {
                line("        # \(t)")
                todos.append(String(t.dropFirst("TODO: ".count)))
            }
            mapping[c.field.name] = c.column
            decisions.append("\(c.field.name) ← \(c.column)  (\(c.evidence))")
        }
        var noted = Set<String>()
        for (f, column) in nameOnly where !mappedNames.contains(f.name) && !f.required && noted.insert(f.name).inserted
        {
            let note =
                "\(f.name): \(column) reads like it by name, but its values are not \(f.type == .string ? "values it accepts" : f.type.rawValue); left out"
            line("        # \(note)")
            decisions.append("not mapped: " + note)
        }
        for f in missingRequired {
            if let near = nameOnly.first(where: { $0.field.name == f.name }) {
                line(
                    "        # TODO: \(f.name) is required by \(contract.qualifiedName); \(near.column) reads like it by name, but its values are not \(f.type.rawValue)"
                )
                todos.append("\(f.name) is required by \(contract.qualifiedName); \(near.column) has other values")
                continue
            }
            line(
                "        # TODO: \(f.name) is required by \(contract.qualifiedName) and no column looks like it; map it: \(f.name): <column>"
            )
            todos.append("\(f.name) is required by \(contract.qualifiedName) and no column looks like it")
        }
        let setting = contract.extraColumns.unmappedSetting
        let leftoverText =
            leftover.isEmpty ? "every column is mapped" : "columns no field reads: " + leftover.joined(separator: ", ")
        line("      unmapped: \(setting)", leftoverText)
        line("  - validate:")
        line(
            "      against: \(contract.qualifiedName)",
            "the documented limits: catalog-etl targets \(contract.service.rawValue)")
        if mappedNames.contains(contract.keyField) { line("      unique: [\(contract.keyField)]") }
        line("      on_error: quarantine", "invalid rows go to quarantine.csv; the others go on")
        line("  - upload:")
        // Sartiq's collection is each product's brand_collection, and export lists the stage's one: when
        // a column fills brand_collection, the stage names its value (or none when it holds several).
        var collection: (String?, String?) = (name, nil)
        if let column = mapping["brand_collection"], let p = profile.profile(column) {
            if p.distinctCount == 1, !p.distinctOverflow, let only = p.distinct.keys.first, p.filled == profile.rows {
                collection = (only, "the one value of \(column)")
            } else {
                collection = (nil, nil)
            }
        }
        for (k, v, comment) in Self.uploadSettings(contract, name: name, collection: collection) {
            line("      \(k): \(v)", comment)
        }
        let draft = contract.service.definition.draft
        line("  - export: \(draft.export)")
        line("  - reconcile:")
        let compare = draft.compare.filter { mappedNames.contains($0.0) }
        if draft.compareWithModes, !compare.isEmpty {
            line("      compare: { \(compare.map { "\($0.0): \($0.1)" }.joined(separator: ", ")) }")
        } else if !compare.isEmpty {
            line("      compare: [\(compare.map { $0.0 }.joined(separator: ", "))]")
        }
        line("      fail_on: { missing: 0 }")
        text = y
        if grouped != nil {
            decisions.insert(
                "group by \(grouped?.by ?? ""), collecting \(grouped?.collect.joined(separator: ", ") ?? "")", at: 0)
        }
    }

    /// Whether a column's values suit a field's type (a name match alone is not enough for URLs,
    /// numbers and dates).
    static func fits(_ c: ColumnProfile, _ f: TargetField, collected: Bool, score: Int) -> Bool {
        switch f.type {
        case .url, .urlList: return c.share("url") >= 0.8
        case .integer:
            if f.name == "year" { return Double(c.years) >= 0.9 * Double(c.filled) }
            return c.share("integer") >= 0.9
        case .dateTime: return c.share("date") >= 0.9
        case .boolean: return c.share("boolean") + c.share("integer") >= 0.9
        case .uuid: return Double(c.uuids) >= 0.9 * Double(c.filled)
        case .object: return false
        case .string:
            if !f.enumValues.isEmpty {
                // An enumeration: at least some values must be known words for its values.
                return c.distinct.keys.contains { HeaderWords.enumValue(for: $0, among: f.enumValues) != nil }
            }
            return score >= 100 || c.share("url") < 0.5
        }
    }

    /// Fills a choice's settings: `as`, `date_format`, `split`, value maps, and the evidence of limits.
    static func settle(_ c: inout Choice, profile: FileProfile, collected: Set<String>) {
        if !c.settings.isEmpty { return }
        guard let p = profile.profile(c.column) else {
            c.settings = [("from", c.column)]
            return
        }
        var s: [(String, String)] = [("from", c.column)]
        var notes: [String] = [c.evidence]
        switch c.field.type {
        case .integer: s.append(("as", "integer"))
        case .boolean: s.append(("as", "boolean"))
        case .dateTime:
            s.append(("as", "datetime"))
            if let found = p.dateFormat {
                let (format, ambiguous) = (found.format, found.ambiguous)
                s.append(("date_format", format))
                if ambiguous {
                    notes.append("\(p.textDates.grouped) text date\(p.textDates == 1 ? "" : "s") read as \(format)")
                    c.todoLines.append(
                        "TODO: every text date of \(c.column) reads both day-first and month-first; \(format) assumed, check it"
                    )
                } else {
                    notes.append("\(p.textDates.grouped) text date\(p.textDates == 1 ? "" : "s") read as \(format)")
                }
            }
        case .url where collected.contains(c.column), .string where collected.contains(c.column):
            // A collected column is a list after grouping: a single-valued field takes its first item.
            s.append(("item", "1"))
            notes.append("the first of the product's values")
        case .urlList:
            if collected.contains(c.column) {
                break
            } else if let sep = p.urlSeparator {
                s.append(("split", sep))
                notes.append("URLs separated by \"\(sep)\"")
            } else {
                s.append(("as", "list"))
            }
        default: break
        }
        if c.field.type == .string, p.multiline > 0 { s.append(("collapse_whitespace", "false")) }
        if p.html > 0 {
            if PipelineLoader.fieldKeys.contains("html") {
                s.insert(("html", "text"), at: 1)
            } else {
                notes.append("\(p.html.grouped) values hold HTML")
            }
        }
        if let max = c.field.maxLength, p.maxLength > max {
            notes.append(
                "the longest value has \(p.maxLength.grouped) characters, over the limit of \(max.grouped): those rows will be quarantined"
            )
        }
        if !c.field.enumValues.isEmpty {
            var lines: [String] = []
            var unknown: [(String, Int)] = []
            for (value, count) in p.topValues(ColumnProfile.distinctCap) {
                if let target = HeaderWords.enumValue(for: value, among: c.field.enumValues) {
                    let entry = "            \(q(value)): \(target)"
                    lines.append(
                        entry + String(repeating: " ", count: max(1, 48 - entry.count))
                            + "# \(count.grouped) row\(count == 1 ? "" : "s")")
                } else {
                    unknown.append((value, count))
                }
            }
            c.mapLines = lines
            if !unknown.isEmpty {
                c.mapComment.append(
                    "TODO: values with no \(c.field.name) yet (their rows are quarantined until you add them): "
                        + unknown.prefix(20).map { "\(q($0.0)) (\($0.1.grouped) rows)" }.joined(separator: ", "))
                c.mapComment.append("  the accepted values are: \(c.field.enumValues.joined(separator: ", "))")
            }
            if p.distinctOverflow {
                c.mapComment.append(
                    "TODO: more than \(ColumnProfile.distinctCap) distinct values; only those were mapped")
            }
        }
        c.settings = s
        c.evidence = notes.joined(separator: "; ")
    }

    /// The upload stage's settings: endpoint and secrets as `${VAR:-sandbox default}` (as in the
    /// sample pipelines), so the file checks and dry-runs with no variable set; the documented rate.
    static func uploadSettings(
        _ contract: TargetContract, name: String, collection: (value: String?, why: String?)
    ) -> [(String, String, String?)] {
        let rate = rateText(contract.defaultRate)
        let rateSource = contract.limits.first { $0.name == "rate" }?.source
        let slug = name.lowercased().map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        var out: [(String, String, String?)] = [("target", contract.service.rawValue, nil)]
        out += contract.service.definition.draft.connection(contract, name, slug, collection)
        let envName = contract.service.rawValue.uppercased() + "_RATE"
        out.append(("rate", "${\(envName):-\(rate)}", rateSource.map { "\(rate): \($0)" }))
        return out
    }

    /// A rate as the pipeline writes it (`5/s`, `10/min`, `1000/h`).
    static func rateText(_ perSecond: Double) -> String {
        if perSecond >= 1, perSecond == perSecond.rounded() { return "\(Int(perSecond))/s" }
        let perMinute = perSecond * 60
        if abs(perMinute - perMinute.rounded()) < 1e-9 { return "\(Int(perMinute.rounded()))/min" }
        return "\(Int((perSecond * 3600).rounded()))/h"
    }

    /// A field setting's value: numbers, booleans and keywords as YAML reads them, text quoted when needed.
    static func setting(_ key: String, _ value: String) -> String {
        ["item", "as", "collapse_whitespace", "html"].contains(key) ? value : q(value)
    }

    /// A YAML scalar, quoted when plain text would read differently (``TargetDraft/q(_:)``).
    public static func q(_ s: String) -> String { TargetDraft.q(s) }
}
