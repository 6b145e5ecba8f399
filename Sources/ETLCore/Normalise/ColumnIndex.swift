/// Where each column of one layout is, by name: the exact header first, then the header folded
/// (lower case, no white space or `_`; the first column wins a tie). The normalise stage and the
/// row stages match columns this one way.
struct ColumnIndex {
    private var exact: [String: Int] = [:]
    private var folded: [String: Int] = [:]

    /// The index of `columns`.
    init(_ columns: [Column] = []) {
        for (i, c) in columns.enumerated() {
            if exact[c.header] == nil { exact[c.header] = i }
            let f = TextCleaning.fold(c.header)
            if folded[f] == nil { folded[f] = i }
        }
    }

    /// The index of `name`, or nil.
    func index(of name: String) -> Int? { exact[name] ?? folded[TextCleaning.fold(name)] }

    /// The first of `names` that is a header as written, else the first that matches folded.
    func first(of names: [String]) -> Int? {
        for n in names { if let i = exact[n] { return i } }
        for n in names { if let i = folded[TextCleaning.fold(n)] { return i } }
        return nil
    }
}
