import OrderedJSON

/// Reading a request body or a stored file: the shared bounded parser, numbers then rewritten the
/// way the sandbox has always stored and echoed them.
extension JSONValue {
    /// Parses JSON bytes, or returns nil if they are not JSON (or nest deeper than 512).
    ///
    /// Every object's keys come back sorted, as the sandbox's old `JSONDecoder` path stored them, so
    /// stored records, listings, echoes and `--state` lines are the same text as before. A number
    /// with a whole value that fits an `Int` (`3`, `3.0`, `3e2`) becomes its integer text (`3`,
    /// `300`), any other one the text ``JSONValue/double(_:)`` writes (`2.50` → `2.5`); a number too
    /// large for a `Double` makes the document invalid.
    /// - Parameter bytes: UTF-8 JSON text.
    /// - Returns: The value, or nil.
    static func decoded(_ bytes: some Collection<UInt8>) -> JSONValue? {
        guard let value = try? parse(bytes, maxDepth: 512) else { return nil }
        return value.canonicalNumbers()
    }

    /// The value with every number as an integer text or ``JSONValue/double(_:)``'s text and every
    /// object's keys sorted; nil if a number is out of a `Double`'s range.
    private func canonicalNumbers() -> JSONValue? {
        switch self {
        case .number(let n):
            if let i = Int(n) { return .int(i) }
            guard let d = Double(n), d.isFinite else { return nil }
            if d.rounded() == d, let i = Int(exactly: d) { return .int(i) }
            return .double(d)
        case .array(let items):
            var out: [JSONValue] = []
            out.reserveCapacity(items.count)
            for item in items {
                guard let v = item.canonicalNumbers() else { return nil }
                out.append(v)
            }
            return .array(out)
        case .object(let fields):
            var out: [JSONField] = []
            out.reserveCapacity(fields.count)
            for f in fields.sorted(by: { $0.key < $1.key }) {
                guard let v = f.value.canonicalNumbers() else { return nil }
                out.append(JSONField(f.key, v))
            }
            return .object(out)
        default: return self
        }
    }
}

extension JSONValue {
    /// The integer of a number written as an integer (no fraction, no exponent), or nil: what the
    /// sandbox's sorting compares as numbers.
    var intText: Int? {
        if case .number(let n) = self { return Int(n) }
        return nil
    }
}
