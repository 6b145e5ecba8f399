/// One `<Relationship>` of an OPC `.rels` part, its target resolved to an archive entry name.
struct PackageRelationship: Sendable, Hashable {
    /// `Id` (`rId1`).
    var id: String
    /// `Type` (a URI ending in `/officeDocument`, `/worksheet`, `/sharedStrings`, `/styles`, …).
    var type: String
    /// The resolved part name without its leading `/` (`xl/worksheets/sheet1.xml`); nil for external targets.
    var part: String?

    /// Whether the type URI ends with `/name` (transitional and strict OOXML differ only in the prefix).
    func isType(_ name: String) -> Bool { type.hasSuffix("/" + name) }
}

/// Reads OPC relationships and resolves their targets (ECMA-376 Part 2): relative targets against the
/// source part's folder, absolute ones (`/xl/…`) from the package root, `.` and `..` segments and
/// percent-escapes resolved. Paths are never guessed.
enum PackageRelationships {
    /// The `.rels` part that holds the relationships of `source` (`xl/workbook.xml` → `xl/_rels/workbook.xml.rels`;
    /// the package itself, `""` → `_rels/.rels`).
    static func relsPart(for source: String) -> String {
        guard let slash = source.lastIndex(of: "/") else { return "_rels/" + source + ".rels" }
        let dir = source[..<slash]
        let name = source[source.index(after: slash)...]
        return dir + "/_rels/" + name + ".rels"
    }

    /// Reads the relationships of `source` from `archive`.
    /// - Returns: nil when the `.rels` part does not exist.
    /// - Throws: ``XLSXError`` when it exists but cannot be read.
    static func read(for source: String, in archive: ZipArchive) throws -> [PackageRelationship]? {
        guard let entry = archive.entry(named: relsPart(for: source)) else { return nil }
        var out: [PackageRelationship] = []
        let visitor = ElementVisitor { e in
            guard e.name == "Relationship", let id = e["Id"], let type = e["Type"] else { return nil }
            let external = e["TargetMode"]?.lowercased() == "external"
            let target = e["Target"] ?? ""
            out.append(
                PackageRelationship(id: id, type: type, part: external ? nil : resolve(target, from: source)))
            return nil
        }
        try XMLPushParser.parse(entry, in: archive, handler: visitor)
        return out
    }

    /// Resolves `target` against the folder of `source`, giving an archive entry name (no leading `/`),
    /// or nil when it climbs above the package root or is a URI with a scheme.
    static func resolve(_ target: String, from source: String) -> String? {
        var t = percentDecoded(target)
        if let hash = t.firstIndex(of: "#") { t = String(t[..<hash]) }
        if t.contains("://") { return nil }
        var segments: [Substring]
        if t.hasPrefix("/") {
            segments = []
        } else {
            segments = source.split(separator: "/", omittingEmptySubsequences: true)
            if !segments.isEmpty { segments.removeLast() }
        }
        for s in t.split(separator: "/", omittingEmptySubsequences: true) {
            switch s {
            case ".": continue
            case "..":
                if segments.isEmpty { return nil }
                segments.removeLast()
            default: segments.append(s)
            }
        }
        return segments.isEmpty ? nil : segments.joined(separator: "/")
    }

    private static func percentDecoded(_ s: String) -> String {
        guard s.contains("%") else { return s }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x37
            case 0x61...0x66: return c - 0x57
            default: return nil
            }
        }
        while i < b.count {
            if b[i] == 0x25, i + 2 < b.count, let h = hex(b[i + 1]), let l = hex(b[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
