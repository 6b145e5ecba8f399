import CPrefetch
import Foundation
public import OrderedJSON

/// Checks normalised records against a target's documented limits and the user's rules.
///
/// Lengths count Unicode code points, as the FastAPI / Pydantic services count them (an emoji flag
/// is two). URLs must be absolute http(s). Keys listed as unique must be unique within the catalog:
/// a repeated key is not judged row by row (the first row would win, and a later fix of the second
/// would overwrite the first's product); every use is collected in ``duplicates``, and the run
/// quarantines every row of such a key once the whole file is read.
public final class RecordValidator {
    struct Check {
        var field: String
        var check: FieldCheck
        var severity: Severity
        var source: String
    }

    /// The checks, addressed in place (reading one out of an array copied its strings and payload).
    private let checks: UnsafeMutableBufferPointer<Check>
    /// The field keys of the latest record layout.
    private var layoutKeys: [String] = []
    /// For that layout, the checks that can fail and where their field is: every check of a field
    /// the record has, and the `required` checks of fields it lacks (nothing else fails on a
    /// missing value).
    private var active: [(check: Int, position: Int?)] = []
    /// For that layout, where each unique field is.
    private var uniquePositions: [Int?] = []
    private var uniqueFields: [String] = []
    /// Per unique field, the keys seen so far.
    private var seen: [UniqueIndex] = []
    /// Per unique field, the current record's key digest (reused storage).
    private var pending: [UniqueIndex.Digest?] = []
    /// The records validated so far; the current record's ordinal (1-based, in reading order).
    public private(set) var ordinal = 0
    /// Every key used by more than one record, with the records that use it.
    public let duplicates = DuplicateKeys()
    /// Whether the record's own key (``NormalisedRecord/key``) is checked as one more unique field.
    private var checksRecordKey = false
    private var regexes: [String: NSRegularExpression] = [:]
    /// The rule sets' checks of a field the client sends as the record's key
    /// (``TargetRuleSet/sentAsKey``): judged on ``NormalisedRecord/key``, the value really sent.
    private var keyChecks: [Check] = []

    /// Creates a validator for a validate stage (nil: only the key's uniqueness is checked).
    /// - Parameter upload: The upload stage, whose `collection` a Sartiq record's `brand_collection`
    ///   must agree with (see ``FieldCheck/collection(_:)``).
    public init(stage: ValidateStage?, keyField: String?, upload: UploadStage? = nil) {
        var checks: [Check] = []
        if let upload, let field = TargetRegistry.definition(upload.target)?.collectionField,
            let c = upload.collection?.trimmingCharacters(in: .whitespaces), !c.isEmpty
        {
            checks.append(Check(field: field, check: .collection(c), severity: .error, source: "upload.collection"))
        }
        for name in stage?.ruleSets ?? [] {
            guard let set = TargetRuleSet.all[name.qualified] else { continue }
            for r in set.rules {
                let check = Check(field: r.field, check: r.check, severity: .error, source: r.source)
                if r.field == set.sentAsKey { keyChecks.append(check) } else { checks.append(check) }
            }
        }
        for r in stage?.rules ?? [] {
            if case .unique = r.check {
                uniqueFields.append(r.field)
                continue
            }
            checks.append(Check(field: r.field, check: r.check, severity: r.severity, source: "pipeline rule"))
        }
        uniqueFields += stage?.unique ?? []
        if uniqueFields.isEmpty, let keyField { uniqueFields = [keyField] }
        var seenNames = Set<String>()
        uniqueFields = uniqueFields.filter { seenNames.insert($0).inserted }
        seen = uniqueFields.map { _ in UniqueIndex() }
        pending = uniqueFields.map { _ in nil }
        self.checks = .allocate(capacity: checks.count)
        _ = self.checks.initialize(from: checks)
        for c in checks + keyChecks {
            if case .pattern(let p) = c.check, regexes[p] == nil {
                regexes[p] = try? NSRegularExpression(pattern: "^(?:\(p))$")
            }
        }
    }

