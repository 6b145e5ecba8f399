/// Renders the self-contained `report.html` (no external assets): totals, issue charts as inline SVG,
/// fallback values and the issue table.
public enum HTMLReport {
    /// Escapes text for HTML.
    public static func escape(_ s: String) -> String {
        // Most texts have nothing to escape: one byte scan answers that.
        if !s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) {
            return s
        }
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// A horizontal bar chart as inline SVG.
    public static func barChart(title: String, _ data: [(String, Int)], color: String = "#3b6ea5") -> String {
        guard !data.isEmpty else { return "<p class=\"muted\">\(escape(title)): none</p>" }
        let rows = Array(data.prefix(15))
        let maxValue = max(1, rows.map(\.1).max() ?? 1)
        let barHeight = 22
        let labelWidth = 200
        let chartWidth = 420
        let height = rows.count * (barHeight + 6) + 30
        var svg =
            "<figure><svg role=\"img\" aria-label=\"\(escape(title))\" width=\"\(labelWidth + chartWidth + 60)\" height=\"\(height)\" xmlns=\"http://www.w3.org/2000/svg\">"
        svg += "<text x=\"0\" y=\"16\" font-weight=\"bold\">\(escape(title))</text>"
        for (i, (label, value)) in rows.enumerated() {
            let y = 28 + i * (barHeight + 6)
            let w = max(1, Int(Double(chartWidth) * Double(value) / Double(maxValue)))
            let shown = label.count > 28 ? String(label.prefix(27)) + "…" : label
            svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 16)\" text-anchor=\"end\">\(escape(shown))</text>"
            svg +=
                "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(w)\" height=\"\(barHeight)\" fill=\"\(color)\"><title>\(escape(label)): \(value)</title></rect>"
            svg += "<text x=\"\(labelWidth + w + 6)\" y=\"\(y + 16)\">\(value)</text>"
        }
        svg += "</svg></figure>"
        return svg
    }

    /// What the run's outcome asks of the reader, for the banner at the top of the page.
    public enum Outcome: Equatable, Sendable {
        /// Every row valid, sent and matched on the service (or, in a dry run, valid).
        case allGood(String)
        /// Rows need fixing: quarantined, refused by the service, or off in the reconciliation.
        case needsFixing(Int, String)
        /// The service failed (or the run stopped on an error); the reason.
        case failed(String)
        /// The run was interrupted before it finished.
        case interrupted(String)

        /// The banner's CSS class.
        var cssClass: String {
            switch self {
            case .allGood: return "ok"
            case .needsFixing: return "warn"
            case .failed: return "bad"
            case .interrupted: return "warn"
            }
        }
    }

    /// The outcome of a run from its summary and, after an upload, what the upload and the
    /// reconciliation found.
    public static func outcome(
        summary: RunSummary, upload: UploadReport? = nil, reconciliation: Reconciliation? = nil
    ) -> Outcome {
        if summary.status == RunSummary.interrupted {
            return .interrupted(
                "The run was interrupted: run the same command again to go on (nothing confirmed is sent twice).")
        }
        if let failure = summary.failure {
            return .failed("The run stopped: \(failure.reason)")
        }
        let rejected = upload?.rejected ?? 0
        let remoteFailed = (upload?.failed ?? 0) - rejected
        if remoteFailed > 0 {
            return .failed(
                "The service failed for \(remoteFailed) row\(remoteFailed == 1 ? "" : "s"): run the same command again once it is back (nothing confirmed is sent twice)."
            )
        }
        let off =
            reconciliation.map { r in
                [ReconClass.mismatched, .missing, .rejected, .failed].reduce(0) { $0 + (r.counts[$1] ?? 0) }
            } ?? 0
        let fix = summary.rowsQuarantined + rejected + off
        if fix > 0 {
            var parts: [String] = []
            if summary.rowsQuarantined > 0 { parts.append("\(summary.rowsQuarantined) quarantined") }
            if rejected > 0 { parts.append("\(rejected) refused by the service") }
            if off > 0 { parts.append("\(off) not as sent on the service") }
            return .needsFixing(
                fix,
                "\(fix) row\(fix == 1 ? "" : "s") need\(fix == 1 ? "s" : "") fixing (\(parts.joined(separator: ", "))): correct them in quarantine.xlsx and run again with --input quarantine.xlsx."
            )
        }
        if summary.dryRun || upload == nil {
            return .allGood("All \(summary.rowsValid) rows are valid (a dry run: nothing was sent).")
        }
        let matched = reconciliation?.counts[.matched]
        return .allGood(
            matched.map { "All \(summary.rowsValid) rows were sent and \($0) match on the service." }
                ?? "All \(summary.rowsValid) rows were sent.")
    }

    /// The banner: the outcome, then links to the run's files that exist beside the report.
    static func banner(_ outcome: Outcome, files: [String]) -> String {
        let text: String
        switch outcome {
        case .allGood(let t), .needsFixing(_, let t), .failed(let t), .interrupted(let t): text = t
        }
        var h = "<div class=\"banner \(outcome.cssClass)\" role=\"status\"><strong>\(escape(text))</strong>"
        if !files.isEmpty {
            h +=
                "<p>"
                + files.map { "<a href=\"\(escape($0))\">\(escape($0))</a>" }.joined(separator: " · ") + "</p>"
        }
        return h + "</div>"
    }

    /// Issues grouped by rule, most frequent first, each with its count and up to three examples.
    static func issuesByRule(_ summary: RunSummary, _ issues: [RecordIssue]) -> String {
        guard !summary.issuesByRule.isEmpty else { return "" }
        var examples: [String: [RecordIssue]] = [:]
        for i in issues where examples[i.rule, default: []].count < 3 { examples[i.rule, default: []].append(i) }
        var h = "<h2>Issues by rule</h2><table><tr><th>rule</th><th>rows</th><th>examples</th></tr>"
        for (rule, n) in summary.issuesByRule.sorted(by: {
            $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key
        }) {
            let severity = examples[rule]?.first?.severity.rawValue ?? "error"
            let list = (examples[rule] ?? []).map { i in
                let place =
                    "row \(i.source.row)"
                    + (i.column.map { " · " + ($0.letter.map { $0 + " " } ?? "") + $0.header } ?? "")
                let v = i.value.count > 60 ? String(i.value.prefix(60)) + "…" : i.value
                return
                    "<li>\(escape(place)): \(v.isEmpty ? "" : "<code>" + escape(v) + "</code> — ")\(escape(i.message))</li>"
            }.joined()
            h +=
                "<tr><td class=\"sev-\(severity)\">\(escape(rule))</td><td>\(n)</td><td><ul class=\"ex\">\(list)</ul></td></tr>"
        }
        return h + "</table>"
    }

    static let style = """
        body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1d2733;max-width:1200px}
        h1{margin-bottom:.2rem}.muted{color:#687889}.cards{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0}
        .card{border:1px solid #d5dde5;border-radius:8px;padding:.8rem 1.2rem;min-width:9rem}
        .card b{display:block;font-size:1.8rem}.bad b{color:#b3261e}.ok b{color:#1e7b34}.warn b{color:#a15c00}
        table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #e3e8ee;padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f3f6f9;position:sticky;top:0}td.v{max-width:22rem;overflow-wrap:anywhere}.sev-error{color:#b3261e}.sev-warning{color:#a15c00}
        figure{margin:1rem 0}svg text{font-size:12px;fill:#1d2733}
        .banner{border-radius:8px;padding:.9rem 1.2rem;margin:1rem 0;border:1px solid}.banner p{margin:.4rem 0 0}
        .banner.ok{background:#e7f4ea;border-color:#1e7b34}.banner.warn{background:#fff4e0;border-color:#a15c00}
        .banner.bad{background:#fde8e6;border-color:#b3261e}ul.ex{margin:0;padding-left:1.1rem}
        """

    /// The page for a run.
    /// - Parameters:
    ///   - summary: the run's counts.
    ///   - issues: the first issues (the table shows these; the counts are exact).
    ///   - pipeline: the pipeline.
    ///   - extraSections: HTML sections later stages add (upload, reconciliation).
    ///   - outcome: The banner's outcome (default: from the summary alone).
    ///   - files: The run's files to link from the banner (`quarantine.xlsx`, `issues.csv`,
    ///     `reconciliation.csv` …), beside the report.
    public static func render(
        summary: RunSummary, issues: [RecordIssue], pipeline: Pipeline, extraSections: [String] = [],
        outcome: Outcome? = nil, files: [String] = []
    ) -> String {
        var h =
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escape(summary.pipeline)) · \(escape(summary.runID))</title><style>\(style)</style></head><body>"
        h +=
            "<h1>\(escape(summary.pipeline))</h1><p class=\"muted\">run \(escape(summary.runID))\(summary.dryRun ? " · dry run (nothing was sent)" : "") · input \(escape(summary.input))\(summary.sheet.map { " [" + escape($0) + "]" } ?? "") · started \(escape(summary.startedAt))</p>"
        h += banner(outcome ?? Self.outcome(summary: summary), files: files)
        h += "<div class=\"cards\">"
        h += "<div class=\"card\"><b>\(summary.rowsRead)</b>rows read</div>"
        if summary.records != summary.rowsRead || summary.rowsFiltered > 0 {
            h += "<div class=\"card\"><b>\(summary.rowsFiltered)</b>rows filtered</div>"
            h += "<div class=\"card\"><b>\(summary.records)</b>records</div>"
        }
        h += "<div class=\"card ok\"><b>\(summary.rowsValid)</b>valid</div>"
        h +=
            "<div class=\"card \(summary.rowsQuarantined > 0 ? "bad" : "ok")\"><b>\(summary.rowsQuarantined)</b>quarantined</div>"
        h += "<div class=\"card \(summary.errors > 0 ? "bad" : "ok")\"><b>\(summary.errors)</b>errors</div>"
        h += "<div class=\"card \(summary.warnings > 0 ? "warn" : "ok")\"><b>\(summary.warnings)</b>warnings</div>"
        h += "</div>"
        for s in extraSections { h += s }
        h += issuesByRule(summary, issues)
        h += "<h2>Validation</h2>"
        let byRule = summary.issuesByRule.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map {
            ($0.key, $0.value)
        }
        let byField = summary.issuesByField.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map
        { ($0.key, $0.value) }
        h += barChart(title: "Issues by rule", byRule, color: "#b3261e")
        h += barChart(title: "Issues by field", byField, color: "#3b6ea5")
        h += "<h2>Mapping</h2>"
        if !summary.fieldCounts.isEmpty {
            h +=
                "<table><tr><th>field</th><th>mapped</th><th>empty</th><th>defaulted</th><th>truncated</th><th>fell back</th></tr>"
            for c in summary.fieldCounts {
                h +=
                    "<tr><td>\(escape(c.field))</td><td>\(c.mapped)</td><td>\(c.empty)</td><td>\(c.defaulted)</td><td>\(c.truncated)</td><td>\(c.fellBack)</td></tr>"
            }
            h += "</table>"
        }
        h += "<h2>Values that fell back</h2>"
        let everyValueFound = summary.fieldCounts.allSatisfy {
            $0.empty == 0 && $0.defaulted == 0 && $0.truncated == 0 && $0.fellBack == 0
        }
        if summary.fallbacks.isEmpty && everyValueFound {
            h += "<p class=\"muted\">None: every mapped value was found.</p>"
        } else if summary.fallbacks.isEmpty {
            h +=
                "<p class=\"muted\">None fell back; the mapping table above counts the empty, defaulted and truncated values.</p>"
        } else {
            h += "<table><tr><th>field</th><th>kind</th><th>value</th><th>rows</th></tr>"
            for (f, n) in summary.fallbacks.sorted(by: {
                $0.value != $1.value ? $0.value > $1.value : $0.key.value < $1.key.value
            }).prefix(500) {
                h +=
                    "<tr><td>\(escape(f.field))</td><td>\(escape(f.kind))</td><td class=\"v\">\(escape(f.value))</td><td>\(n)</td></tr>"
            }
            h += "</table>"
        }
        h += "<h2>Issues</h2>"
        let total = summary.errors + summary.warnings
        if issues.isEmpty {
            h += "<p class=\"muted\">No issues.</p>"
        } else {
            if total > issues.count {
                h += "<p class=\"muted\">Showing the first \(issues.count) of \(total); issues.csv has them all.</p>"
            }
            h +=
                "<table><tr><th>file</th><th>sheet</th><th>row</th><th>column</th><th>field</th><th>value</th><th>rule</th><th>severity</th><th>message</th></tr>"
            for i in issues {
                let v = i.value.count > 200 ? String(i.value.prefix(200)) + "…" : i.value
                h +=
                    "<tr><td>\(escape(i.source.file))</td><td>\(escape(i.source.sheet ?? ""))</td><td>\(i.source.row)</td><td>\(escape(i.column.map { ($0.letter.map { $0 + " " } ?? "") + $0.header } ?? ""))</td><td>\(escape(i.field))</td><td class=\"v\">\(escape(v))</td><td>\(escape(i.rule))</td><td class=\"sev-\(i.severity.rawValue)\">\(i.severity.rawValue)</td><td>\(escape(i.message))</td></tr>"
            }
            h += "</table>"
        }
        // The contract the rows were checked against: the same table as `catalog-etl targets`.
        let checked =
            pipeline.validate?.ruleSets.first?.qualified
            ?? pipeline.target.map {
                TargetContract.contract(for: $0).qualifiedName
            }
        if let checked, let contract = TargetContract.allRuleSets.first(where: { $0.qualifiedName == checked }) {
            h += contract.renderHTML()
        }
        if summary.readerWarnings.total > 0 {
            h += "<h2>Reader warnings</h2><ul>"
            for w in summary.readerWarnings.warnings.prefix(100) { h += "<li>\(escape(w.description))</li>" }
            h += "</ul>"
        }
        h += "<p class=\"muted\">catalog-etl · pipeline \(escape(pipeline.file))</p></body></html>\n"
        return h
    }
}
