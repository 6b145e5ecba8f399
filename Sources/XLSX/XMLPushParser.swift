internal import CLibXML2

/// libxml2's one-time global set-up, run before the first parser (thread-safe through `let`'s lazy init).
private let libxml2Initialized: Void = { xmlInitParser() }()

/// Receives SAX2 events from ``XMLPushParser``. Subclasses override the events they need and work on
/// the UTF-8 bytes libxml2 hands over (no `String` per event).
class SAXHandler {
    /// The parser context while parsing (for the line number and for stopping).
    final var context: xmlParserCtxtPtr?
    /// The first problem a handler found; parsing stops there.
    final var failure: (code: XLSXError.Code, line: Int, message: String)?
    /// Set when the handler has what it wanted and stopped the parser early (not an error).
    final var finishedEarly = false

    /// An element starts.
    func startElement(_ name: UnsafePointer<UInt8>, _ attributes: SAXAttributes) {}
    /// An element ends.
    func endElement(_ name: UnsafePointer<UInt8>) {}
    /// Character data (text, CDATA, whitespace), possibly in several pieces.
    func characters(_ bytes: UnsafePointer<UInt8>, _ count: Int) {}

    /// The current line in the part.
    final var line: Int {
        guard let context else { return 0 }
        return Int(xmlSAX2GetLineNumber(context))
    }

    /// Records a problem and stops the parser.
    final func fail(_ code: XLSXError.Code, _ message: String) {
        if failure == nil { failure = (code, line, message) }
        if let context { xmlStopParser(context) }
    }

    /// Stops the parser because the handler is done (not an error).
    final func stopEarly() {
        finishedEarly = true
        if let context { xmlStopParser(context) }
    }
}

/// The attributes of a SAX2 start tag: libxml2's array of (localname, prefix, URI, value, end) per attribute.
struct SAXAttributes {
    let count: Int
    let base: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?

    /// The local name of attribute `i` (NUL-terminated).
    @inline(__always) func name(_ i: Int) -> UnsafePointer<UInt8>? { base?[i * 5] }
    /// The namespace prefix of attribute `i`, nil when unprefixed.
    @inline(__always) func prefix(_ i: Int) -> UnsafePointer<UInt8>? { base?[i * 5 + 1] }
    /// The namespace URI of attribute `i`, nil when it has none.
    @inline(__always) func uri(_ i: Int) -> UnsafePointer<UInt8>? { base?[i * 5 + 2] }
    /// The value bytes of attribute `i` (not NUL-terminated).
    @inline(__always) func value(_ i: Int) -> UnsafeBufferPointer<UInt8> {
        guard let base, let start = base[i * 5 + 3], let end = base[i * 5 + 4] else {
            return UnsafeBufferPointer(start: nil, count: 0)
        }
        return UnsafeBufferPointer(start: start, count: end - start)
    }
    /// The value of attribute `i` as a String.
    func string(_ i: Int) -> String { String(decoding: value(i), as: UTF8.self) }
}

/// Whether the NUL-terminated name `p` equals `s`.
@inline(__always) func nameIs(_ p: UnsafePointer<UInt8>, _ s: StaticString) -> Bool {
    let q = s.utf8Start
    let n = s.utf8CodeUnitCount
    var i = 0
    while i < n {
        if p[i] != q[i] { return false }
        i += 1
    }
    return p[n] == 0
}

/// A NUL-terminated name as a String.
func nameString(_ p: UnsafePointer<UInt8>) -> String {
    var n = 0
    while p[n] != 0 { n += 1 }
    return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
}

/// A libxml2 SAX2 push parser over one workbook part, fed chunk by chunk.
///
/// Untrusted input: `XML_PARSE_NONET`, never `XML_PARSE_NOENT`; a DTD (internal or external subset)
/// or an entity declaration anywhere is refused the moment the parser meets it, so entities are
/// never declared and never expanded (billion laughs, XXE). libxml2 prints nothing
/// (`XML_PARSE_NOERROR | XML_PARSE_NOWARNING`); its message and line are read from the context's
/// last error and rethrown as ``XLSXError`` naming the file and the part.
final class XMLPushParser {
    private let ctxt: xmlParserCtxtPtr
    private let handler: SAXHandler
    /// The workbook file (for messages).
    let file: String
    /// The part being parsed (for messages).
    let part: String

