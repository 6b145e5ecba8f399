/// An element of a small workbook part (content types, relationships, workbook, styles) with its
/// attributes as Strings; convenient where speed does not matter.
struct XMLElement {
    /// One attribute.
    struct Attribute {
        /// The local name.
        var name: String
        /// The namespace URI, nil when unqualified.
        var namespace: String?
        /// The value.
        var value: String
    }

    /// The element's local name.
    var name: String
    /// The local names of the enclosing elements, outermost first.
    var path: [String]
    /// The attributes.
    var attributes: [Attribute]

    /// The value of the unqualified attribute `name`.
    subscript(_ name: String) -> String? {
        attributes.first { $0.name == name && $0.namespace == nil }?.value
    }

    /// The value of attribute `name` in a namespace whose URI ends with `suffix`.
    func value(_ name: String, namespaceSuffix suffix: String) -> String? {
        attributes.first { $0.name == name && ($0.namespace?.hasSuffix(suffix) ?? false) }?.value
    }
}

/// SAX events of a small part → one ``XMLElement`` per start tag, passed to a closure.
final class ElementVisitor: SAXHandler {
    private let visit: (XMLElement) -> XLSXError.Code?
    private var path: [String] = []
    private var message: (XMLElement) -> String

    /// Creates a visitor.
    /// - Parameters:
    ///   - visit: called for every start tag; returning a code stops the parse with that failure.
    ///   - message: the failure's message when `visit` returns a code.
    init(
        _ visit: @escaping (XMLElement) -> XLSXError.Code?,
        message: @escaping (XMLElement) -> String = { "unexpected element <\($0.name)>" }
    ) {
        self.visit = visit
        self.message = message
    }

    override func startElement(_ name: UnsafePointer<UInt8>, _ attributes: SAXAttributes) {
        let local = nameString(name)
        var attrs: [XMLElement.Attribute] = []
        attrs.reserveCapacity(attributes.count)
        for i in 0..<attributes.count {
            guard let n = attributes.name(i) else { continue }
            attrs.append(
                XMLElement.Attribute(
                    name: nameString(n), namespace: attributes.uri(i).map(nameString), value: attributes.string(i)))
        }
        let element = XMLElement(name: local, path: path, attributes: attrs)
        path.append(local)
        if path.count > 256 {
            fail(.limitExceeded, "elements nest more than 256 deep; the part is hostile or corrupt")
            return
        }
        if let code = visit(element) { fail(code, message(element)) }
    }

    override func endElement(_ name: UnsafePointer<UInt8>) {
        if !path.isEmpty { path.removeLast() }
    }
}
