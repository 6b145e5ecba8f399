import Foundation

/// The stages between read and normalise (`filter`, `group`, `explode`), the field settings that
/// name more columns (`when`, `coalesce`), and the checks that need the whole file (target fields,
/// `truncate: max`, `item:` on a collected column).
extension PipelineLoader {
    static let conditionKeys = ["column", "equals", "matches", "in", "empty", "not"]
    static let filterKeys = ["where"]
    static let groupKeys = ["by", "collect", "variants"]
    static let variantsKeys = ["into", "fields"]
    static let explodeKeys = ["column", "separator"]
    static let whenKeys = ["if", "then", "else"]

    /// `{column: X, equals|matches|in|empty: …}`.
    static func buildCondition(_ node: ConfigNode, ctx: ConfigContext, what: String) -> Condition? {
        guard let m = ctx.mapping(node, allowed: conditionKeys, what: what) else { return nil }
        guard let columnNode = m["column"], let column = ctx.string(columnNode, what: "\(what).column") else {
            ctx.error("\(what) needs the column it tests (column: Status)", at: node)
            return nil
        }
        ctx.referenceColumn([column], role: what, at: columnNode)
        let tests = ["equals", "matches", "in", "empty"].filter { m[$0] != nil }
        guard tests.count == 1 else {
            ctx.error("\(what) needs exactly one of equals, matches, in or empty", at: node)
            return nil
        }
        let negated = ctx.bool(m["not"], what: "\(what).not") ?? false
        switch tests[0] {
        case "equals":
            return ctx.string(m["equals"], what: "\(what).equals").map {
                Condition(column: column, test: .equals($0), negated: negated)
            }
        case "matches":
            guard let n = m["matches"], let p = ctx.string(n, what: "\(what).matches") else { return nil }
            checkRegex(p, at: n, ctx: ctx, what: "\(what).matches")
            return Condition(column: column, test: .matches(p), negated: negated)
        case "in":
            return ctx.stringList(m["in"], what: "\(what).in").map {
                Condition(column: column, test: .isIn($0), negated: negated)
            }
        default:
            return ctx.bool(m["empty"], what: "\(what).empty").map {
                Condition(column: column, test: .empty($0), negated: negated)
            }
        }
    }

    /// `when: [{if: {...}, then: ...}]` with `else:` beside it.
    static func buildWhen(_ spec: inout FieldSpec, _ node: ConfigNode, elseNode: ConfigNode?, ctx: ConfigContext) {
        let what = "normalise.fields.\(spec.name).when"
        guard case .sequence(let items) = node.value else {
            ctx.error("when must be a list of {if: {column: ..., equals: ...}, then: ...}", at: node)
            return
        }
        for item in items {
            guard let m = ctx.mapping(item, allowed: whenKeys, what: "a when rule") else { continue }
            if let e = m["else"], m["if"] == nil {
                spec.otherwise = ctx.string(e, what: "else")
                referenceTemplate(spec.otherwise, field: spec.name, at: e, ctx: ctx)
                continue
            }
            guard let ifNode = m["if"], let thenNode = m["then"] else {
                ctx.error("each when rule has if: and then:", at: item)
                continue
            }
            guard let condition = buildCondition(ifNode, ctx: ctx, what: "\(what).if"),
                let then = ctx.string(thenNode, what: "then")
            else { continue }
            referenceTemplate(then, field: spec.name, at: thenNode, ctx: ctx)
            spec.when.append(WhenRule(condition: condition, then: then))
        }
        if let elseNode {
            spec.otherwise = ctx.string(elseNode, what: "else")
            referenceTemplate(spec.otherwise, field: spec.name, at: elseNode, ctx: ctx)
        }
    }

    static func referenceTemplate(_ text: String?, field: String, at node: ConfigNode, ctx: ConfigContext) {
        guard let text else { return }
        for p in RecordNormaliser.placeholders(text) {
            ctx.referenceColumn([p], role: "normalise.fields.\(field).when", at: node)
        }
    }

    /// `filter: {where: condition or list of conditions}`.
    static func buildFilter(_ node: ConfigNode, ctx: ConfigContext) -> FilterStage? {
        guard let m = ctx.mapping(node, allowed: filterKeys, what: "filter") else { return nil }
        guard let w = m["where"] else {
            ctx.error("filter needs where: {column: ..., equals: ...} (the rows to keep)", at: node)
            return nil
        }
        let items: [ConfigNode]
        if case .sequence(let seq) = w.value { items = seq } else { items = [w] }
        let conditions = items.compactMap { buildCondition($0, ctx: ctx, what: "filter.where") }
        return conditions.count == items.count ? FilterStage(conditions: conditions) : nil
    }