    /// Creates a parser that sends events to `handler`.
    /// - Throws: ``XLSXError`` when libxml2 cannot create a context.
    init(handler: SAXHandler, file: String, part: String) throws {
        _ = libxml2Initialized
        self.handler = handler
        self.file = file
        self.part = part
        var sax = xmlSAXHandler()
        sax.initialized = XML_SAX2_MAGIC
        sax.startElementNs = { ctx, localname, _, _, _, _, nAttributes, _, attributes in
            guard let ctx, let localname else { return }
            Unmanaged<SAXHandler>.fromOpaque(ctx)._withUnsafeGuaranteedRef {
                $0.startElement(localname, SAXAttributes(count: Int(nAttributes), base: attributes))
            }
        }
        sax.endElementNs = { ctx, localname, _, _ in
            guard let ctx, let localname else { return }
            Unmanaged<SAXHandler>.fromOpaque(ctx)._withUnsafeGuaranteedRef { $0.endElement(localname) }
        }
        let text: charactersSAXFunc = { ctx, bytes, count in
            guard let ctx, let bytes, count > 0 else { return }
            Unmanaged<SAXHandler>.fromOpaque(ctx)._withUnsafeGuaranteedRef { $0.characters(bytes, Int(count)) }
        }
        sax.characters = text
        sax.ignorableWhitespace = text
        sax.cdataBlock = text
        sax.internalSubset = { ctx, _, _, _ in
            guard let ctx else { return }
            Unmanaged<SAXHandler>.fromOpaque(ctx)._withUnsafeGuaranteedRef {
                $0.fail(
                    .refused,
                    "DTD not allowed; a workbook part never declares a DOCTYPE, so the file is hostile or corrupt")
            }
        }
        sax.externalSubset = { ctx, _, _, _ in
            guard let ctx else { return }
            Unmanaged<SAXHandler>.fromOpaque(ctx)._withUnsafeGuaranteedRef {
                $0.fail(.refused, "DTD not allowed; a workbook part never refers to an external DTD")
            }
        }
        sax.entityDecl = { ctx, _, _, _, _, _ in
            guard let ctx else { return }
            Unmanaged<SAXHandler>.fromOpaque(ctx)._withUnsafeGuaranteedRef {
                $0.fail(.refused, "entity declarations are not allowed; the part is hostile or corrupt")
            }
        }
        sax.serror = { _, _ in }  // nothing printed; the message is read from the context's last error
        let opaque = Unmanaged.passUnretained(handler).toOpaque()
        guard let ctxt = xmlCreatePushParserCtxt(&sax, opaque, nil, 0, part) else {
            throw XLSXError(.unreadable, file: file, part: part, message: "libxml2 could not create a parser")
        }
        let options = XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
        xmlCtxtUseOptions(ctxt, Int32(options))
        self.ctxt = ctxt
        handler.context = ctxt
    }

    deinit {
        handler.context = nil
        xmlFreeParserCtxt(ctxt)
    }

    /// Whether the handler stopped the parse early because it had what it wanted.
    var finishedEarly: Bool { handler.finishedEarly }

    /// Feeds the next chunk of the part.
    /// - Throws: ``XLSXError`` for malformed XML, a refused construct or a handler's failure.
    func push(_ bytes: UnsafeRawBufferPointer) throws {
        if handler.finishedEarly { return }
        var offset = 0
        // xmlParseChunk takes an Int32 size.
        repeat {
            let n = min(bytes.count - offset, 1 << 30)
            let p = bytes.baseAddress.map { ($0 + offset).assumingMemoryBound(to: CChar.self) }
            let rc = xmlParseChunk(ctxt, p, Int32(n), 0)
            try check(rc)
            offset += n
        } while offset < bytes.count && !handler.finishedEarly
    }

    /// Ends the part.
    /// - Throws: ``XLSXError`` for malformed XML (an unclosed element, an empty part).
    func finish() throws {
        if handler.finishedEarly { return }
        let rc = xmlParseChunk(ctxt, nil, 0, 1)
        try check(rc)
    }

    private func check(_ rc: Int32) throws {
        if let f = handler.failure {
            throw XLSXError(f.code, file: file, part: part, line: f.line > 0 ? f.line : nil, message: f.message)
        }
        if handler.finishedEarly { return }
        guard rc != 0 else { return }
        var message = "the part is not well-formed XML"
        var line: Int? = nil
        if let e = xmlCtxtGetLastError(UnsafeMutableRawPointer(ctxt)) {
            if let m = e.pointee.message {
                var s = String(cString: m)
                while let last = s.last, last == "\n" || last == " " { s.removeLast() }
                if !s.isEmpty {
                    // "Opening and ending tag mismatch" reads as a clause; "XML declaration …" keeps its acronym.
                    let second = s.dropFirst().first
                    message = second?.isLowercase == true ? s.prefix(1).lowercased() + s.dropFirst() : s
                }
            }
            if e.pointee.line > 0 { line = Int(e.pointee.line) }
        }
        throw XLSXError(
            .malformedXML, file: file, part: part, line: line,
            message: message + "; the part is not well-formed XML, so re-save the workbook in a spreadsheet program")
    }

    /// Parses a whole entry of `archive` through `handler`.
    /// - Throws: ``XLSXError``.
    static func parse(_ entry: ZipEntry, in archive: ZipArchive, handler: SAXHandler) throws {
        let parser = try XMLPushParser(handler: handler, file: archive.file.path, part: entry.name)
        let stream = try archive.open(entry)
        while let chunk = try stream.next() {
            try parser.push(chunk)
            if parser.finishedEarly { return }
        }
        try parser.finish()
    }
}
