public import OrderedJSON

/// The JSON Schema (draft 2020-12) of a pipeline file, for editors (`# yaml-language-server: $schema=…`)
/// and validators.
///
/// Generated from the key lists ``PipelineLoader`` checks against, so the schema accepts exactly the
/// keys the loader accepts; each key's type and description come from ``descriptions``, and
/// ``undescribedKeys`` names any loader key this table lacks (a test keeps it empty). Every scalar
/// may also be a `${VAR}` reference, which the loader interpolates before it reads the type.
public enum PipelineSchema {
    /// The kind of value a key takes.
    enum Kind {
        /// A string (numbers allowed too: YAML reads `2026` as a number and the loader takes it as text).
        case text
        /// A whole number, or a `${VAR}`.
        case integer
        /// A number, or a `${VAR}`.
        case number
        /// true / false, or a `${VAR}`.
        case boolean
        /// One of these values, or a `${VAR}`.
        case oneOf([String])
        /// A string or a list of strings.
        case textOrList
        /// A list of strings.
        case list
        /// A schema written out.
        case custom(JSONValue)
    }

    /// One key: its kind and its description (from the README).
    struct Key {
        var kind: Kind
        var description: String
        init(_ kind: Kind, _ description: String) {
            self.kind = kind
            self.description = description
        }
    }

    /// The mappings of a pipeline file, each with the loader's key list.
    static var mappings: [(context: String, keys: [String])] {
        [
            ("pipeline", PipelineLoader.topKeys), ("stages", PipelineLoader.stageKinds),
            ("read", PipelineLoader.readKeys), ("normalise", PipelineLoader.normaliseKeys),
            ("defaults", PipelineLoader.defaultsKeys), ("field", PipelineLoader.fieldKeys),
            ("replace", PipelineLoader.replaceKeys), ("lookup", PipelineLoader.lookupKeys),
            ("validate", PipelineLoader.validateKeys), ("rule", PipelineLoader.ruleKeys),
            ("upload", PipelineLoader.uploadKeys), ("export", PipelineLoader.exportKeys),
            ("reconcile", PipelineLoader.reconcileKeys), ("fail_on", PipelineLoader.failOnClasses),
            ("filter", PipelineLoader.filterKeys), ("group", PipelineLoader.groupKeys),
            ("variants", PipelineLoader.variantsKeys), ("explode", PipelineLoader.explodeKeys),
            ("condition", PipelineLoader.conditionKeys), ("when", PipelineLoader.whenKeys),
        ]
    }

    /// Loader keys with no entry in ``descriptions`` (`context.key`): the schema lets them through
    /// untyped; `PipelineSchemaTests` fails while this is not empty.
    public static var undescribedKeys: [String] {
        mappings.flatMap { m in m.keys.filter { descriptions[m.context]?[$0] == nil }.map { "\(m.context).\($0)" } }
    }

    /// Entries of ``descriptions`` the loader no longer accepts (`context.key`).
    public static var staleDescriptions: [String] {
        var out: [String] = []
        for m in mappings {
            for k in (descriptions[m.context] ?? [:]).keys.sorted() where !m.keys.contains(k) {
                out.append("\(m.context).\(k)")
            }
        }
        return out
    }

    // MARK: building

    static func s(_ v: String) -> JSONValue { .string(v) }
    static func o(_ fields: [(String, JSONValue)]) -> JSONValue { .object(fields.map { JSONField($0.0, $0.1) }) }
    static let env: JSONValue = o([
        ("type", s("string")), ("pattern", s("\\$\\{")),
        ("description", s("an environment variable: ${VAR}, ${VAR:-default} or ${VAR:?message}")),
    ])
    static func ref(_ name: String) -> JSONValue { .object([JSONField("$ref", s("#/$defs/\(name)"))]) }
    static func anyOfEnv(_ v: JSONValue) -> JSONValue {
        o([("anyOf", .array([v, .object([JSONField("$ref", s("#/$defs/env"))])]))])
    }