    /// `group: {by, collect, variants: {into, fields}}`.
    static func buildGroup(_ node: ConfigNode, ctx: ConfigContext) -> GroupStage? {
        guard let m = ctx.mapping(node, allowed: groupKeys, what: "group") else { return nil }
        let by = ctx.stringNodes(m["by"], what: "group.by")
        if by.isEmpty {
            ctx.error("group needs by: the column (or columns) whose equal values make one record", at: node)
            return nil
        }
        for (c, n) in by { ctx.referenceColumn([c], role: "group.by", at: n) }
        let collect = ctx.stringNodes(m["collect"], what: "group.collect")
        for (c, n) in collect { ctx.referenceColumn([c], role: "group.collect", at: n) }
        var variants: VariantsSpec? = nil
        if let v = m["variants"], let vm = ctx.mapping(v, allowed: variantsKeys, what: "group.variants") {
            let into = ctx.string(vm["into"], what: "group.variants.into") ?? "variants"
            var fields: [(String, String)] = []
            if let f = vm["fields"] {
                for (key, _, value) in ctx.orderedPairs(f, what: "group.variants.fields") {
                    guard let column = ctx.string(value, what: "group.variants.fields.\(key)") else { continue }
                    ctx.referenceColumn([column], role: "group.variants.fields.\(key)", at: value)
                    fields.append((key, column))
                }
            }
            if fields.isEmpty {
                ctx.error("group.variants needs fields: {size: Option1 Value, sku: Variant SKU, ...}", at: v)
            }
            variants = VariantsSpec(into: into, fields: fields)
        }
        return GroupStage(by: by.map(\.0), collect: collect.map(\.0), variants: variants)
    }

    /// `explode: Sizes` or `explode: {column: Sizes, separator: "|"}`.
    static func buildExplode(_ node: ConfigNode, ctx: ConfigContext) -> ExplodeStage? {
        if let s = node.scalar, !node.isNull {
            ctx.referenceColumn([s], role: "explode", at: node)
            return ExplodeStage(column: s, separator: "|")
        }
        guard let m = ctx.mapping(node, allowed: explodeKeys, what: "explode") else { return nil }
        guard let cn = m["column"], let column = ctx.string(cn, what: "explode.column") else {
            ctx.error("explode needs the column whose items become records (column: Sizes)", at: node)
            return nil
        }
        ctx.referenceColumn([column], role: "explode", at: cn)
        let sep = ctx.string(m["separator"], what: "explode.separator") ?? "|"
        if sep.isEmpty { ctx.error("explode.separator cannot be empty", at: m["separator"] ?? node) }
        return ExplodeStage(column: column, separator: sep.isEmpty ? "|" : sep)
    }

    /// The longest known field that is a `_`-separated part at the start or end of `name`
    /// (`colour_name` → `colour`, `main_cover_image` → `cover_image`).
    static func namePart(of name: String, in known: [String]) -> String? {
        let n = name.lowercased()
        return known.filter { k in n.hasPrefix(k + "_") || n.hasSuffix("_" + k) }.max { $0.count < $1.count }
    }

    /// Checks the fields against the target and the row stages once the whole file is read.
    static func checkFields(
        _ n: inout NormaliseStage, fieldsNode: ConfigNode, rowStages: inout [RowStage], ruleSet: TargetRuleSet?,
        ctx: ConfigContext
    ) {
        if !ctx.explodeRequests.isEmpty {
            let has = rowStages.contains { if case .explode = $0 { return true } else { return false } }
            if has {
                ctx.error(
                    "a field sets explode: and the pipeline has an explode stage; use one of them", at: fieldsNode)
            } else if ctx.explodeRequests.count > 1 {
                ctx.error("only one field can set explode:; the others would multiply the records", at: fieldsNode)
            } else {
                rowStages.append(.explode(ctx.explodeRequests[0]))
            }
        }
        var listColumns: [String] = []
        for case .group(let g) in rowStages {
            listColumns += g.collect
            if let v = g.variants { listColumns.append(v.into) }
        }
        let folded = Set(listColumns.map(TextCleaning.fold))
        var keyNodes: [String: ConfigNode] = [:]
        if case .mapping(let pairs) = fieldsNode.value,
            let fields = pairs.first(where: { $0.key.scalar == "fields" })?.value,
            case .mapping(let fieldPairs) = fields.value
        {
            for (k, _) in fieldPairs { if let name = k.scalar { keyNodes[name] = k } }
        }
        let known = ruleSet.map { Set($0.knownFields) } ?? []
        var unmappedInto: String? = nil
        if case .into(let name) = n.unmapped { unmappedInto = name }
        for i in n.fields.indices {
            let spec = n.fields[i]
            if let at = spec.itemLine, !spec.from.contains(where: { folded.contains(TextCleaning.fold($0)) }) {
                ctx.error(
                    "item picks one element of a list; add split: \"|\" (or your separator), or collect the column in the group stage",
                    line: at.line, column: at.column)
            }
            if spec.truncate == .targetMax {
                let limit = ruleSet?.rules.compactMap { r -> Int? in
                    if r.field == spec.name, case .maxLength(let l) = r.check { return l }
                    return nil
                }.min()
                if let limit {
                    n.fields[i].truncate = .length(limit)
                } else {
                    ctx.error(
                        "truncate: max needs the target's documented maximum length, and \(ruleSet.map { "\($0.name.qualified) documents none for \"\(spec.name)\"" } ?? "the pipeline has no target"); write truncate: N",
                        line: spec.line, column: keyNodes[spec.name]?.column)
                }
            }
            guard let ruleSet, !ruleSet.freeFormFields else { continue }
            for name in [spec.name] + [spec.currencyField].compactMap({ $0 })
            where !known.contains(name) && name != unmappedInto {
                var msg =
                    "\(ruleSet.name.service.rawValue) has no field \"\(name)\", so its values would be dropped by the service"
                if let s = Suggest.closest(to: name, in: ruleSet.knownFields)
                    ?? Self.namePart(of: name, in: ruleSet.knownFields)
                {
                    msg += "; did you mean \"\(s)\"?"
                } else {
                    msg += "; its fields are \(ruleSet.knownFields.joined(separator: ", "))"
                }
                ctx.error(msg, line: spec.line, column: keyNodes[spec.name]?.column)
            }
        }
    }
}
