import Foundation

/// Loads a pipeline file into a ``Pipeline``, collecting every problem with its location.
public enum PipelineLoader {
    static let stageKinds = [
        "read", "filter", "group", "explode", "normalise", "validate", "upload", "export", "reconcile",
    ]
    static let readKeys = [
        "path", "sheet", "sheet_index", "header_row", "delimiter", "encoding", "records_path", "duplicate_headers",
        "ragged_rows", "key", "format",
    ]
    static let fieldKeys = [
        "from", "synonyms", "value", "template", "default", "trim", "collapse_whitespace", "nfc", "case", "extract",
        "replace", "map", "on_unmapped", "lookup", "split", "item", "join", "as", "decimal_comma", "date_format",
        "date_formats", "html", "coalesce", "when", "else", "truncate", "currency", "explode",
    ]
    static let ruleKeys = [
        "field", "required", "min_length", "max_length", "pattern", "one_of", "integer", "number", "min", "max",
        "url", "uuid", "date_time", "boolean", "unique", "severity",
    ]
    // The keys of every other mapping in a pipeline file. `catalog-etl schema` is generated from these
    // lists, so a key added here without a schema description fails `PipelineSchemaTests`.
    static let topKeys = ["name", "description", "stages"]
    static let normaliseKeys = ["fields", "unmapped", "defaults"]
    static let defaultsKeys = ["trim", "collapse_whitespace", "nfc"]
    static let replaceKeys = ["pattern", "with"]
    static let lookupKeys = ["file", "key", "value", "on_missing"]
    static let validateKeys = ["against", "unique", "rules", "on_error", "max_quarantined"]
    static let exportKeys = ["format", "wait"]
    static let reconcileKeys = ["compare", "fail_on"]
    static let failOnClasses = [
        "matched", "mismatched", "missing", "rejected", "failed", "quarantined", "unexpected", "duplicates",
    ]
    static let uploadKeys = [
        "target", "endpoint", "token", "username", "password", "api_key", "namespace", "key", "secret", "collection",
        "batch_size", "rate", "concurrency", "max_attempts", "timeout", "max_wait", "project_id", "bucket", "sandbox",
    ]
    static let sandboxKeys = ["settings"]