    static func schema(of kind: Kind) -> JSONValue {
        switch kind {
        case .text: return o([("type", .array([s("string"), s("number")]))])
        case .integer: return anyOfEnv(o([("type", s("integer"))]))
        case .number: return anyOfEnv(o([("type", s("number"))]))
        case .boolean: return anyOfEnv(o([("type", s("boolean"))]))
        case .oneOf(let values): return anyOfEnv(o([("enum", .array(values.map(s)))]))
        case .textOrList:
            return o([
                ("anyOf", .array([schema(of: .text), o([("type", s("array")), ("items", schema(of: .text))])]))
            ])
        case .list: return o([("type", s("array")), ("items", schema(of: .text))])
        case .custom(let v): return v
        }
    }

    /// The schema of one key, with its description; `{}` for a key the table does not describe.
    static func property(_ context: String, _ key: String) -> JSONValue {
        guard let k = descriptions[context]?[key] else { return .object([]) }
        guard case .object(var fields) = schema(of: k.kind) else { return schema(of: k.kind) }
        fields.insert(JSONField("description", s(k.description)), at: 0)
        return .object(fields)
    }

    /// A closed object over a context's keys (`additionalProperties: false`, so a misspelled key fails).
    static func closed(_ context: String, description: String? = nil) -> JSONValue {
        let keys = mappings.first { $0.context == context }?.keys ?? []
        var f: [(String, JSONValue)] = []
        if let description { f.append(("description", s(description))) }
        f.append(("type", s("object")))
        f.append(("properties", o(keys.map { ($0, property(context, $0)) })))
        f.append(("additionalProperties", .bool(false)))
        return o(f)
    }

    /// The schema document.
    public static var document: JSONValue {
        var stageItems: [(String, JSONValue)] = []
        for kind in PipelineLoader.stageKinds {
            let known = [
                "read", "filter", "group", "explode", "normalise", "validate", "upload", "export", "reconcile",
            ].contains(kind)
            // A stage kind the table does not know yet is let through as any object (see undescribedKeys).
            let body: JSONValue = known ? ref(kind) : o([("type", s("object"))])
            if let d = descriptions["stages"]?[kind]?.description {
                stageItems.append((kind, o([("description", s(d)), ("allOf", .array([body]))])))
            } else {
                stageItems.append((kind, body))
            }
        }
        let stageItem = o([
            ("type", s("object")), ("minProperties", .number("1")), ("maxProperties", .number("1")),
            ("properties", o(stageItems)), ("additionalProperties", .bool(false)),
        ])
        let stages = o([
            ("description", s(descriptions["pipeline"]?["stages"]?.description ?? "")),
            ("type", s("array")), ("minItems", .number("1")), ("items", stageItem),
        ])
        var top: [(String, JSONValue)] = []
        for key in PipelineLoader.topKeys { top.append((key, key == "stages" ? stages : property("pipeline", key))) }
        let field = o([
            (
                "description",
                s("A target field: a column name, or a mapping with transforms (applied in the order listed).")
            ),
            ("anyOf", .array([schema(of: .text), closed("field")])),
        ])
        let defs: [(String, JSONValue)] = [
            ("env", env), ("read", closed("read")), ("normalise", closed("normalise")), ("field", field),
            ("validate", closed("validate")), ("upload", closed("upload")), ("export", closed("export")),
            ("reconcile", closed("reconcile")), ("defaults", closed("defaults")), ("replace", closed("replace")),
            ("lookup", closed("lookup")), ("rule", closed("rule")), ("fail_on", closed("fail_on")),
            ("filter", closed("filter")), ("group", closed("group")), ("variants", closed("variants")),
            ("explode", o([("anyOf", .array([schema(of: .text), closed("explode")]))])),
            ("condition", closed("condition")), ("when", closed("when")),
        ]
        return o([
            ("$schema", s("https://json-schema.org/draft/2020-12/schema")),
            ("$id", s("https://catalog-etl.invalid/pipeline.schema.json")),
            ("title", s("catalog-etl pipeline")),
            (
                "description",
                s(
                    "A catalog-etl pipeline file: a name and its stages, run top to bottom (catalog-etl schema prints this)."
                )
            ),
            ("type", s("object")),
            ("required", .array([s("name"), s("stages")])),
            ("properties", o(top)),
            ("additionalProperties", .bool(false)),
            ("$defs", o(defs)),
        ])
    }

