import Foundation

/// One part of a `multipart/form-data` body.
struct MultipartPart: Sendable {
    var name: String
    var filename: String?
    var contentType: String?
    var data: [UInt8]

    var text: String { String(decoding: data, as: UTF8.self) }
}

/// A small `multipart/form-data` parser (RFC 7578), enough for file uploads with form fields.
enum Multipart {
    /// The boundary of a `multipart/form-data` content type, or nil.
    static func boundary(contentType: String?) -> String? {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for param in contentType.split(separator: ";").dropFirst() {
            let kv = param.trimmingCharacters(in: .whitespaces)
            if kv.lowercased().hasPrefix("boundary=") {
                var value = String(kv.dropFirst("boundary=".count))
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                    value = String(value.dropFirst().dropLast())
                }
                return value.isEmpty ? nil : value
            }
        }
        return nil
    }

    /// Splits `body` into parts, or returns nil when it is not well-formed.
    static func parse(_ body: [UInt8], boundary: String) -> [MultipartPart]? {
        let delimiter = Array(("--" + boundary).utf8)
        var parts: [MultipartPart] = []
        guard var start = find(delimiter, in: body, from: 0) else { return nil }
        start += delimiter.count
        while true {
            // After a delimiter: "--" ends the body, otherwise CRLF then headers.
            if start + 1 < body.count, body[start] == UInt8(ascii: "-"), body[start + 1] == UInt8(ascii: "-") {
                return parts
            }
            guard start + 1 < body.count, body[start] == 13, body[start + 1] == 10 else { return nil }
            let headerStart = start + 2
            guard let headerEnd = find([13, 10, 13, 10], in: body, from: headerStart) else { return nil }
            let headerText = String(decoding: body[headerStart..<headerEnd], as: UTF8.self)
            let dataStart = headerEnd + 4
            guard let next = find([13, 10] + delimiter, in: body, from: dataStart) else { return nil }
            var part = MultipartPart(name: "", filename: nil, contentType: nil, data: Array(body[dataStart..<next]))
            for line in headerText.split(separator: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    part.name = parameter("name", in: String(line)) ?? ""
                    part.filename = parameter("filename", in: String(line))
                } else if lower.hasPrefix("content-type:") {
                    part.contentType = line.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces)
                }
            }
            parts.append(part)
            start = next + 2 + delimiter.count
        }
    }

    private static func parameter(_ name: String, in line: String) -> String? {
        for piece in line.split(separator: ";").dropFirst() {
            let kv = piece.trimmingCharacters(in: .whitespaces)
            guard let eq = kv.firstIndex(of: "=") else { continue }
            if kv[..<eq].lowercased() == name {
                var value = String(kv[kv.index(after: eq)...])
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                    value = String(value.dropFirst().dropLast())
                }
                return value
            }
        }
        return nil
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        let first = needle[0]
        var i = from
        let last = haystack.count - needle.count
        while i <= last {
            if haystack[i] == first {
                var j = 1
                while j < needle.count && haystack[i + j] == needle[j] { j += 1 }
                if j == needle.count { return i }
            }
            i += 1
        }
        return nil
    }
}
