import Foundation
public import OrderedJSON

/// One source row as the run knew it: sent (with its record), failed on upload, or quarantined.
public struct SourceItem: Sendable {
    /// How the run left the row.
    public enum State: Sendable, Equatable {
        /// Sent (or unchanged since an earlier run), with what was sent.
        case sent(JSONValue)
        /// The upload failed; the last error.
        case failed(String)
        /// The service refused it when it was sent (its own validation); its message.
        case rejected(String)
        /// Validation quarantined it; the reasons.
        case quarantined(String)
    }

    /// The product key.
    public var key: String?
    /// Where the row is in the source file.
    public var source: RowSource
    /// Its state.
    public var state: State

    /// Creates a source item.
    public init(key: String?, source: RowSource, state: State) {
        self.key = key
        self.source = source
        self.state = state
    }
}

/// The class a reconciliation line falls in.
public enum ReconClass: String, Sendable, CaseIterable {
    /// On the service and equal after normalisation.
    case matched
    /// On the service with differing fields.
    case mismatched
    /// Sent, but not on the service.
    case missing
    /// The service recorded errors for it.
    case rejected
    /// The upload failed (from the ledger).
    case failed
    /// Validation quarantined it; never sent.
    case quarantined
    /// On the service with no source row, and unknown to the ledger.
    case unexpected
    /// On the service with no row in this input, but known to the ledger (sent or adopted by an
    /// earlier run of the pipeline): a run of part of the catalog (`--input quarantine.csv`).
    case notInInput = "not_in_input"
    /// A second (or later) remote item with a key already matched.
    case duplicates
}

/// One field that differs.
public struct FieldDifference: Sendable, Hashable {
    /// The field.
    public var field: String
    /// What was sent.
    public var sent: String
    /// What the service holds.
    public var remote: String
}

/// One line of the reconciliation: a source row, or an unexpected/duplicate remote item.
public struct ReconLine: Sendable {
    /// The class.
    public var kind: ReconClass
    /// The product key.
    public var key: String?
    /// The source row (nil for unexpected and duplicate remote items).
    public var source: RowSource?
    /// The service's id.
    public var remoteID: String?
    /// The differing fields (mismatched).
    public var differences: [FieldDifference]
    /// The service's errors, the upload error or the validation reasons.
    public var detail: String
}

/// The reconciliation of one run: every source row in exactly one class, plus unexpected remote items.
public struct Reconciliation: Sendable {
    /// The lines, source rows first (in source order), then remote-only items.
    public var lines: [ReconLine]
    /// Lines per class.
    public var counts: [ReconClass: Int]
    /// The counts the service reports (`product_count`…) against ours, when they differ.
    public var countChecks: [(name: String, reported: Int, expected: Int)]
    /// For a reconciliation streamed to disk (a run's): its `reconciliation.json`, which holds every
    /// line, while ``lines`` holds only the first ones that are not matched.
    public var linesFile: String? = nil

    /// `summary.json`'s `reconciliation` object.
    public var json: JSONValue {
        .obj(ReconClass.allCases.map { ($0.rawValue, .int(counts[$0] ?? 0)) })
    }

    /// The classes whose count is above the pipeline's `fail_on` threshold.
    public func crossed(_ failOn: [String: Int]) -> [(String, Int, Int)] {
        failOn.sorted { $0.key < $1.key }.compactMap { name, limit in
            let n = ReconClass(rawValue: name).flatMap { counts[$0] } ?? 0
            return n > limit ? (name, n, limit) : nil
        }
    }
}

