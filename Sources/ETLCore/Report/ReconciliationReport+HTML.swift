extension ReconciliationReport {
    /// The HTML section of `report.html` for the reconciliation: counts chart and the table of
    /// everything that is not matched, with the source row of each.
    public static func htmlSection(_ r: Reconciliation, limit: Int = 2000) -> String {
        var h = "<h2>Reconciliation</h2><div class=\"cards\">"
        for c in ReconClass.allCases {
            let n = r.counts[c] ?? 0
            let tone = c == .matched || c == .notInInput ? "ok" : (n > 0 ? (c == .quarantined ? "warn" : "bad") : "ok")
            h += "<div class=\"card \(tone)\"><b>\(n)</b>\(c.rawValue)</div>"
        }
        h += "</div>"
        h += HTMLReport.barChart(
            title: "Rows by class", ReconClass.allCases.map { ($0.rawValue, r.counts[$0] ?? 0) }.filter { $0.1 > 0 },
            color: "#2e7d5b")
        for c in r.countChecks {
            h +=
                "<p class=\"sev-error\">The service reports \(HTMLReport.escape(c.name)) = \(c.reported), but lists \(c.expected) items.</p>"
        }
        // A streamed reconciliation keeps only the first lines that are not matched; its counts are whole.
        let notMatched = r.lines.filter { $0.kind != .matched }
        let notMatchedCount = r.counts.filter { $0.key != .matched }.values.reduce(0, +)
        if notMatchedCount == 0 {
            h += "<p>Every source row is on the service as sent.</p>"
            return h
        }
        h += "<h3>Differences</h3>"
        if notMatchedCount > limit {
            h += "<p class=\"muted\">Showing \(limit) of \(notMatchedCount); reconciliation.csv has them all.</p>"
        }
        h +=
            "<table><tr><th>class</th><th>key</th><th>source</th><th>remote id</th><th>field</th><th>sent</th><th>on the service</th><th>detail</th></tr>"
        for l in notMatched.prefix(limit) {
            let src =
                l.source.map {
                    HTMLReport.escape($0.file) + ($0.sheet.map { "[" + HTMLReport.escape($0) + "]" } ?? "")
                        + ($0.groupRows.count > 1
                            ? " rows \($0.groupRows.map(String.init).joined(separator: ", "))" : " row \($0.row)")
                } ?? ""
            let first = l.differences.first
            h +=
                "<tr><td>\(l.kind.rawValue)</td><td>\(HTMLReport.escape(l.key ?? ""))</td><td>\(src)</td><td>\(HTMLReport.escape(l.remoteID ?? ""))</td>"
            h +=
                "<td>\(HTMLReport.escape(first?.field ?? ""))</td><td class=\"v\">\(HTMLReport.escape(first?.sent ?? ""))</td><td class=\"v\">\(HTMLReport.escape(first?.remote ?? ""))</td><td>\(HTMLReport.escape(l.detail))</td></tr>"
            for d in l.differences.dropFirst() {
                h +=
                    "<tr><td></td><td></td><td></td><td></td><td>\(HTMLReport.escape(d.field))</td><td class=\"v\">\(HTMLReport.escape(d.sent))</td><td class=\"v\">\(HTMLReport.escape(d.remote))</td><td></td></tr>"
            }
        }
        h += "</table>"
        return h
    }
}