    /// Loads and checks a pipeline file.
    /// - Parameters:
    ///   - path: the pipeline file.
    ///   - environment: variables for `${VAR}` interpolation (default: the process environment).
    ///   - inputOverride: `run --input PATH`: read this file instead of the pipeline's `read.path`.
    ///   - standInSettings: The names `upload.sandbox.settings` may use (the stand-in launcher's
    ///     ``StandInLauncher/settingNames``); an other name is an error at its line. Nil takes any name.
    /// - Returns: the pipeline.
    /// - Throws: ``ConfigError`` with every problem found.
    public static func load(
        path: String, environment: [String: String]? = nil, inputOverride: String? = nil,
        standInSettings: [String]? = nil
    ) throws -> Pipeline {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let data = try PipelineFileGuard.contents(of: path)
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError([
                ConfigDiagnostic(file: path, line: nil, column: nil, message: "the pipeline file is not UTF-8 text")
            ])
        }
        let ctx = ConfigContext(file: path, text: text, environment: environment)
        ctx.standInSettingNames = standInSettings
        if let found = YAMLGuard.firstAnchorOrAlias(in: text) {
            ctx.error(
                "YAML \(found.isAlias ? "aliases (*name)" : "anchors (&name)") are not allowed in pipeline files (a few lines of them can expand to gigabytes); repeat the value instead",
                line: found.line, column: found.column)
            throw ConfigError(ctx.diagnostics)
        }
        let directory = (path as NSString).deletingLastPathComponent
        guard let root = ctx.parse(text) else { throw ConfigError(ctx.diagnostics) }
        var pipeline = build(
            root, ctx: ctx, file: path, directory: directory.isEmpty ? "." : directory, inputOverride: inputOverride)
        pipeline?.warnings = ctx.warnings
        if !ctx.diagnostics.isEmpty || pipeline == nil {
            throw ConfigError(
                ctx.diagnostics.isEmpty
                    ? [ConfigDiagnostic(file: path, line: 1, column: 1, message: "the pipeline could not be built")]
                    : ctx.diagnostics, partial: pipeline)
        }
        return pipeline!
    }

    /// `p` resolved against `dir`, with `.` and `name/..` segments folded (`pipelines/../samples/x` → `samples/x`).
    static func resolve(_ p: String, against dir: String) -> String {
        let joined = p.hasPrefix("/") || dir == "." ? p : (dir as NSString).appendingPathComponent(p)
        var parts: [Substring] = []
        for seg in joined.split(separator: "/", omittingEmptySubsequences: false) {
            if seg == "." { continue }
            if seg == "..", let last = parts.last, last != "..", !last.isEmpty {
                parts.removeLast()
                continue
            }
            parts.append(seg)
        }
        let out = parts.joined(separator: "/")
        return out.isEmpty ? "." : out
    }

    static func build(_ root: ConfigNode, ctx: ConfigContext, file: String, directory: String, inputOverride: String?)
        -> Pipeline?
    {
        guard let top = ctx.mapping(root, allowed: topKeys, what: "the pipeline") else {
            return nil
        }
        let name = ctx.string(top["name"], what: "name")
        if top["name"] == nil {
            ctx.error(
                "the pipeline has no name; add `name: ss26-womenswear` at the top", line: root.line, column: root.column
            )
        }
        if let name, name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            ctx.error("name \"\(name)\" cannot name an output folder; use letters, digits, - and _", at: top["name"]!)
        }
        guard let stagesNode = top["stages"] else {
            ctx.error(
                "the pipeline has no stages; add a `stages:` list starting with `- read:`", line: root.line,
                column: root.column)
            return nil
        }
        guard case .sequence(let items) = stagesNode.value else {
            ctx.error("stages must be a list (each item starting with -); found \(stagesNode.kindName)", at: stagesNode)
            return nil
        }
        var read: ReadStage? = nil
        var normalise: NormaliseStage? = nil
        var validate: ValidateStage? = nil
        var upload: UploadStage? = nil
        var export: ExportStage? = nil
        var reconcile: ReconcileStage? = nil
        var rowStages: [RowStage] = []
        var lastIndex = -1
        var fieldsNode: ConfigNode? = nil
        for item in items {
            guard case .mapping(let pairs) = item.value, pairs.count == 1, let kind = pairs[0].key.scalar else {
                ctx.error("each stage is one `kind:` with its settings, e.g. `- read: {path: file.xlsx}`", at: item)
                continue
            }
            let keyNode = pairs[0].key
            let body = pairs[0].value
            guard let index = stageKinds.firstIndex(of: kind) else {
                var msg = "unknown stage kind \"\(kind)\""
                if let s = Suggest.closest(to: kind, in: stageKinds) { msg += "; did you mean \"\(s)\"?" }
                msg += " Expected one of \(stageKinds.joined(separator: ", "))"
                ctx.error(msg, at: keyNode)
                continue
            }
            if index <= lastIndex {
                ctx.error(
                    "stage \"\(kind)\" is out of order or repeated; stages run in the order \(stageKinds.joined(separator: ", ")), each at most once",
                    at: keyNode)
                continue
            }
            lastIndex = index
            switch kind {
            case "read": read = buildRead(body, ctx: ctx, directory: directory, inputOverride: inputOverride)
            case "filter": if let f = buildFilter(body, ctx: ctx) { rowStages.append(.filter(f)) }
            case "group": if let g = buildGroup(body, ctx: ctx) { rowStages.append(.group(g)) }
            case "explode": if let e = buildExplode(body, ctx: ctx) { rowStages.append(.explode(e)) }
            case "normalise":
                fieldsNode = body
                normalise = buildNormalise(body, ctx: ctx, directory: directory)
            case "validate": validate = buildValidate(body, ctx: ctx)
            case "upload": upload = buildUpload(body, ctx: ctx)
            case "export": export = buildExport(body, ctx: ctx)
            default: reconcile = buildReconcile(body, ctx: ctx)
            }
        }
        if lastIndex >= 0, read == nil, !items.isEmpty, ctx.diagnostics.isEmpty {
            ctx.error("the pipeline has no read stage; the first stage must be `- read: {path: ...}`", at: stagesNode)
        }
        if items.isEmpty { ctx.error("stages is empty; start with `- read: {path: ...}`", at: stagesNode) }
        // Targets must agree, and the mapping must fill every field the target requires.
        if let upload, let validate, let mismatch = validate.ruleSets.first(where: { $0.service != upload.target }) {
            ctx.error(
                "validate checks against \(mismatch.qualified) but upload sends to \(upload.target.rawValue); use the same service",
                line: nil, column: nil)
        }
        if let validate {
            for set in validate.ruleSets {
                guard let rs = TargetRuleSet.all[set.qualified] else { continue }
                let mapped = Set(normalise?.fields.map(\.name) ?? [])
                let missing = rs.requiredFields.filter { !mapped.contains($0) }
                if !missing.isEmpty {
                    let at = fieldsNode ?? stagesNode
                    ctx.error(
                        "the mapping does not fill \(missing.map { "\"\($0)\"" }.joined(separator: ", ")), which \(set.qualified) requires; add \(missing.count > 1 ? "them" : "it") under normalise.fields",
                        at: at)
                }
            }
        }
        let target = upload?.target ?? validate?.ruleSets.first?.service
        let ruleSet =
            validate?.ruleSets.first.flatMap { TargetRuleSet.all[$0.qualified] }
            ?? target.map { TargetRuleSet.defaultSet(for: $0) }
        if var n = normalise, let f = fieldsNode {
            checkFields(&n, fieldsNode: f, rowStages: &rowStages, ruleSet: ruleSet, ctx: ctx)
            normalise = n
        }
        guard let name, let read else { return nil }
        var pipeline = Pipeline(
            name: name, file: file, directory: directory, read: read, normalise: normalise, validate: validate,
            upload: upload, export: export, reconcile: reconcile)
        pipeline.rowStages = rowStages
        pipeline.columnReferences = ctx.columnReferences
        return pipeline
    }

    static func buildRead(_ node: ConfigNode, ctx: ConfigContext, directory: String, inputOverride: String?)
        -> ReadStage?
    {
        guard let m = ctx.mapping(node, allowed: readKeys, what: "read") else { return nil }
        var o = ReadOptions()
        let path = ctx.string(m["path"], what: "read.path")
        if m["path"] == nil && inputOverride == nil { ctx.error("read needs a path (the input file)", at: node) }
        if let f = m["format"] {
            if let s = ctx.choice(f, what: "read.format", among: InputFormat.allCases.map(\.rawValue)) {
                o.format = InputFormat(rawValue: s)
            }
        }
        if let s = m["sheet"] { o.sheet = ctx.string(s, what: "read.sheet").map { .name($0) } }
        if let s = m["sheet_index"] {
            o.sheet = ctx.int(s, what: "read.sheet_index", range: 1...10_000).map { .index($0) }
        }
        if let h = m["header_row"] { o.headerRow = ctx.int(h, what: "read.header_row", range: 0...1_000_000) ?? 1 }
        if let d = m["delimiter"], let s = ctx.string(d, what: "read.delimiter") {
            switch s {
            case ",", ";", "|": o.delimiter = s.utf8.first
            case "\t", "\\t", "tab": o.delimiter = 0x09
            default: ctx.error("read.delimiter \"\(s)\" is not supported; use one of , ; | or tab", at: d)
            }
        }
        if let e = m["encoding"], let s = ctx.string(e, what: "read.encoding") {
            if let enc = TextEncodingChoice(name: s) {
                o.encoding = enc
            } else {
                ctx.error("read.encoding \"\(s)\" is not supported; use auto, utf-8, windows-1252 or utf-16", at: e)
            }
        }
        o.recordsPath = ctx.string(m["records_path"], what: "read.records_path")
        if let s = ctx.choice(m["duplicate_headers"], what: "read.duplicate_headers", among: ["error", "rename"]) {
            o.duplicateHeaders = HeaderPolicy(rawValue: s) ?? .error
        }
        if let s = ctx.choice(m["ragged_rows"], what: "read.ragged_rows", among: ["error", "pad"]) {
            o.raggedRows = RaggedRowPolicy(rawValue: s) ?? .error
        }
        if let keyNode = m["key"], let key = keyNode.scalar {
            ctx.referenceColumn([key], role: "read.key", at: keyNode)
        }
        let chosen = inputOverride ?? path.map { resolve($0, against: directory) } ?? ""
        return ReadStage(
            path: chosen, options: o, key: ctx.string(m["key"], what: "read.key"),
            encodingExplicit: m["encoding"] != nil)
    }

    static func buildNormalise(_ node: ConfigNode, ctx: ConfigContext, directory: String) -> NormaliseStage? {
        guard let m = ctx.mapping(node, allowed: normaliseKeys, what: "normalise") else {
            return nil
        }
        var defaults = FieldSpec(name: "")
        if let d = m["defaults"],
            let dm = ctx.mapping(d, allowed: defaultsKeys, what: "normalise.defaults")
        {
            defaults.trim = ctx.bool(dm["trim"], what: "defaults.trim") ?? true
            defaults.collapseWhitespace =
                ctx.bool(dm["collapse_whitespace"], what: "defaults.collapse_whitespace") ?? true
            defaults.nfc = ctx.bool(dm["nfc"], what: "defaults.nfc") ?? true
        }
        var fields: [FieldSpec] = []
        if let f = m["fields"] {
            for (name, keyNode, value) in ctx.orderedPairs(f, what: "normalise.fields") {
                var spec = defaults
                spec.name = name
                spec.line = keyNode.line
                buildField(&spec, value, ctx: ctx, directory: directory)
                fields.append(spec)
            }
        } else {
            ctx.error("normalise needs `fields:` mapping target fields to source columns", at: node)
        }
        var unmapped = UnmappedColumns.keep
        if let u = m["unmapped"], let s = ctx.string(u, what: "normalise.unmapped") {
            switch s {
            case "keep": unmapped = .keep
            case "drop": unmapped = .drop
            default:
                if s.isEmpty || s.contains(" ") {
                    ctx.error("normalise.unmapped must be keep, drop, or a field name such as brand_metadata", at: u)
                }
                unmapped = .into(s)
            }
        }
        return NormaliseStage(fields: fields, unmapped: unmapped)
    }

    static func checkRegex(_ pattern: String, at node: ConfigNode, ctx: ConfigContext, what: String) {
        do { _ = try NSRegularExpression(pattern: pattern) } catch {
            ctx.error(
                "\(what) \"\(pattern)\" is not a valid regular expression; check its brackets and escapes (in YAML, quote it with single quotes)",
                at: node)
        }
    }

    static func buildField(_ spec: inout FieldSpec, _ node: ConfigNode, ctx: ConfigContext, directory: String) {
        if let s = node.scalar {
            if !node.isNull {
                spec.from = [s]
                ctx.referenceColumn([s], role: "normalise.fields.\(spec.name)", at: node)
            } else {
                ctx.error("field \"\(spec.name)\" has no source; write a column name or {from: ..., ...}", at: node)
            }
            return
        }
        if case .sequence = node.value {
            ctx.error(
                "field \"\(spec.name)\" is a list; write one column name, or {from: [Name, Synonym]} for synonyms",
                at: node)
            return
        }
        guard let m = ctx.mapping(node, allowed: fieldKeys, what: "field \"\(spec.name)\"") else { return }
        spec.from = ctx.stringList(m["from"], what: "from") ?? []
        spec.from += ctx.stringList(m["synonyms"], what: "synonyms") ?? []
        ctx.referenceColumn(
            spec.from, role: "normalise.fields.\(spec.name).from", at: m["from"] ?? m["synonyms"] ?? node)
        spec.constant = ctx.string(m["value"], what: "value")
        spec.template = ctx.string(m["template"], what: "template")
        if let t = spec.template, let tn = m["template"] {
            for p in RecordNormaliser.placeholders(t) {
                ctx.referenceColumn([p], role: "normalise.fields.\(spec.name).template", at: tn)
            }
        }
        spec.defaultValue = ctx.string(m["default"], what: "default")
        for (c, cn) in ctx.stringNodes(m["coalesce"], what: "coalesce") {
            spec.coalesce.append(c)
            ctx.referenceColumn([c], role: "normalise.fields.\(spec.name).coalesce", at: cn)
        }
        if let w = m["when"] { buildWhen(&spec, w, elseNode: m["else"], ctx: ctx) }
        if m["when"] == nil, let e = m["else"] {
            ctx.error("else: goes with when:; add when: [{if: {column: ..., equals: ...}, then: ...}]", at: e)
        }
        if spec.from.isEmpty && spec.constant == nil && spec.template == nil && spec.defaultValue == nil
            && spec.coalesce.isEmpty && spec.when.isEmpty
        {
            ctx.error(
                "field \"\(spec.name)\" has no source; give from, value, template, coalesce, when or default", at: node)
        }
        if let h = m["html"], let v = ctx.choice(h, what: "html", among: ["text", "keep"]) {
            spec.htmlToText = v == "text"
        }
        if let t = m["truncate"], let v = ctx.string(t, what: "truncate") {
            if v == "max" {
                spec.truncate = .targetMax
            } else if let n = Int(v), n > 0 {
                spec.truncate = .length(n)
            } else {
                ctx.error("truncate \"\(v)\" is not a length; write truncate: 255 or truncate: max", at: t)
            }
        }
        spec.currencyField = ctx.string(m["currency"], what: "currency")
        if let e = m["explode"], let sep = ctx.string(e, what: "explode") {
            if spec.from.count == 1 {
                ctx.explodeRequests.append(ExplodeStage(column: spec.from[0], separator: sep.isEmpty ? "|" : sep))
            } else {
                ctx.error("explode needs one source column (from: Sizes, explode: \"|\")", at: e)
            }
        }
        if let t = m["trim"] { spec.trim = ctx.bool(t, what: "trim") ?? spec.trim }
        if let t = m["collapse_whitespace"] {
            spec.collapseWhitespace = ctx.bool(t, what: "collapse_whitespace") ?? spec.collapseWhitespace
        }
        if let t = m["nfc"] { spec.nfc = ctx.bool(t, what: "nfc") ?? spec.nfc }
        if let c = ctx.choice(m["case"], what: "case", among: LetterCase.allCases.map(\.rawValue)) {
            spec.letterCase = LetterCase(rawValue: c)
        }
        if let e = m["extract"], let s = ctx.string(e, what: "extract") {
            checkRegex(s, at: e, ctx: ctx, what: "extract")
            spec.extract = s
        }
        if let r = m["replace"] {
            let items: [ConfigNode]
            if case .sequence(let seq) = r.value { items = seq } else { items = [r] }
            for item in items {
                guard let rm = ctx.mapping(item, allowed: replaceKeys, what: "replace") else { continue }
                guard let p = ctx.string(rm["pattern"], what: "replace.pattern") else {
                    ctx.error("replace needs a pattern", at: item)
                    continue
                }
                if let pn = rm["pattern"] { checkRegex(p, at: pn, ctx: ctx, what: "replace.pattern") }
                spec.replacements.append((p, ctx.string(rm["with"], what: "replace.with") ?? ""))
            }
        }
        if let mp = m["map"] {
            spec.map = ctx.orderedPairs(mp, what: "map").compactMap { k, _, v in
                ctx.string(v, what: "map value").map { (k, $0) }
            }
        }
        if let p = ctx.choice(m["on_unmapped"], what: "on_unmapped", among: UnmappedPolicy.allCases.map(\.rawValue)) {
            spec.onUnmapped = UnmappedPolicy(rawValue: p) ?? .keep
        }
        if let l = m["lookup"],
            let lm = ctx.mapping(l, allowed: lookupKeys, what: "lookup")
        {
            let file = ctx.string(lm["file"], what: "lookup.file")
            let key = ctx.string(lm["key"], what: "lookup.key")
            let value = ctx.string(lm["value"], what: "lookup.value")
            if let file, let key, let value {
                let resolved = resolve(file, against: directory)
                if !FileManager.default.fileExists(atPath: resolved) {
                    ctx.error(
                        "lookup file \"\(file)\" does not exist (looked at \(resolved)); paths resolve against the pipeline file's folder",
                        at: lm["file"]!)
                }
                var spec2 = LookupSpec(file: resolved, keyColumn: key, valueColumn: value)
                if let p = ctx.choice(
                    lm["on_missing"], what: "lookup.on_missing", among: UnmappedPolicy.allCases.map(\.rawValue))
                {
                    spec2.onMissing = UnmappedPolicy(rawValue: p) ?? .keep
                }
                spec.lookup = spec2
            } else {
                ctx.error("lookup needs file, key and value", at: l)
            }
        }
        spec.split = ctx.string(m["split"], what: "split")
        spec.join = ctx.string(m["join"], what: "join")
        spec.item = ctx.int(m["item"], what: "item", range: 1...10_000)
        if spec.item != nil && spec.split == nil { spec.itemLine = m["item"].map { ($0.line, $0.column) } }
        if let t = ctx.choice(m["as"], what: "as", among: FieldType.allCases.map(\.rawValue)) {
            spec.type = FieldType(rawValue: t) ?? .string
        }
        if spec.split != nil && spec.item == nil && spec.join == nil && m["as"] == nil { spec.type = .list }
        if spec.currencyField != nil && spec.type != .price {
            ctx.error("currency: names the field that receives a price's currency; add as: price", at: m["currency"]!)
        }
        if let d = m["decimal_comma"] { spec.decimalComma = ctx.bool(d, what: "decimal_comma") ?? false }
        spec.dateFormats =
            (ctx.stringList(m["date_format"], what: "date_format") ?? [])
            + (ctx.stringList(m["date_formats"], what: "date_formats") ?? [])
        if let dn = m["date_format"] ?? m["date_formats"] {
            spec.dateFormatLine = dn.line
            spec.dateFormatColumn = dn.column
        }
        for f in spec.dateFormats where DatePattern(f) == nil {
            ctx.error(
                "date format \"\(f)\" is not understood; use tokens yyyy, yy, MMMM, MMM, MM, M, dd, d, HH, mm, ss with separators",
                at: m["date_format"] ?? m["date_formats"]!)
        }
    }

    static func ruleSetName(_ s: String, at node: ConfigNode, ctx: ConfigContext) -> RuleSetName? {
        if let service = TargetService(rawValue: s) { return TargetRuleSet.defaultSet(for: service).name }
        if let rs = TargetRuleSet.all[s] { return rs.name }
        var msg = "unknown target rule set \"\(s)\""
        let options = TargetRuleSet.names + TargetService.allCases.map(\.rawValue)
        if let sug = Suggest.closest(to: s, in: options) {
            msg += "; did you mean \"\(sug)\"?"
        } else {
            msg += "; expected one of \(TargetRuleSet.names.joined(separator: ", "))"
        }
        ctx.error(msg, at: node)
        return nil
    }

    static func buildValidate(_ node: ConfigNode, ctx: ConfigContext) -> ValidateStage? {
        guard
            let m = ctx.mapping(
                node, allowed: validateKeys, what: "validate")
        else {
            return nil
        }
        var sets: [RuleSetName] = []
        if let a = m["against"] {
            let items: [ConfigNode]
            if case .sequence(let seq) = a.value { items = seq } else { items = [a] }
            for item in items {
                if let s = ctx.string(item, what: "validate.against"), let r = ruleSetName(s, at: item, ctx: ctx) {
                    sets.append(r)
                }
            }
        }
        var rules: [UserRule] = []
        if let r = m["rules"] {
            if case .sequence(let items) = r.value {
                for item in items { rules += buildRules(item, ctx: ctx) }
            } else {
                ctx.error("validate.rules must be a list of rules (`- field: price`)", at: r)
            }
        }
        let onError =
            ctx.choice(m["on_error"], what: "validate.on_error", among: ErrorPolicy.allCases.map(\.rawValue)).flatMap(
                ErrorPolicy.init(rawValue:)) ?? .quarantine
        return ValidateStage(
            ruleSets: sets, unique: ctx.stringList(m["unique"], what: "validate.unique") ?? [], rules: rules,
            onError: onError,
            maxQuarantined: ctx.int(m["max_quarantined"], what: "validate.max_quarantined", range: 0...Int.max) ?? 0)
    }

    static func buildRules(_ node: ConfigNode, ctx: ConfigContext) -> [UserRule] {
        guard let m = ctx.mapping(node, allowed: ruleKeys, what: "rule") else { return [] }
        guard let field = ctx.string(m["field"], what: "rule.field") else {
            ctx.error("each rule names its field (`field: price`)", at: node)
            return []
        }
        let severity =
            ctx.choice(m["severity"], what: "severity", among: Severity.allCases.map(\.rawValue)).flatMap(
                Severity.init(rawValue:)) ?? .error
        var checks: [FieldCheck] = []
        func flag(_ key: String, _ check: FieldCheck) {
            if let n = m[key], ctx.bool(n, what: key) == true { checks.append(check) }
        }
        flag("required", .required)
        flag("url", .url)
        flag("uuid", .uuid)
        flag("date_time", .dateTime)
        flag("boolean", .boolean)
        flag("unique", .unique)
        if let v = ctx.int(m["min_length"], what: "min_length", range: 0...10_000_000) { checks.append(.minLength(v)) }
        if let v = ctx.int(m["max_length"], what: "max_length", range: 0...10_000_000) { checks.append(.maxLength(v)) }
        if let p = m["pattern"], let s = ctx.string(p, what: "pattern") {
            checkRegex(s, at: p, ctx: ctx, what: "pattern")
            checks.append(.pattern(s))
        }
        if let o = ctx.stringList(m["one_of"], what: "one_of") { checks.append(.oneOf(o)) }
        let min = ctx.double(m["min"], what: "min")
        let max = ctx.double(m["max"], what: "max")
        for kind in ["integer", "number"] {
            guard let n = m[kind] else { continue }
            var lo = min
            var hi = max
            if case .mapping = n.value, let nm = ctx.mapping(n, allowed: ["min", "max"], what: kind) {
                lo = ctx.double(nm["min"], what: "\(kind).min") ?? lo
                hi = ctx.double(nm["max"], what: "\(kind).max") ?? hi
            } else if ctx.bool(n, what: kind) != true {
                continue
            }
            checks.append(kind == "integer" ? .integer(min: lo, max: hi) : .number(min: lo, max: hi))
        }
        if (min != nil || max != nil) && m["integer"] == nil && m["number"] == nil {
            checks.append(.number(min: min, max: max))
        }
        if checks.isEmpty {
            ctx.error(
                "rule for \"\(field)\" checks nothing; add required, max_length, pattern, one_of, integer, number, url, uuid, date_time or unique",
                at: node)
        }
        return checks.map { UserRule(field: field, check: $0, severity: severity) }
    }

    static func buildUpload(_ node: ConfigNode, ctx: ConfigContext) -> UploadStage? {
        guard let m = ctx.mapping(node, allowed: uploadKeys, what: "upload") else { return nil }
        guard let t = m["target"],
            let ts = ctx.choice(t, what: "upload.target", among: TargetService.allCases.map(\.rawValue)),
            let target = TargetService(rawValue: ts)
        else {
            if m["target"] == nil {
                ctx.error(
                    "upload needs a target: one of \(TargetService.allCases.map(\.rawValue).joined(separator: ", "))",
                    at: node)
            }
            return nil
        }
        let endpoint = ctx.string(m["endpoint"], what: "upload.endpoint") ?? "sandbox"
        if endpoint != "sandbox", let node = m["endpoint"] {
            // An endpoint with credentials in it is not repeated in the message.
            let shown = endpoint.contains("@") ? "" : " \"\(endpoint)\""
            switch Endpoint.parse(endpoint) {
            case .failure(let problem): ctx.error("upload.endpoint\(shown) \(problem.message)", at: node)
            case .success(let e) where e.scheme != "https" && !e.isLoopback:
                ctx.error(
                    "upload.endpoint\(shown) must use https: plain http goes only to this machine (localhost, 127.0.0.0/8 or [::1]), and \"\(e.host)\" is not",
                    at: node)
            case .success: break
            }
        }
        var creds: [String: String] = [:]
        for k in ["token", "username", "password", "api_key", "namespace", "key", "secret", "project_id"] {
            if let v = ctx.string(m[k], what: "upload.\(k)") { creds[k] = v }
        }
        warnLiteralSecrets(m, endpoint: endpoint, ctx: ctx)
        var rate: Double? = nil
        if let r = m["rate"], let s = ctx.string(r, what: "upload.rate") {
            rate = parseRate(s)
            if rate == nil { ctx.error("upload.rate \"\(s)\" is not a rate; write e.g. 5/s, 60/min or 1000/h", at: r) }
        }
        return UploadStage(
            target: target, endpoint: endpoint, credentials: creds,
            collection: ctx.string(m["collection"], what: "upload.collection")
                ?? ctx.string(m["bucket"], what: "upload.bucket"),
            batchSize: ctx.int(m["batch_size"], what: "upload.batch_size", range: 1...100_000), rate: rate,
            concurrency: ctx.int(m["concurrency"], what: "upload.concurrency", range: 1...64),
            maxAttempts: ctx.int(m["max_attempts"], what: "upload.max_attempts", range: 1...100),
            timeoutSeconds: uploadDuration(m["timeout"], "timeout", range: 0.1...86_400, ctx: ctx),
            maxWaitSeconds: uploadDuration(m["max_wait"], "max_wait", range: 0...604_800, ctx: ctx),
            sandboxSettings: sandboxSettings(m["sandbox"], endpoint: endpoint, ctx: ctx))
    }

    /// `upload.sandbox.settings`: name → number or text, for `endpoint: sandbox` only; a name the
    /// launcher does not know (``ConfigContext/standInSettingNames``) is an error at its line.
    static func sandboxSettings(_ node: ConfigNode?, endpoint: String, ctx: ConfigContext) -> [String: String] {
        guard let node else { return [:] }
        if endpoint != "sandbox" {
            ctx.error(
                "upload.sandbox configures the built-in sandbox and applies only with endpoint: sandbox (the endpoint is \(endpoint.contains("@") ? "a URL" : "\"\(endpoint)\"")); remove it, or use endpoint: sandbox",
                at: node)
            return [:]
        }
        guard let m = ctx.mapping(node, allowed: sandboxKeys, what: "upload.sandbox"), let s = m["settings"] else {
            return [:]
        }
        var out: [String: String] = [:]
        for (name, key, value) in ctx.orderedPairs(s, what: "upload.sandbox.settings") {
            if let names = ctx.standInSettingNames, !names.contains(name) {
                var message = "unknown sandbox setting \"\(name)\" in upload.sandbox.settings"
                if let close = Suggest.closest(to: name, in: names) { message += "; did you mean \"\(close)\"?" }
                ctx.error(message + " The settings are: " + names.joined(separator: ", "), at: key)
                continue
            }
            guard let text = ctx.string(value, what: "upload.sandbox.settings.\(name)") else { continue }
            out[name] = text
        }
        return out
    }

    /// An upload-stage duration (`timeout: 30s`, `max_wait: 10m`) in seconds; an error when it is not a
    /// duration or lies outside `range`.
    static func uploadDuration(
        _ node: ConfigNode?, _ key: String, range: ClosedRange<Double>, ctx: ConfigContext
    ) -> Double? {
        guard let node, let text = ctx.string(node, what: "upload.\(key)") else { return nil }
        guard let seconds = parseDuration(text), seconds.isFinite, range.contains(seconds) else {
            ctx.error(
                "upload.\(key) \"\(text)\" is not a duration from \(Int(range.lowerBound)) s to \(Int(range.upperBound / 3600)) h; write e.g. 30s, 10m or 1h",
                at: node)
            return nil
        }
        return seconds
    }

    /// The upload keys that hold a secret.
    static let secretKeys = ["password", "token", "api_key", "key", "secret"]

    /// Warns about a secret written in the file: a value with no `${VAR}` at all, or a
    /// `${VAR:-default}` whose literal default was used while the endpoint is a real service (the
    /// sandbox, built in or on loopback, accepts only its documented demo credentials, so defaults
    /// such as `${SARTIQ_PASSWORD:-sandbox}` are fine there).
    static func warnLiteralSecrets(_ m: [String: ConfigNode], endpoint: String, ctx: ConfigContext) {
        let sandbox: Bool
        if endpoint == "sandbox" {
            sandbox = true
        } else if case .success(let e) = Endpoint.parse(endpoint) {
            sandbox = e.isLoopback
        } else {
            sandbox = false
        }
        for k in secretKeys {
            guard let node = m[k], let value = node.scalar, !value.isEmpty else { continue }
            if !node.fromEnvironment {
                ctx.warning(
                    "upload.\(k) is written in the pipeline file; a secret belongs in the environment: write \(k): ${NAME} and export NAME",
                    at: node)
            } else if node.usedDefault && !sandbox {
                ctx.warning(
                    "upload.\(k) comes from the default written in the pipeline file (${NAME:-…}) while the endpoint is a real service; export the variable, or remove the default",
                    at: node)
            }
        }
    }

    /// Parses `5/s`, `60/min`, `1000/h` into requests per second.
    public static func parseRate(_ s: String) -> Double? {
        let parts = s.replacingOccurrences(of: " ", with: "").split(separator: "/")
        guard parts.count == 2, let n = Double(parts[0]), n > 0 else { return nil }
        switch parts[1].lowercased() {
        case "s", "sec", "second": return n
        case "m", "min", "minute": return n / 60
        case "h", "hour": return n / 3600
        default: return nil
        }
    }

    /// Parses `30s`, `5m`, `250ms`, `1h` or a plain number of seconds.
    public static func parseDuration(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces).lowercased()
        for (suffix, factor) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)] where t.hasSuffix(suffix) {
            if let v = Double(t.dropLast(suffix.count)) { return v * factor }
        }
        return Double(t)
    }

    static func buildExport(_ node: ConfigNode, ctx: ConfigContext) -> ExportStage? {
        guard let m = ctx.mapping(node, allowed: exportKeys, what: "export") else { return nil }
        return ExportStage(
            format: ctx.choice(m["format"], what: "export.format", among: ["xlsx", "csv", "json"]),
            waitSeconds: ctx.string(m["wait"], what: "export.wait").flatMap(parseDuration))
    }

    static func buildReconcile(_ node: ConfigNode, ctx: ConfigContext) -> ReconcileStage? {
        guard let m = ctx.mapping(node, allowed: reconcileKeys, what: "reconcile") else { return nil }
        var compare: [(String, Comparison)] = []
        if let c = m["compare"] {
            switch c.value {
            case .sequence(let items):
                for i in items { if let s = ctx.string(i, what: "compare") { compare.append((s, .exact)) } }
            case .mapping:
                for (field, _, how) in ctx.orderedPairs(c, what: "reconcile.compare") {
                    if let s = how.scalar {
                        switch s {
                        case "exact": compare.append((field, .exact))
                        case "case_insensitive", "ci": compare.append((field, .caseInsensitive))
                        case "numeric": compare.append((field, .numeric(tolerance: 0)))
                        default:
                            ctx.error(
                                "compare \"\(s)\" is not known; use exact, case_insensitive or {numeric: 0.01}", at: how
                            )
                        }
                    } else if let hm = ctx.mapping(how, allowed: ["numeric"], what: "compare.\(field)") {
                        compare.append((field, .numeric(tolerance: ctx.double(hm["numeric"], what: "numeric") ?? 0)))
                    }
                }
            case .scalar: ctx.error("reconcile.compare must be a list of fields or a mapping field: how", at: c)
            }
        }
        var failOn: [String: Int] = [:]
        let classes = failOnClasses
        if let f = m["fail_on"], let fm = ctx.mapping(f, allowed: classes, what: "reconcile.fail_on") {
            for (k, v) in fm { if let n = ctx.int(v, what: "fail_on.\(k)", range: 0...Int.max) { failOn[k] = n } }
        }
        return ReconcileStage(compare: compare, failOn: failOn)
    }
}
