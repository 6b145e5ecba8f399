/// Finds YAML anchors (`&name`) and aliases (`*name`) in a pipeline file's text before the YAML
/// library sees it: a composed tree shares an anchored node wherever it is aliased, and walking (or
/// hashing) that tree expands it, so nine aliases of nine aliases of … take gigabytes. Pipeline
/// files have no use for them.
///
/// The scan follows YAML's own rule: `&` and `*` are indicators only where a node starts (line
/// start, after `- `, `? `, `: `, `[`, `{`, `,` or a tag); a plain scalar never starts with them, so
/// every hit is a real anchor or alias. Quoted scalars (closed on their line), comments and block
/// scalars (`|`, `>`) are skipped. Where the scan cannot tell, it looks rather than skips: a quote
/// not closed on its line is scanned as plain text, and a block scalar's extent is taken as the
/// narrowest YAML allows.
enum YAMLGuard {
    /// Where an anchor or alias was found.
    struct Finding: Equatable {
        /// 1-based line.
        var line: Int
        /// 1-based column (characters).
        var column: Int
        /// `*name` (true) or `&name` (false).
        var isAlias: Bool
    }

    /// The first anchor or alias in `text`, or nil.
    static func firstAnchorOrAlias(in text: String) -> Finding? {
        var copy = text
        return copy.withUTF8 { scan($0) }
    }

    private enum State {
        /// Where a node may start.
        case node
        /// Inside a plain scalar.
        case plain
        /// After a quoted scalar or a flow collection.
        case after
    }

    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")

    static func scan(_ b: UnsafeBufferPointer<UInt8>) -> Finding? {
        let n = b.count
        var i = 0
        var lineNumber = 1
        var flowDepth = 0
        var state = State.node
        // Inside a block scalar: the indentation its content must exceed, and the content's own once known.
        var block: (parent: Int, content: Int?)? = nil
        while i < n {
            var e = i
            while e < n && b[e] != 0x0A { e += 1 }
            var end = e
            if end > i && b[end - 1] == 0x0D { end -= 1 }
            var first = i
            while first < end && b[first] == space { first += 1 }
            let indent = first - i
            let lineStart = i
            i = e + 1
            defer { lineNumber += 1 }
            if let blk = block {
                if first == end { continue }
                if let c = blk.content {
                    if indent >= c { continue }
                    block = nil
                } else if indent > blk.parent {
                    block = (blk.parent, indent)
                    continue
                } else {
                    block = nil
                }
            }
            if flowDepth == 0 { state = .node }
            var p = first
            var tokenColumn = indent
            var owner = indent
            func finding(_ at: Int, alias: Bool) -> Finding {
                var column = 1
                for k in lineStart..<at where b[k] & 0xC0 != 0x80 { column += 1 }
                return Finding(line: lineNumber, column: column, isAlias: alias)
            }
            func boundary(_ k: Int) -> Bool {
                k >= end || b[k] == space || b[k] == tab
            }
            func flowIndicator(_ c: UInt8) -> Bool {
                c == UInt8(ascii: ",") || c == UInt8(ascii: "[") || c == UInt8(ascii: "]") || c == UInt8(ascii: "{")
                    || c == UInt8(ascii: "}")
            }
            lineLoop: while p < end {
                let c = b[p]
                if c == space || c == tab {
                    p += 1
                    continue
                }
                let afterSpace = p == lineStart || b[p - 1] == space || b[p - 1] == tab
                if c == UInt8(ascii: "#") && afterSpace { break lineLoop }
                switch state {
                case .node:
                    let marker = p == lineStart && p + 3 <= end && b[p + 1] == c && b[p + 2] == c && boundary(p + 3)
                    if c == UInt8(ascii: "&") || c == UInt8(ascii: "*") {
                        return finding(p, alias: c == UInt8(ascii: "*"))
                    } else if (c == UInt8(ascii: "-") || c == UInt8(ascii: ".")) && marker {
                        // `---` / `...`: a document's start or end.
                        p += 3
                    } else if (c == UInt8(ascii: "-") || c == UInt8(ascii: "?") || c == UInt8(ascii: ":"))
                        && boundary(p + 1)
                    {
                        if c != UInt8(ascii: ":") { owner = p - lineStart }
                        p += 1
                    } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
                        flowDepth += 1
                        p += 1
                    } else if (c == UInt8(ascii: "]") || c == UInt8(ascii: "}")) && flowDepth > 0 {
                        flowDepth -= 1
                        state = .after
                        p += 1
                    } else if c == UInt8(ascii: ",") && flowDepth > 0 {
                        p += 1
                    } else if c == UInt8(ascii: "!") {
                        // A tag; inside a flow collection it may end at a flow indicator.
                        while p < end && b[p] != space && b[p] != tab && !(flowDepth > 0 && flowIndicator(b[p])) {
                            p += 1
                        }
                    } else if (c == UInt8(ascii: "|") || c == UInt8(ascii: ">")) && flowDepth == 0 {
                        block = (owner, nil)
                        break lineLoop
                    } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\"") {
                        tokenColumn = p - lineStart
                        if let close = closingQuote(b, from: p, to: end) {
                            p = close + 1
                            state = .after
                        } else {
                            // Perhaps a quoted scalar over several lines: looked at as plain text.
                            p += 1
                            state = .plain
                        }
                    } else {
                        tokenColumn = p - lineStart
                        state = .plain
                        p += 1
                    }
                case .plain, .after:
                    if c == UInt8(ascii: ":")
                        && (boundary(p + 1) || state == .after
                            || (flowDepth > 0 && p + 1 < end && flowIndicator(b[p + 1])))
                    {
                        owner = tokenColumn
                        state = .node
                        p += 1
                    } else if flowDepth > 0 && c == UInt8(ascii: ",") {
                        state = .node
                        p += 1
                    } else if flowDepth > 0 && (c == UInt8(ascii: "]") || c == UInt8(ascii: "}")) {
                        flowDepth -= 1
                        state = .after
                        p += 1
                    } else {
                        p += 1
                    }
                }
            }
        }
        return nil
    }

    /// The index of the quote that closes the quoted scalar opening at `start` on this line, or nil.
    private static func closingQuote(_ b: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int? {
        let q = b[start]
        var k = start + 1
        while k < end {
            let c = b[k]
            if q == UInt8(ascii: "\"") && c == UInt8(ascii: "\\") {
                k += 2
                continue
            }
            if c == q {
                if q == UInt8(ascii: "'") && k + 1 < end && b[k + 1] == q {
                    k += 2
                    continue
                }
                return k
            }
            k += 1
        }
        return nil
    }
}
