import Foundation
import Yams

/// A YAML node of a pipeline file with its location, after `${VAR}` interpolation of scalars.
public struct ConfigNode: Sendable {
    /// The node's content.
    public indirect enum Value: Sendable {
        /// A scalar's text (already interpolated) and whether it was quoted in the file.
        case scalar(String, quoted: Bool)
        /// A mapping, in file order.
        case mapping([(key: ConfigNode, value: ConfigNode)])
        /// A sequence.
        case sequence([ConfigNode])
    }

    /// The content.
    public var value: Value
    /// 1-based line.
    public var line: Int
    /// 1-based column.
    public var column: Int
    /// Whether an environment variable was interpolated into this scalar (it may hold a secret).
    public var fromEnvironment: Bool
    /// Whether a `${VAR:-default}` in this scalar fell back to its default (a literal in the file).
    public var usedDefault = false

    /// The scalar text, or nil for mappings and sequences.
    public var scalar: String? {
        if case .scalar(let s, _) = value { return s }
        return nil
    }

    /// Whether this is a plain `null` / `~` / empty scalar.
    public var isNull: Bool {
        if case .scalar(let s, let quoted) = value, !quoted {
            return s.isEmpty || s == "null" || s == "~" || s == "Null" || s == "NULL"
        }
        return false
    }

    /// A short name of the node's kind, for "expected X, found Y" messages.
    public var kindName: String {
        switch value {
        case .scalar: return isNull ? "nothing" : "a value"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }
}

/// Reads a pipeline file's YAML into located nodes and collects diagnostics while the model is built.
public final class ConfigContext {
    /// The pipeline file path.
    public let file: String
    /// The file's lines, for caret snippets.
    public let lines: [Substring]
    /// The environment used for interpolation.
    public let environment: [String: String]
    /// Everything found wrong so far.
    public private(set) var diagnostics: [ConfigDiagnostic] = []
    /// Things that work but should be changed (a secret written in the file); `check` and `run` print them.
    public private(set) var warnings: [ConfigDiagnostic] = []
    /// How many more nodes the tree may have: a bound on the composed tree (twice the text's bytes),
    /// so a tree that shares nodes (an alias the text scan missed) is never expanded far.
    private var nodesLeft = Int.max
    private var warnedNodeBudget = false
    /// `explode:` field settings, turned into an explode stage before normalise.
    public var explodeRequests: [ExplodeStage] = []
    /// The setting names `upload.sandbox.settings` may use (the launcher's), or nil to take any.
    public var standInSettingNames: [String]?
    /// The source columns the file names so far, with their places (for the header check).
    public var columnReferences: [ColumnReference] = []

    /// Notes that the file names a source column (or one of several synonyms) at `node`.
    public func referenceColumn(_ names: [String], role: String, at node: ConfigNode) {
        guard !names.isEmpty else { return }
        columnReferences.append(ColumnReference(names: names, role: role, line: node.line, column: node.column))
    }

    /// Creates a context for a file's text.
    public init(file: String, text: String, environment: [String: String]) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        self.environment = environment
    }

    /// Records an error at a node (or at a line/column).
    public func error(_ message: String, line: Int?, column: Int?) {
        let src = line.flatMap { $0 >= 1 && $0 <= lines.count ? String(lines[$0 - 1]).replacingTabs() : nil }
        diagnostics.append(ConfigDiagnostic(file: file, line: line, column: column, message: message, sourceLine: src))
    }

    /// Records an error at a node.
    public func error(_ message: String, at node: ConfigNode) {
        error(message, line: node.line, column: node.column)
    }

    /// Records a warning at a node: `file:line:column: warning: …`, without the line itself (the
    /// warnings are about secrets written there, which are never printed).
    public func warning(_ message: String, at node: ConfigNode) {
        warnings.append(
            ConfigDiagnostic(file: file, line: node.line, column: node.column, message: "warning: " + message))
    }