    deinit {
        checks.deinitialize()
        checks.deallocate()
    }

    /// The fields whose values must be unique (the stage's, else the target's key field).
    public var uniqueFieldNames: [String] { checksRecordKey ? Array(uniqueFields.dropLast()) : uniqueFields }

    /// Also checks that each record's own key (the ledger's key) is unique, under `name` (the read
    /// stage's key column): needed where no unique field is sure to repeat exactly when the key does.
    public func checkRecordKey(named name: String) {
        guard !checksRecordKey else { return }
        checksRecordKey = true
        uniqueFields.append(name)
        seen.append(UniqueIndex())
        pending.append(nil)
        uniquePositions.append(nil)
        layoutKeys = []
    }

    /// Validates one record, appending issues.
    /// - Parameters:
    ///   - record: the normalised record.
    ///   - issues: receives problems; fields that already have an issue from normalisation are not checked again.
    public func validate(_ record: NormalisedRecord, issues: inout [RecordIssue]) {
        // A field the normaliser already flagged (unparseable, unmapped) is not judged again.
        let typed = issues.isEmpty ? [] : Set(issues.map(\.field))
        ordinal += 1
        updateLayout(for: record)
        // The unique keys' table slots are most likely not in the cache (the table outgrows it):
        // their loads start now and the rule checks below run while they arrive.
        for u in uniqueFields.indices {
            pending[u] = nil
            let text: String
            if let i = uniquePositions[u] {
                let v = record.fields[i].value
                if v.isEmpty { continue }
                text = v.plainText
            } else if checksRecordKey && u == uniqueFields.count - 1, let key = record.key {
                text = key
            } else {
                continue
            }
            let d = UniqueIndex.digest(of: text)
            seen[u].prefetch(d)
            pending[u] = d
        }
        guard let base = checks.baseAddress else { return }
        for (n, position) in active {
            let c = base + n
            if !typed.isEmpty && typed.contains(c.pointee.field) { continue }
            if let position, Self.surelyPasses(c.pointee.check, record.fields, position) { continue }
            let value = position.map { record.fields[$0].value } ?? .null
            if let message = Self.failure(
                of: c.pointee.check, field: c.pointee.field, value: value, regexes: regexes)
            {
                issues.append(
                    RecordIssue(
                        source: record.source, column: position.flatMap { record.fieldColumns[$0] },
                        field: c.pointee.field, value: value.plainText,
                        rule: c.pointee.check.ruleName, severity: c.pointee.severity, message: message))
            }
        }
        if !keyChecks.isEmpty { validateKey(record, typed: typed, issues: &issues) }
        for u in uniqueFields.indices {
            guard let d = pending[u], let first = seen[u].firstRow(of: d, row: ordinal) else { continue }
            let text = uniquePositions[u].map { record.fields[$0].value.plainText } ?? record.key ?? ""
            duplicates.add(
                field: uniqueFields[u], fieldIndex: u, digest: (d.a, d.b), value: text, firstOrdinal: first,
                ordinal: ordinal, row: record.source.row,
                column: uniquePositions[u].flatMap { record.fieldColumns[$0] },
                isRecordKey: checksRecordKey && u == uniqueFields.count - 1)
        }
    }

    /// Judges the checks of the field sent as the key on the record's key (nil: no value).
    private func validateKey(_ record: NormalisedRecord, typed: Set<String>, issues: inout [RecordIssue]) {
        let value = record.key.map { JSONValue.string($0) } ?? .null
        for c in keyChecks where !typed.contains(c.field) {
            guard let message = Self.failure(of: c.check, field: c.field, value: value, regexes: regexes) else {
                continue
            }
            issues.append(
                RecordIssue(
                    source: record.source, column: record.index(of: c.field).flatMap { record.fieldColumns[$0] },
                    field: c.field, value: value.plainText, rule: c.check.ruleName, severity: c.severity,
                    message: message))
        }
    }