/// Matches source rows to remote items by key and compares the chosen fields.
public enum Reconciler {
    /// Reconciles.
    /// - Parameters:
    ///   - source: every source row of the run.
    ///   - remote: every item the service holds in the run's collection.
    ///   - compare: fields and how to compare them; empty compares every sent field the service returned.
    ///   - reportedCounts: counts the service reports about itself (name → n), checked against the remote items.
    ///   - ledgerKeys: keys the ledger knows: a remote item with such a key and no source row is
    ///     ``ReconClass/notInInput``, not ``ReconClass/unexpected``.
    public static func reconcile(
        source: [SourceItem], remote: [RemoteItem], compare: [(field: String, how: Comparison)],
        reportedCounts: [String: Int] = [:], ledgerKeys: Set<String> = []
    ) -> Reconciliation {
        var byKey: [String: [Int]] = [:]
        for (i, r) in remote.enumerated() { if let k = r.key { byKey[k, default: []].append(i) } }
        var used = Set<Int>()
        var lines: [ReconLine] = []
        for s in source {
            switch s.state {
            case .quarantined(let why):
                lines.append(
                    ReconLine(
                        kind: .quarantined, key: s.key, source: s.source, remoteID: nil, differences: [], detail: why))
                continue
            case .rejected(let why):
                lines.append(
                    ReconLine(
                        kind: .rejected, key: s.key, source: s.source, remoteID: nil, differences: [], detail: why))
                continue
            case .failed(let why):
                // A failed item may still have landed (a lost response); it counts as failed either way.
                if let k = s.key, let i = byKey[k]?.first { used.insert(i) }
                lines.append(
                    ReconLine(kind: .failed, key: s.key, source: s.source, remoteID: nil, differences: [], detail: why))
                continue
            case .sent(let record):
                guard let k = s.key, let matches = byKey[k],
                    let i = matches.first(where: { !used.contains($0) }) ?? matches.first
                else {
                    lines.append(
                        ReconLine(
                            kind: .missing, key: s.key, source: s.source, remoteID: nil, differences: [],
                            detail: "not found on the service"))
                    continue
                }
                used.insert(i)
                let item = remote[i]
                if !item.errors.isEmpty {
                    lines.append(
                        ReconLine(
                            kind: .rejected, key: k, source: s.source, remoteID: item.remoteID, differences: [],
                            detail: item.errors.joined(separator: "; ")))
                    continue
                }
                let diffs = differences(sent: record, remote: item.fields, compare: compare)
                lines.append(
                    ReconLine(
                        kind: diffs.isEmpty ? .matched : .mismatched, key: k, source: s.source, remoteID: item.remoteID,
                        differences: diffs, detail: ""))
            }
        }
        var sourceRows: [String: RowSource] = [:]
        for s in source { if let k = s.key, sourceRows[k] == nil { sourceRows[k] = s.source } }
        for (i, r) in remote.enumerated() where !used.contains(i) {
            if let k = r.key, let row = sourceRows[k] {
                lines.append(
                    ReconLine(
                        kind: .duplicates, key: k, source: row, remoteID: r.remoteID, differences: [],
                        detail: "the service holds this key more than once"))
            } else if let k = r.key, ledgerKeys.contains(k) {
                lines.append(
                    ReconLine(
                        kind: .notInInput, key: k, source: nil, remoteID: r.remoteID, differences: [],
                        detail: "on the service and in the ledger from an earlier run, but not in this input"))
            } else {
                lines.append(
                    ReconLine(
                        kind: .unexpected, key: r.key, source: nil, remoteID: r.remoteID, differences: [],
                        detail: "on the service but not in the source"))
            }
        }
        var counts: [ReconClass: Int] = [:]
        for l in lines { counts[l.kind, default: 0] += 1 }
        var checks: [(String, Int, Int)] = []
        for (name, n) in reportedCounts.sorted(by: { $0.key < $1.key }) where n != remote.count {
            checks.append((name, n, remote.count))
        }
        return Reconciliation(lines: lines, counts: counts, countChecks: checks)
    }

    static func differences(sent: JSONValue, remote: [String: JSONValue], compare: [(field: String, how: Comparison)])
        -> [FieldDifference]
    {
        var fields = compare
        if fields.isEmpty, case .object(let sentFields) = sent {
            fields = sentFields.filter { remote[$0.key] != nil }.map { ($0.key, Comparison.exact) }
        }
        var out: [FieldDifference] = []
        for (field, how) in fields {
            let a = sent[field] ?? .null
            let b = remote[field] ?? .null
            if !equal(a, b, how) { out.append(FieldDifference(field: field, sent: a.plainText, remote: b.plainText)) }
        }
        return out
    }

    /// Whether a sent and a remote value are equal under a comparison (dates compare as date-times,
    /// numbers as numbers, empty and null alike).
    public static func equal(_ a: JSONValue, _ b: JSONValue, _ how: Comparison) -> Bool {
        if a.isEmpty && b.isEmpty { return true }
        let x = a.plainText
        let y = b.plainText
        switch how {
        case .exact:
            if x == y { return true }
        case .caseInsensitive:
            if x.lowercased() == y.lowercased() { return true }
        case .numeric(let tolerance):
            if let p = Double(x), let q = Double(y) { return abs(p - q) <= tolerance }
            return x == y
        }
        if let p = Double(x), let q = Double(y), case .number = a { return p == q }
        if x.count >= 10, y.count >= 10, let p = DatePattern.parseISO(x), let q = DatePattern.parseISO(y) {
            return p == q
        }
        return false
    }
}
