import Foundation

/// `${VAR}`, `${VAR:-default}` and `${VAR:?message}` interpolation from the environment.
///
/// `$$` is a literal `$`. Secrets are only ever read this way; the pipeline model marks values
/// that came from the environment so they are never printed.
public enum Interpolation {
    /// A failed interpolation: a missing variable without default, or bad syntax.
    public struct Failure: Error, Sendable, Equatable {
        /// The variable's name (empty for syntax errors).
        public var variable: String
        /// The message to show.
        public var message: String
        /// The 0-based character offset of the `${` in the value.
        public var offset: Int
    }

    /// Expands every reference in `text`.
    /// - Parameters:
    ///   - text: the scalar's text.
    ///   - environment: the variables.
    /// - Returns: the expanded text and whether any variable was used.
    /// - Throws: ``Failure``.
    public static func expand(_ text: String, environment: [String: String]) throws -> (String, Bool) {
        let e = try expandNoting(text, environment: environment)
        return (e.text, e.usedVariable)
    }

    /// What ``expandNoting(_:environment:)`` found.
    public struct Expansion: Sendable, Equatable {
        /// The expanded text.
        public var text: String
        /// Whether any `${…}` reference was written.
        public var usedVariable: Bool
        /// Whether a `${VAR:-default}` fell back to its default, a literal written in the file.
        public var usedDefault: Bool
    }

    /// Expands every reference in `text`, noting whether a default was used.
    /// - Throws: ``Failure``.
    public static func expandNoting(_ text: String, environment: [String: String]) throws -> Expansion {
        guard text.contains("$") else { return Expansion(text: text, usedVariable: false, usedDefault: false) }
        var out = ""
        var used = false
        var usedDefault = false
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c == "$", i + 1 < chars.count, chars[i + 1] == "$" {
                out.append("$")
                i += 2
                continue
            }
            guard c == "$", i + 1 < chars.count, chars[i + 1] == "{" else {
                out.append(c)
                i += 1
                continue
            }
            guard let close = chars[(i + 2)...].firstIndex(of: "}") else {
                throw Failure(
                    variable: "", message: "\"${\" is never closed; write ${NAME} or $$ for a literal $", offset: i)
            }
            let body = String(chars[(i + 2)..<close])
            var name = body
            var op: String? = nil
            var arg = ""
            if let r = body.range(of: ":-") ?? body.range(of: ":?") {
                name = String(body[..<r.lowerBound])
                op = String(body[r])
                arg = String(body[r.upperBound...])
            }
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                throw Failure(
                    variable: name,
                    message: "\"${\(body)}\" is not a variable reference; names are letters, digits and _", offset: i)
            }
            used = true
            if let v = environment[name], !(op != nil && v.isEmpty) {
                out += v
            } else if op == ":-" {
                out += arg
                usedDefault = true
            } else if op == ":?" {
                throw Failure(
                    variable: name,
                    message: "environment variable \(name) is not set: \(arg.isEmpty ? "it is required" : arg)",
                    offset: i)
            } else {
                throw Failure(
                    variable: name,
                    message: "environment variable \(name) is not set; export it, or write ${\(name):-default}",
                    offset: i)
            }
            i = close + 1
        }
        return Expansion(text: out, usedVariable: used, usedDefault: usedDefault)
    }
}