    /// Whether the commonest checks pass, read in place: nearly every value passes them, and
    /// copying each value out for ``failure(of:field:value:regexes:)`` cost a retain and a
    /// release per check (about 20 checks a row for Sartiq). False means "judge it properly".
    @inline(__always)
    private static func surelyPasses(_ check: FieldCheck, _ fields: [JSONField], _ position: Int) -> Bool {
        fields.withUnsafeBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return false }
            let field = base + position
            switch check {
            case .required: return !field.pointee.value.isEmpty
            case .maxLength(let n):
                guard case .string(let s) = field.pointee.value else { return true }
                return s.utf8.count <= n
            case .url:
                guard case .string(let s) = field.pointee.value else { return false }
                return s.isEmpty || isHTTPURL(s)
            case .object:
                if case .object = field.pointee.value { return true }
                return field.pointee.value.isEmpty
            case .urlList:
                switch field.pointee.value {
                case .array(let items):
                    return items.allSatisfy { item in
                        if case .string(let s) = item { return isHTTPURL(s) }
                        return false
                    }
                case .string(let s): return s.isEmpty || isHTTPURL(s)
                case .null: return true
                default: return false
                }
            case .oneOf(let options):
                guard case .string(let s) = field.pointee.value else { return false }
                return s.isEmpty || options.contains(s)
            case .collection(let c):
                guard case .string(let s) = field.pointee.value else { return field.pointee.value.isEmpty }
                return s.isEmpty || s == c
            case .dateTime:
                guard case .string(let s) = field.pointee.value else { return false }
                return s.isEmpty || (s.utf8.count > 10 && DatePattern.parseISO(s) != nil)
            default: return false
            }
        }
    }

    /// Works out, once per record layout, which checks can fail and where the fields are.
    /// Records of one pipeline share their layout (the normaliser's fields in order, sometimes
    /// one more for unmapped columns): a record's keys are compared with the cached ones (the
    /// same `String`s, so each comparison is a pointer check) instead of searching every field
    /// a rule set names, present or not, on every row.
    private func updateLayout(for record: NormalisedRecord) {
        var same = record.fields.count == layoutKeys.count
        if same {
            for i in 0..<layoutKeys.count where record.fields[i].key != layoutKeys[i] {
                same = false
                break
            }
        }
        guard !same else { return }
        layoutKeys = record.fields.map(\.key)
        active = []
        for (n, c) in checks.enumerated() {
            let position = record.index(of: c.field)
            if position != nil {
                active.append((n, position))
            } else if case .required = c.check {
                active.append((n, nil))
            }
        }
        uniquePositions = uniqueFields.enumerated().map { u, name in
            checksRecordKey && u == uniqueFields.count - 1 ? nil : record.index(of: name)
        }
    }

    /// The number of Unicode code points: UTF-8 bytes that are not continuation bytes
    /// (`10xxxxxx`), counted 8 at a time (walking the scalar view decoded each one).
    static func codePoints(_ s: String) -> Int {
        var copy = s
        return copy.withUTF8 { buf in
            guard let base = buf.baseAddress else { return 0 }
            let n = buf.count
            let raw = UnsafeRawPointer(base)
            var continuation = 0
            var i = 0
            while i + 8 <= n {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // High bit set and next-highest clear marks a continuation byte.
                continuation += (x & ~(x << 1) & 0x8080_8080_8080_8080).nonzeroBitCount
                i += 8
            }
            while i < n {
                if base[i] & 0xC0 == 0x80 { continuation += 1 }
                i += 1
            }
            return n - continuation
        }
    }

    /// The keys seen so far for one unique field, kept as 96-bit digests and the number (the
    /// validator passes the record's ordinal) of the record that used each first: 16 bytes a key instead of the key's `String`, so
    /// memory stays small as catalogs grow. Two keys share a digest with a probability of about
    /// n² / 2⁹⁷ (6e-18 for a million keys), far below any disk or memory error rate.
    ///
    /// An open-addressing table of its own: the digest's first half (SipHash with the process's
    /// random seed, so crafted keys cannot pile into one slot) is already the slot number, where a
    /// `Dictionary` hashed the digest a second time. The table lives in its own mapping with
    /// transparent huge pages requested: at a million keys it is 32 MiB, every probe is a cache
    /// miss, and with 4 KiB pages most were a TLB miss and the growth a page fault per 4 KiB.
    final class UniqueIndex {
        private struct Slot {
            var a: UInt64
            /// The digest's other 32 bits; never 0 in a used slot (its low bit is set), so 0 marks a free one.
            var b: UInt32
            var row: Int32
        }
        private var slots: UnsafeMutablePointer<Slot>
        private var capacity: Int
        private var count = 0

        init() {
            capacity = 1 << 12
            slots = Self.map(capacity)
        }

        deinit { Self.unmap(slots, capacity) }

        /// Zeroed slots: an anonymous mapping (fresh pages are zero), huge pages asked for.
        private static func map(_ n: Int) -> UnsafeMutablePointer<Slot> {
            let bytes = n * MemoryLayout<Slot>.stride
            let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
            guard let p, p != MAP_FAILED else {
                // As `Array` and `allocate` do when memory runs out.
                fatalError("out of memory: cannot map \(bytes) bytes for the unique-key index")
            }
            if bytes >= 2 << 20 { _ = madvise(p, bytes, MADV_HUGEPAGE) }
            return p.bindMemory(to: Slot.self, capacity: n)
        }

        private static func unmap(_ p: UnsafeMutablePointer<Slot>, _ n: Int) {
            _ = munmap(UnsafeMutableRawPointer(p), n * MemoryLayout<Slot>.stride)
        }

        /// A second, independent 64-bit hash of the key's UTF-8 (word-wise multiply–xorshift, as in
        /// SplitMix64), so the digest is 96 bits for the price of one SipHash.
        static func mix(_ buf: UnsafeBufferPointer<UInt8>) -> UInt64 {
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(buf.count)
            guard let base = buf.baseAddress else { return h }
            let raw = UnsafeRawPointer(base)
            var i = 0
            while i + 8 <= buf.count {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 31
                i += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < buf.count {
                tail |= UInt64(base[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
            h = h &* 0xBF58_476D_1CE4_E5B9
            return h ^ (h >> 32)
        }

        /// A key's digest: SipHash of its UTF-8, then 32 bits of ``mix(_:)`` (low bit set).
        struct Digest {
            var a: UInt64
            var b: UInt32
        }

        /// The digest of `key`.
        static func digest(of key: String) -> Digest {
            var k = key
            return k.withUTF8 { buf in
                var h = Hasher()
                h.combine(bytes: UnsafeRawBufferPointer(buf))
                return Digest(a: UInt64(bitPattern: Int64(h.finalize())), b: UInt32(truncatingIfNeeded: mix(buf)) | 1)
            }
        }

        /// Starts loading the slot where a probe for `d` begins.
        func prefetch(_ d: Digest) {
            catalog_etl_prefetch(slots + (Int(truncatingIfNeeded: d.a) & (capacity - 1)))
        }

        /// The row that first used the key with digest `d`, or nil (and `row` is remembered as its first use).
        func firstRow(of d: Digest, row: Int) -> Int? {
            if (count + 1) * 4 > capacity * 3 { grow() }
            let mask = capacity - 1
            var i = Int(truncatingIfNeeded: d.a) & mask
            while slots[i].b != 0 {
                if slots[i].a == d.a && slots[i].b == d.b { return Int(slots[i].row) }
                i = (i + 1) & mask
            }
            slots[i] = Slot(a: d.a, b: d.b, row: Int32(clamping: row))
            count += 1
            return nil
        }

        /// The row that first used `key`, or nil (and `row` is remembered as its first use).
        func firstRow(of key: String, row: Int) -> Int? { firstRow(of: Self.digest(of: key), row: row) }

        private func grow() {
            let old = slots
            let oldCapacity = capacity
            capacity *= 2
            slots = Self.map(capacity)
            let mask = capacity - 1
            for k in 0..<oldCapacity where old[k].b != 0 {
                var i = Int(truncatingIfNeeded: old[k].a) & mask
                while slots[i].b != 0 { i = (i + 1) & mask }
                slots[i] = old[k]
            }
            Self.unmap(old, oldCapacity)
        }
    }

    /// Whether `s` has more than `n` code points, without counting when the UTF-8 length settles it.
    @inline(__always) static func longer(_ s: String, than n: Int) -> Bool {
        s.utf8.count > n && codePoints(s) > n
    }

    private static let httpsPrefix: [UInt8] = Array("https://".utf8)

    /// Whether `s` is an absolute http(s) URL with a host and no white space or control characters.
    public static func isHTTPURL(_ s: String) -> Bool {
        var copy = s
        let (ok, nonASCII) = copy.withUTF8 { buf -> (Bool, Bool) in
            let n = buf.count
            guard n > 7, let base = buf.baseAddress else { return (false, false) }
            @inline(__always) func lower(_ b: UInt8) -> UInt8 { b >= 65 && b <= 90 ? b + 32 : b }
            // "http" then an optional "s", then "://".
            for k in 0..<4 where lower(buf[k]) != httpsPrefix[k] { return (false, false) }
            var prefix = 4
            if lower(buf[4]) == UInt8(ascii: "s") { prefix = 5 }
            guard prefix + 3 <= n, buf[prefix] == UInt8(ascii: ":"), buf[prefix + 1] == UInt8(ascii: "/"),
                buf[prefix + 2] == UInt8(ascii: "/")
            else { return (false, false) }
            prefix += 3
            // The host runs to the first "/", "?" or "#" and does not start with ":" or "@".
            var hostEnd = prefix
            while hostEnd < n, buf[hostEnd] != UInt8(ascii: "/"), buf[hostEnd] != UInt8(ascii: "?"),
                buf[hostEnd] != UInt8(ascii: "#")
            {
                hostEnd += 1
            }
            guard hostEnd > prefix, buf[prefix] != UInt8(ascii: ":"), buf[prefix] != UInt8(ascii: "@") else {
                return (false, false)
            }
            // No control character, space or DEL anywhere: eight bytes at a time.
            let raw = UnsafeRawPointer(base)
            var nonASCII = false
            var i = 0
            while i < n {
                if i + 8 <= n {
                    let x = ByteScan.load(raw, i)
                    if !ByteScan.hasLess(x, 0x21) && x & ByteScan.highs == 0
                        && !ByteScan.hasZero(x ^ 0x7F7F_7F7F_7F7F_7F7F)
                    {
                        i += 8
                        continue
                    }
                }
                let b = buf[i]
                if b <= 0x20 || b == 0x7F { return (false, false) }
                if b >= 0x80 { nonASCII = true }
                i += 1
            }
            return (true, nonASCII)
        }
        guard ok else { return false }
        if nonASCII && s.unicodeScalars.contains(where: { $0.properties.isWhitespace }) { return false }
        return true
    }

    /// MediaInput's properties on Sartiq's page (schema MediaInput).
    public static let mediaInputKeys: Set<String> = [
        "url", "media_resource_id", "alt_text", "caption", "color_profile", "dominant_color", "duration", "height",
        "protected", "width",
    ]

    /// Whether `value` is an image as Sartiq's page takes one ("URL, base64 string, or MediaInput"): an
    /// absolute http(s) URL; base64 image data, bare (its first bytes an image format's signature) or
    /// as a `data:image/<type>;base64,` URL; or a MediaInput object (given as an object or as its JSON
    /// text) with only MediaInput's properties and a `url` (either string form above) or a
    /// `media_resource_id`.
    public static func isImageInput(_ value: JSONValue) -> Bool {
        switch value {
        case .string(let s):
            if s.hasPrefix("{") {
                guard let parsed = try? JSONValue.parse(Array(s.utf8)), case .object = parsed else { return false }
                return isImageInput(parsed)
            }
            return isImageString(s)
        case .object(let fields):
            guard !fields.isEmpty, fields.allSatisfy({ mediaInputKeys.contains($0.key) }) else { return false }
            if let url = value["url"], !url.isEmpty {
                guard case .string(let s) = url else { return false }
                return isImageString(s)
            }
            guard case .string(let id)? = value["media_resource_id"] else { return false }
            return !id.trimmingCharacters(in: .whitespaces).isEmpty
        default:
            return false
        }
    }

    /// An http(s) URL, a `data:image/…;base64,` URL or bare base64 image data.
    static func isImageString(_ s: String) -> Bool {
        if isHTTPURL(s) { return true }
        if s.utf8.count > 5, s.prefix(5).lowercased() == "data:" {
            guard let comma = s.firstIndex(of: ","), s[..<comma].lowercased().hasPrefix("data:image/"),
                s[..<comma].lowercased().hasSuffix(";base64")
            else { return false }
            return isBase64(s[s.index(after: comma)...], needsImageSignature: false)
        }
        return isBase64(Substring(s), needsImageSignature: true)
    }

    /// Whether `s` is base64 (the standard alphabet, `=` padding at the end only, a length that is a
    /// multiple of 4); with `needsImageSignature`, its first bytes must also start an image (JPEG,
    /// PNG, GIF, WebP, BMP, TIFF, an ISO-BMFF `ftyp` box as AVIF/HEIC have, or SVG text), so a word
    /// that happens to be valid base64 is not taken for image data.
    static func isBase64(_ s: Substring, needsImageSignature: Bool) -> Bool {
        let u = s.utf8
        guard u.count >= 8, u.count % 4 == 0 else { return false }
        var padding = 0
        for b in u {
            if b == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0 else { return false }
            let ok =
                (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2B
                || b == 0x2F
            if !ok { return false }
        }
        guard padding <= 2 else { return false }
        guard needsImageSignature else { return true }
        guard let head = Data(base64Encoded: String(s.prefix(min(u.count, 64)))) else { return false }
        let b = [UInt8](head)
        func starts(_ p: [UInt8], at i: Int = 0) -> Bool { b.count >= i + p.count && Array(b[i..<(i + p.count)]) == p }
        return starts([0xFF, 0xD8, 0xFF]) || starts([0x89, 0x50, 0x4E, 0x47]) || starts(Array("GIF8".utf8))
            || (starts(Array("RIFF".utf8)) && starts(Array("WEBP".utf8), at: 8)) || starts(Array("BM".utf8))
            || starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) || starts(Array("ftyp".utf8), at: 4)
            || starts(Array("<svg".utf8)) || starts(Array("<?xml".utf8))
    }

    /// Whether `s` is a UUID in its 8-4-4-4-12 hex form.
    public static func isUUID(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count == 36 else { return false }
        for (i, c) in u.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                if c != 45 { return false }
            } else if !((c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102)) {
                return false
            }
        }
        return true
    }

    static func failure(of check: FieldCheck, field: String, value: JSONValue, regexes: [String: NSRegularExpression])
        -> String?
    {
        if case .required = check {
            return value.isEmpty
                ? "\(field) is required and is empty; fill it in the source file or map it from another column" : nil
        }
        if value.isEmpty { return nil }
        // Most checks pass: the plain text of a list or number is only built when a check reads it.
        var text: String {
            if case .string(let str) = value { return str }
            return value.plainText
        }
        var shown: String {
            let t = text
            return t.count > 60 ? String(t.prefix(60)) + "…" : t
        }
        switch check {
        case .required: return nil
        case .maxLength(let n):
            guard case .string(let s) = value, longer(s, than: n) else { return nil }
            return "\(field) has \(codePoints(s)) characters; the API allows at most \(n)"
        case .minLength(let n):
            guard case .string(let s) = value else { return nil }
            let c = codePoints(s)
            return c < n ? "\(field) has \(c) characters; it needs at least \(n)" : nil
        case .pattern(let p):
            guard let re = regexes[p] else { return nil }
            let t = text
            let ok = re.firstMatch(in: t, range: NSRange(location: 0, length: (t as NSString).length)) != nil
            return ok ? nil : "\(field) \"\(shown)\" does not match the pattern \(p)"
        case .oneOf(let options):
            return options.contains(text)
                ? nil
                : "\(field) \"\(shown)\" is not one of \(options.joined(separator: ", ")); add it to the value map"
        case .integer(let lo, let hi), .number(let lo, let hi):
            let isInt: Bool
            if case .integer = check { isInt = true } else { isInt = false }
            let t = text
            guard case .number = value, let n = Double(t) else {
                let parsed = Double(t.trimmingCharacters(in: .whitespaces))
                if let n = parsed, !isInt || n == n.rounded() { return range(n, lo, hi, field: field) }
                return
                    "\(field) \"\(shown)\" is not \(isInt ? "a whole number" : "a number"); map it with as: \(isInt ? "integer" : "number")"
            }
            if isInt && n != n.rounded() { return "\(field) \(t) is not a whole number" }
            return range(n, lo, hi, field: field)
        case .url:
            return isHTTPURL(text) ? nil : "\(field) \"\(shown)\" is not an absolute http(s) URL"
        case .urlList:
            func bad(_ t: String) -> String {
                "\(field) has \"\(t.count > 60 ? String(t.prefix(60)) + "…" : t)\", which is not an absolute http(s) URL"
            }
            guard case .array(let items) = value else {
                let t = text
                return isHTTPURL(t) ? nil : bad(t)
            }
            for item in items {
                let t = item.plainText
                if !isHTTPURL(t) { return bad(t) }
            }
            return nil
        case .image:
            if isImageInput(value) { return nil }
            return
                "\(field) \"\(shown)\" is not an image: an absolute http(s) URL, base64 image data (or a data:image/…;base64, URL) or a MediaInput object with a url or media_resource_id"
        case .imageList:
            // As SartiqClient sends it: a list, or text split at "|".
            let items: [JSONValue]
            switch value {
            case .array(let a): items = a
            case .string(let s):
                items = s.split(separator: "|").map { .string($0.trimmingCharacters(in: .whitespaces)) }
            default: items = [value]
            }
            for item in items where !item.isEmpty && !isImageInput(item) {
                let t = item.plainText
                return
                    "\(field) has \"\(t.count > 60 ? String(t.prefix(60)) + "…" : t)\", which is not an image: an absolute http(s) URL, base64 image data (or a data:image/…;base64, URL) or a MediaInput object with a url or media_resource_id"
            }
            return nil
        case .uuid:
            return isUUID(text) ? nil : "\(field) \"\(shown)\" is not a UUID"
        case .dateTime:
            let t = text
            guard t.utf8.count > 10, DatePattern.parseISO(t) != nil else {
                return
                    "\(field) \"\(shown)\" is not an ISO 8601 date-time (2026-03-01T00:00:00); map it with as: datetime"
            }
            return nil
        case .boolean:
            if case .bool = value { return nil }
            return "\(field) \"\(shown)\" is not true or false; map it with as: boolean"
        case .object:
            if case .object = value { return nil }
            return "\(field) must be an object (key: value pairs)"
        case .maxItems(let n):
            if case .array(let a) = value, a.count > n {
                return "\(field) has \(a.count) items; at most \(n) are allowed"
            }
            return nil
        case .collection(let c):
            guard text != c else { return nil }
            return "\(field) \"\(shown)\" is not the upload stage's collection \"\(c)\": a run lists, adopts and "
                + "reconciles that collection only, so this product would be created outside it and again on every "
                + "run; map \(field) to \"\(c)\" (or leave it empty), or remove collection: from the upload stage "
                + "to send each row to its own"
        case .unique: return nil
        }
    }

    static func range(_ n: Double, _ lo: Double?, _ hi: Double?, field: String) -> String? {
        if let lo, n < lo {
            return "\(field) \(CellValue.canonicalNumber(n)) is below the minimum \(CellValue.canonicalNumber(lo))"
        }
        if let hi, n > hi {
            return "\(field) \(CellValue.canonicalNumber(n)) is above the maximum \(CellValue.canonicalNumber(hi))"
        }
        return nil
    }
}
