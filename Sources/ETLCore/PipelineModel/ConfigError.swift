/// A problem in a pipeline file, located at `file:line:column` with the offending line and a caret.
public struct ConfigDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// The pipeline file.
    public var file: String
    /// 1-based line, when known.
    public var line: Int?
    /// 1-based column, when known.
    public var column: Int?
    /// What is wrong and how to fix it.
    public var message: String
    /// The offending source line, for the caret snippet.
    public var sourceLine: String?

    /// Creates a diagnostic.
    public init(file: String, line: Int?, column: Int?, message: String, sourceLine: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.sourceLine = sourceLine
    }

    /// `file:line:column: message`, then the line and a caret under the column.
    public var description: String {
        var s = file
        if let line { s += ":\(line)" }
        if let column { s += ":\(column)" }
        s += ": " + message
        if let sourceLine, let column {
            s += "\n" + sourceLine + "\n" + String(repeating: " ", count: max(0, column - 1)) + "^"
        }
        return s
    }
}

/// A pipeline file that cannot be used: one or more located diagnostics. Exit code 2.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every problem found, in file order.
    public var diagnostics: [ConfigDiagnostic]
    /// The pipeline as far as the loader could build it despite the problems, so a caller can add
    /// the checks that need a pipeline (the input's columns) to the same report; nil when it could not.
    public var partial: Pipeline?

    /// Creates an error from diagnostics.
    public init(_ diagnostics: [ConfigDiagnostic], partial: Pipeline? = nil) {
        self.diagnostics = diagnostics
        self.partial = partial
    }

    /// Errors are equal when they report the same problems.
    public static func == (lhs: ConfigError, rhs: ConfigError) -> Bool { lhs.diagnostics == rhs.diagnostics }

    /// The diagnostics, one after the other.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// Suggests the closest known word for a misspelt one ("did you mean").
public enum Suggest {
    /// The one candidate that starts with `word` (`int` → `integer`), else the candidate within edit
    /// distance 2 (or a third of the word's length) closest to it.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased())
        let prefixed = candidates.filter { word.count >= 2 && $0.lowercased().hasPrefix(word.lowercased()) }
        if prefixed.count == 1 { return prefixed[0] }
        return nearest(w, candidates)
    }

    static func nearest(_ w: [Character], _ candidates: [String]) -> String? {
        var best: (String, Int)? = nil
        for c in candidates {
            let d = distance(w, Array(c.lowercased()))
            if d <= max(2, w.count / 3), d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