    /// Parses the YAML text into a located, interpolated tree.
    /// - Returns: nil (with a diagnostic) when the YAML itself is malformed.
    public func parse(_ text: String) -> ConfigNode? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            switch e {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let ctx = context.map { " \($0.text)" } ?? ""
                error("invalid YAML: \(problem)\(ctx)", line: mark.line, column: mark.column)
            case .duplicatedKeysInMapping(let dups, let context):
                error(
                    "key \(dups.map { "\"\($0)\"" }.joined(separator: ", ")) appears twice in one mapping",
                    line: context.mark.line, column: context.mark.column)
            default:
                error("invalid YAML: \(e)", line: nil, column: nil)
            }
            return nil
        } catch {
            self.error("invalid YAML: \(error)", line: nil, column: nil)
            return nil
        }
        guard let root else {
            error("the file is empty; a pipeline needs a name and stages", line: 1, column: 1)
            return nil
        }
        nodesLeft = 2 * text.utf8.count + 64
        return convert(root)
    }

    private func convert(_ node: Node) -> ConfigNode {
        let line = node.mark?.line ?? 0
        let column = node.mark?.column ?? 0
        nodesLeft -= 1
        if nodesLeft < 0 {
            if !warnedNodeBudget {
                warnedNodeBudget = true
                error(
                    "the YAML expands to more values than its text holds (aliases?); pipeline files may not share nodes",
                    line: line, column: column)
            }
            return ConfigNode(value: .scalar("", quoted: true), line: line, column: column, fromEnvironment: false)
        }
        switch node {
        case .scalar(let s):
            let quoted = s.style == .singleQuoted || s.style == .doubleQuoted
            do {
                let e = try Interpolation.expandNoting(s.string, environment: environment)
                return ConfigNode(
                    value: .scalar(e.text, quoted: quoted || e.usedVariable), line: line, column: column,
                    fromEnvironment: e.usedVariable, usedDefault: e.usedDefault)
            } catch let f as Interpolation.Failure {
                error(f.message, line: line, column: column + f.offset + (quoted ? 1 : 0))
                return ConfigNode(value: .scalar("", quoted: true), line: line, column: column, fromEnvironment: true)
            } catch {
                return ConfigNode(
                    value: .scalar(s.string, quoted: quoted), line: line, column: column, fromEnvironment: false)
            }
        case .mapping(let m):
            return ConfigNode(
                value: .mapping(m.map { (convert($0.key), convert($0.value)) }), line: line, column: column,
                fromEnvironment: false)
        case .sequence(let seq):
            return ConfigNode(
                value: .sequence(seq.map { convert($0) }), line: line, column: column, fromEnvironment: false)
        case .alias(let a):
            error(
                "YAML aliases are not supported in pipeline files; repeat the value instead", line: a.mark?.line,
                column: a.mark?.column)
            return ConfigNode(value: .scalar("", quoted: true), line: line, column: column, fromEnvironment: false)
        }
    }

    // MARK: typed access with diagnostics

    /// The node as a mapping whose keys are all in `allowed`; unknown keys get a "did you mean".
    /// - Returns: key → value node, or nil (with a diagnostic) when it is not a mapping.
    public func mapping(_ node: ConfigNode, allowed: [String]?, what: String) -> [String: ConfigNode]? {
        guard case .mapping(let pairs) = node.value else {
            if node.isNull { return [:] }
            error("\(what) must be a mapping (key: value lines); found \(node.kindName)", at: node)
            return nil
        }
        var out: [String: ConfigNode] = [:]
        for (k, v) in pairs {
            guard let key = k.scalar else {
                error("\(what) has a key that is not a plain name", at: k)
                continue
            }
            if let allowed, !allowed.contains(key) {
                var msg = "unknown key \"\(key)\" in \(what)"
                if let s = Suggest.closest(to: key, in: allowed) {
                    msg += "; did you mean \"\(s)\"?"
                } else {
                    msg += "; expected one of \(allowed.joined(separator: ", "))"
                }
                error(msg, at: k)
                continue
            }
            out[key] = v
        }
        return out
    }

    /// The node as ordered key/value pairs (for `fields:` and `map:` where order matters).
    public func orderedPairs(_ node: ConfigNode, what: String) -> [(String, ConfigNode, ConfigNode)] {
        guard case .mapping(let pairs) = node.value else {
            if !node.isNull { error("\(what) must be a mapping; found \(node.kindName)", at: node) }
            return []
        }
        return pairs.compactMap { k, v in
            guard let key = k.scalar else {
                error("\(what) has a key that is not a plain value", at: k)
                return nil
            }
            return (key, k, v)
        }
    }

    /// The node as a string.
    public func string(_ node: ConfigNode?, what: String) -> String? {
        guard let node else { return nil }
        guard let s = node.scalar else {
            error("\(what) must be a single value; found \(node.kindName)", at: node)
            return nil
        }
        return s
    }

    /// The node as an integer, optionally within a range.
    public func int(_ node: ConfigNode?, what: String, range: ClosedRange<Int>? = nil) -> Int? {
        guard let node, let s = string(node, what: what) else { return nil }
        guard let v = Int(s.replacingOccurrences(of: "_", with: "")) else {
            error("\(what) must be a whole number; found \"\(s)\"", at: node)
            return nil
        }
        if let range, !range.contains(v) {
            error("\(what) must be between \(range.lowerBound) and \(range.upperBound); found \(v)", at: node)
            return nil
        }
        return v
    }

    /// The node as a number.
    public func double(_ node: ConfigNode?, what: String) -> Double? {
        guard let node, let s = string(node, what: what) else { return nil }
        guard let v = Double(s) else {
            error("\(what) must be a number; found \"\(s)\"", at: node)
            return nil
        }
        return v
    }

    /// The node as a boolean (`true`/`false`, `yes`/`no`).
    public func bool(_ node: ConfigNode?, what: String) -> Bool? {
        guard let node, let s = string(node, what: what) else { return nil }
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            error("\(what) must be true or false; found \"\(s)\"", at: node)
            return nil
        }
    }

    /// The node as one of a fixed set of words.
    public func choice(_ node: ConfigNode?, what: String, among options: [String]) -> String? {
        guard let node, let s = string(node, what: what) else { return nil }
        guard options.contains(s) else {
            var msg = "\(what) \"\(s)\" is not valid"
            if let sug = Suggest.closest(to: s, in: options) {
                msg += "; did you mean \"\(sug)\"?"
            } else {
                msg += "; expected one of \(options.joined(separator: ", "))"
            }
            error(msg, at: node)
            return nil
        }
        return s
    }

    /// The node as a list of strings with their nodes (a single value counts as a one-item list).
    public func stringNodes(_ node: ConfigNode?, what: String) -> [(String, ConfigNode)] {
        guard let node else { return [] }
        switch node.value {
        case .scalar(let s, _): return [(s, node)]
        case .sequence(let items):
            return items.compactMap { item in string(item, what: "each item of \(what)").map { ($0, item) } }
        case .mapping:
            error("\(what) must be a value or a list; found a mapping", at: node)
            return []
        }
    }

    /// The node as a list of strings (a single value counts as a one-item list).
    public func stringList(_ node: ConfigNode?, what: String) -> [String]? {
        guard let node else { return nil }
        switch node.value {
        case .scalar(let s, _): return [s]
        case .sequence(let items): return items.compactMap { string($0, what: "each item of \(what)") }
        case .mapping:
            error("\(what) must be a value or a list; found a mapping", at: node)
            return nil
        }
    }
}

extension String {
    func replacingTabs() -> String { replacingOccurrences(of: "\t", with: " ") }
}