    /// The schema as indented JSON text.
    public static var text: String { document.prettyText }

    // MARK: the descriptions (from the README)

    static var ruleSetNames: [String] {
        TargetService.allCases.map(\.rawValue) + TargetContract.allRuleSets.map(\.qualifiedName)
    }

    static let minMax: JSONValue = o([
        (
            "anyOf",
            .array([
                schema(of: .boolean),
                o([
                    ("type", s("object")),
                    ("properties", o([("min", schema(of: .number)), ("max", schema(of: .number))])),
                    ("additionalProperties", .bool(false)),
                ]),
            ])
        )
    ])

    /// Type and description of every key, by the mapping it appears in.
    static let descriptions: [String: [String: Key]] = [
        "pipeline": [
            "name": Key(.text, "The pipeline's name; run artefacts go to output/<name>/. Letters, digits, - and _."),
            "description": Key(.text, "Free text for people."),
            "stages": Key(
                .text,
                "The stages, run top to bottom: read, then filter, group and explode as needed, normalise, validate, upload, export, reconcile (each at most once, in that order)."
            ),
        ],
        "stages": [
            "read": Key(.text, "Which file to read and how (CSV, TSV, JSON, JSON Lines, XLSX)."),
            "filter": Key(
                .text, "Keeps only the rows where every condition holds; the others are counted as rows_filtered."),
            "group": Key(.text, "Makes one record of the rows with equal by values (a Shopify Handle's rows)."),
            "explode": Key(.text, "Makes one record per item of a column (S|M|L), or per variant row after group."),
            "normalise": Key(.text, "Maps target fields to source columns, with transforms."),
            "validate": Key(.text, "Checks every row against the target's documented limits and your rules."),
            "upload": Key(.text, "Sends the valid rows to the target service in rate-limited, resumable batches."),
            "export": Key(.text, "Fetches back what the service holds."),
            "reconcile": Key(.text, "Compares what the service holds with the source, field by field."),
        ],
        "read": [
            "path": Key(
                .text, "The input file (.csv .tsv .json .jsonl .xlsx), resolved against the pipeline file's folder."),
            "sheet": Key(.text, "XLSX: the sheet to read, by name (default: the first visible sheet)."),
            "sheet_index": Key(.integer, "XLSX: the sheet to read, by 1-based position."),
            "header_row": Key(
                .integer, "The row holding the headers (default 1); 0 = no header (keys are column letters)."),
            "delimiter": Key(
                .oneOf([",", ";", "|", "\t", "\\t", "tab"]), "CSV delimiter; default: detected among , ; tab |."),
            "encoding": Key(
                .oneOf([
                    "auto", "utf-8", "utf8", "windows-1252", "cp1252", "latin1", "latin-1", "iso-8859-1", "utf-16",
                    "utf16", "utf-16le", "utf-16be",
                ]),
                "Text encoding of CSV/JSON (default auto: UTF-8 or UTF-16 with BOM; other bytes are an error unless set here)."
            ),
            "records_path": Key(.text, "JSON: the dotted path of the array of records (data.items)."),
            "duplicate_headers": Key(
                .oneOf(["error", "rename"]),
                "Empty or duplicate headers: error (default), or rename them (Colour, Colour_2) with a warning."),
            "ragged_rows": Key(
                .oneOf(["error", "pad"]),
                "Rows with more or fewer cells than the header: error (default), or pad them with a warning."),
            "key": Key(
                .text, "The source column that identifies a product across runs and systems (unique, non-empty)."),
            "format": Key(
                .oneOf(InputFormat.allCases.map(\.rawValue)),
                "The input format, when the file name's extension does not say it."),
        ],
        "normalise": [
            "fields": Key(
                .custom(
                    o([
                        ("type", s("object")),
                        ("additionalProperties", .object([JSONField("$ref", s("#/$defs/field"))])),
                    ])), "Target field: source column (or a mapping with transforms), in order."),
            "unmapped": Key(
                .text,
                "Where columns no field reads go: keep (as top-level fields), drop, or a field name such as brand_metadata."
            ),
            "defaults": Key(
                .custom(ref("defaults")),
                "Cleaning defaults for every field (trim, collapse_whitespace, nfc; all true)."),
        ],
        "defaults": [
            "trim": Key(.boolean, "Trim leading and trailing white space (default true)."),
            "collapse_whitespace": Key(.boolean, "Collapse runs of inner white space to one space (default true)."),
            "nfc": Key(.boolean, "Unicode NFC normalisation (default true)."),
        ],
        "field": [
            "from": Key(
                .textOrList,
                "The source column, or a list of synonyms; headers match exactly, then ignoring case and spaces."),
            "synonyms": Key(.textOrList, "More header names to try after from."),
            "value": Key(.text, "A constant value instead of a column."),
            "template": Key(.text, "A template such as \"{Brand} {Style Name}\"."),
            "default": Key(.text, "The value used when the result is empty (counted in the report)."),
            "trim": Key(.boolean, "Trim leading and trailing white space."),
            "collapse_whitespace": Key(.boolean, "Collapse runs of inner white space to one space."),
            "nfc": Key(.boolean, "Unicode NFC normalisation."),
            "case": Key(.oneOf(LetterCase.allCases.map(\.rawValue)), "Change the letter case: upper, lower or title."),
            "extract": Key(.text, "A regular expression; the first capture group (or the whole match) is kept."),
            "replace": Key(
                .custom(
                    o([
                        ("anyOf", .array([ref("replace"), o([("type", s("array")), ("items", ref("replace"))])]))
                    ])), "Regex replacements, in order: [{pattern, with}]."),
            "map": Key(
                .custom(
                    o([
                        ("type", s("object")),
                        ("additionalProperties", o([("type", .array([s("string"), s("number"), s("boolean")]))])),
                    ])), "A value map (source text: target text), matched exactly, then case-insensitively."),
            "on_unmapped": Key(
                .oneOf(UnmappedPolicy.allCases.map(\.rawValue)),
                "What a value the map does not list does: keep, null, or error (the row is quarantined)."),
            "lookup": Key(.custom(ref("lookup")), "A lookup in a CSV mapping table: {file, key, value, on_missing}."),
            "split": Key(.text, "Split into a list on this separator (\"|\")."),
            "item": Key(.integer, "After split, keep only this 1-based item."),
            "join": Key(.text, "Join a list with this separator."),
            "as": Key(
                .oneOf(FieldType.allCases.map(\.rawValue)),
                "The type the value becomes: string, integer, number, boolean, date, datetime, list, price."),
            "decimal_comma": Key(.boolean, "Accept a decimal comma (49,90) in numbers."),
            "date_format": Key(.textOrList, "Date patterns (dd/MM/yyyy), tried after Excel dates and ISO 8601."),
            "date_formats": Key(.textOrList, "More date patterns."),
            "html": Key(
                .oneOf(["text", "keep"]),
                "text: strip tags and decode entities (block elements become line breaks); keep: leave as is."),
            "coalesce": Key(.textOrList, "Columns tried in order: the first non-empty one is the value."),
            "when": Key(
                .custom(o([("type", s("array")), ("items", ref("when"))])),
                "Rules tried in order: [{if: {column, equals|matches|in|empty}, then: value or template}]."),
            "else": Key(.text, "The value (or template) when no when rule holds."),
            "truncate": Key(
                .text, "N, or max (the target's documented length): cut on a word boundary, each cut a warning."),
            "currency": Key(
                .text, "With as: price, the field that receives the currency of a price such as 1.299,00 EUR."),
            "explode": Key(.text, "A separator: one record per item of this field's column (instead of the stage)."),
        ],
        "filter": [
            "where": Key(
                .custom(
                    o([("anyOf", .array([ref("condition"), o([("type", s("array")), ("items", ref("condition"))])]))])),
                "A condition, or a list of them that must all hold, for the rows to keep.")
        ],
        "condition": [
            "column": Key(.text, "The source column tested."),
            "equals": Key(.text, "The value equals this text."),
            "matches": Key(.text, "The whole value matches this regular expression."),
            "in": Key(.list, "The value is one of these."),
            "empty": Key(.boolean, "true: the value is empty; false: it is not."),
            "not": Key(.boolean, "Negates the test."),
        ],
        "when": [
            "if": Key(.custom(ref("condition")), "The condition."),
            "then": Key(.text, "The value (or a template such as \"{Vendor} {Title}\") when it holds."),
            "else": Key(.text, "The value when no rule holds (may also be written beside when:)."),
        ],
        "group": [
            "by": Key(.textOrList, "The column (or columns) whose equal values make one record."),
            "collect": Key(.textOrList, "Columns that become the list of their non-empty values, in row order."),
            "variants": Key(.custom(ref("variants")), "A list of objects, one per row that has any of its fields."),
        ],
        "variants": [
            "into": Key(.text, "The name of the list (default variants)."),
            "fields": Key(
                .custom(o([("type", s("object")), ("additionalProperties", schema(of: .text))])),
                "Variant key: source column ({size: Option1 Value, sku: Variant SKU})."),
        ],
        "explode": [
            "column": Key(.text, "The column whose items become records (variants after a group)."),
            "separator": Key(.text, "The separator between items (default |)."),
        ],
        "replace": [
            "pattern": Key(.text, "A regular expression."),
            "with": Key(.text, "The replacement ($1 for a group)."),
        ],
        "lookup": [
            "file": Key(.text, "The CSV mapping table, resolved against the pipeline file's folder."),
            "key": Key(.text, "Its column holding the source values."),
            "value": Key(.text, "Its column holding the target values."),
            "on_missing": Key(
                .oneOf(UnmappedPolicy.allCases.map(\.rawValue)),
                "What a value the table does not list does: keep, null or error."),
        ],
        "validate": [
            "against": Key(
                .custom(
                    o([
                        (
                            "anyOf",
                            .array([
                                schema(of: .oneOf(ruleSetNames)),
                                o([("type", s("array")), ("items", schema(of: .oneOf(ruleSetNames)))]),
                            ])
                        )
                    ])), "The target's documented rule set (catalog-etl targets lists them)."),
            "unique": Key(.list, "Fields whose values must be unique across the catalog."),
            "rules": Key(
                .custom(o([("type", s("array")), ("items", ref("rule"))])),
                "Your own rules on top of the target's limits."),
            "on_error": Key(
                .oneOf(ErrorPolicy.allCases.map(\.rawValue)),
                "quarantine (default: the row goes to quarantine.csv, the others go on) or fail (stop the run)."),
            "max_quarantined": Key(.integer, "The most quarantined rows a run may have and still exit 0 (default 0)."),
        ],
        "rule": [
            "field": Key(.text, "The field the rule checks."),
            "required": Key(.boolean, "Not empty."),
            "min_length": Key(.integer, "At least this many code points."),
            "max_length": Key(.integer, "At most this many code points."),
            "pattern": Key(.text, "The whole value matches this regular expression."),
            "one_of": Key(.list, "One of these values."),
            "integer": Key(.custom(minMax), "A whole number (true, or {min, max})."),
            "number": Key(.custom(minMax), "A number (true, or {min, max})."),
            "min": Key(.number, "The smallest number allowed."),
            "max": Key(.number, "The largest number allowed."),
            "url": Key(.boolean, "An absolute http(s) URL."),
            "uuid": Key(.boolean, "A UUID."),
            "date_time": Key(.boolean, "An RFC 3339 date-time."),
            "boolean": Key(.boolean, "true or false."),
            "unique": Key(.boolean, "Unique across the catalog."),
            "severity": Key(
                .oneOf(Severity.allCases.map(\.rawValue)), "error (the row is quarantined, default) or warning."),
        ],
        "upload": [
            "target": Key(
                .oneOf(TargetService.allCases.map(\.rawValue)),
                "The service: \(TargetService.namesInProse)."),
            "endpoint": Key(
                .text,
                "sandbox (the built-in stand-in) or the service's origin URL (https; plain http only to loopback)."),
            "token": Key(.text, "A bearer token: write ${NAME}; secrets only come from the environment."),
            "username": Key(.text, "The login name (Sartiq, Pixyle)."),
            "password": Key(.text, "The password: write ${NAME}; secrets only come from the environment."),
            "api_key": Key(.text, "The API key (Wickson): write ${NAME}."),
            "namespace": Key(.text, "Mixpeek's X-Namespace."),
            "key": Key(.text, "Scenario's API key: write ${NAME}."),
            "secret": Key(.text, "Scenario's API secret: write ${NAME}."),
            "collection": Key(
                .text,
                "The seasonal collection (Pixyle collection, Sartiq brand_collection, Mixpeek bucket, Wickson collection, Scenario collection)."
            ),
            "batch_size": Key(.integer, "Records per request where the service takes batches."),
            "rate": Key(.text, "Requests per rate: 5/s, 60/min or 1000/h (default: the documented limit)."),
            "concurrency": Key(.integer, "Requests in flight at once (1-64)."),
            "max_attempts": Key(.integer, "Attempts per request before an item fails."),
            "timeout": Key(.text, "The whole-request deadline (default 60s), reading the answer included."),
            "max_wait": Key(
                .text, "The longest Retry-After the run waits (default 10m); a longer one stops with exit 4."),
            "project_id": Key(.text, "Scenario's project id."),
            "bucket": Key(.text, "Mixpeek's bucket (same as collection)."),
            "sandbox": Key(
                .custom(
                    o([
                        ("type", s("object")),
                        (
                            "properties",
                            o([
                                (
                                    "settings",
                                    o([
                                        (
                                            "description",
                                            s(
                                                "Setting name (as catalog-etl sandbox --setting takes it) → value; catalog-etl check lists the names when one is unknown."
                                            )
                                        ),
                                        ("type", s("object")), ("additionalProperties", schema(of: .text)),
                                    ])
                                )
                            ])
                        ),
                        ("additionalProperties", .bool(false)),
                    ])),
                "For endpoint: sandbox only: settings of the built-in stand-in, e.g. settings: { pixyleUploadsPerSecond: 20 }."
            ),
        ],
        "export": [
            "format": Key(
                .oneOf(["xlsx", "csv", "json"]), "The export format where the service offers several (Pixyle)."),
            "wait": Key(.text, "How long to wait for the service's processing (10m)."),
        ],
        "reconcile": [
            "compare": Key(
                .custom(
                    o([
                        (
                            "anyOf",
                            .array([
                                schema(of: .list),
                                o([
                                    ("type", s("object")),
                                    (
                                        "additionalProperties",
                                        o([
                                            (
                                                "anyOf",
                                                .array([
                                                    o([
                                                        (
                                                            "enum",
                                                            .array(
                                                                ["exact", "case_insensitive", "ci", "numeric"].map(s))
                                                        )
                                                    ]),
                                                    o([
                                                        ("type", s("object")),
                                                        ("properties", o([("numeric", schema(of: .number))])),
                                                        ("additionalProperties", .bool(false)),
                                                    ]),
                                                ])
                                            )
                                        ])
                                    ),
                                ]),
                            ])
                        )
                    ])), "Fields to compare: a list (exact), or field: exact | case_insensitive | {numeric: tolerance}."
            ),
            "fail_on": Key(.custom(ref("fail_on")), "Class: the most rows allowed in it before the command exits 1."),
        ],
        "fail_on": Dictionary(
            uniqueKeysWithValues: PipelineLoader.failOnClasses.map {
                ($0, Key(.integer, "The most \($0) rows allowed."))
            }),
    ]
}
