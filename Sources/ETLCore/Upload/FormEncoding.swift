public import Foundation

/// Helpers for building requests.
public enum FormEncoding {
    /// `application/x-www-form-urlencoded` text of `pairs`.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    /// Percent-escapes a query or form component.
    public static func escape(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// A multipart/form-data body: returns the content type (with boundary) and the bytes.
    /// - Parameter parts: name, optional filename and content type, and the bytes of each part.
    public static func multipart(_ parts: [(name: String, filename: String?, contentType: String?, data: [UInt8])])
        -> (contentType: String, body: [UInt8])
    {
        let boundary = "catalog-etl-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        var body: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let f = part.filename { head += "; filename=\"\(f.replacingOccurrences(of: "\"", with: "_"))\"" }
            head += "\r\n"
            if let t = part.contentType { head += "Content-Type: \(t)\r\n" }
            head += "\r\n"
            body += Array(head.utf8)
            body += part.data
            body += Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", body)
    }
}
