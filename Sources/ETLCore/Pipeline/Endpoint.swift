import Foundation

/// A service endpoint (`https://api.sartiq.com`, `http://127.0.0.1:8089/sartiq`) taken apart by hand:
/// scheme, host and port, and whether plain http may go to it.
///
/// Loopback is decided on the parsed host, never on a prefix of the text: `localhost`, an IPv4
/// literal of four decimal parts in 127.0.0.0/8, or `::1` (written `[::1]` in a URL). So
/// `http://127.attacker.example/` is a remote host, and plain http to it is refused.
public struct Endpoint: Sendable, Equatable {
    /// The scheme, lower case (`https`, `http`).
    public var scheme: String
    /// The host as written, without the brackets of an IPv6 literal.
    public var host: String
    /// The port, when the URL gives one (1–65535).
    public var port: Int?

    /// Whether the host is this machine: `localhost`, 127.0.0.0/8 or `::1`.
    public var isLoopback: Bool { Self.isLoopbackHost(host) }

    /// Parses an endpoint URL.
    /// - Returns: the endpoint, or a sentence saying what is wrong with the text.
    public static func parse(_ text: String) -> Result<Endpoint, EndpointProblem> {
        guard let schemeEnd = text.range(of: "://") else {
            return .failure(.init("is not a URL; write sandbox or the service origin, e.g. https://api.sartiq.com"))
        }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            return .failure(.init("uses the scheme \"\(scheme)\"; only https (and plain http to loopback) is allowed"))
        }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        if authority.contains("@") {
            return .failure(
                .init("holds credentials before its host; put them in username/password (from the environment)"))
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                return .failure(.init("has an IPv6 host without its closing \"]\""))
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return .failure(.init("has text after its IPv6 host")) }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty else { return .failure(.init("has no host")) }
        var port: Int? = nil
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                let n = Int(portText), (1...65535).contains(n)
            else {
                return .failure(.init("has the port \"\(portText)\"; a port is a number from 1 to 65535"))
            }
            port = n
        }
        return .success(Endpoint(scheme: scheme, host: String(host), port: port))
    }

    /// Whether `host` (without brackets) is `localhost`, an IPv4 literal in 127.0.0.0/8 or `::1`.
    public static func isLoopbackHost(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h == "::1" || h == "[::1]" { return true }
        let parts = h.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        var values: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(p), v <= 255
            else { return false }
            values.append(v)
        }
        return values[0] == 127
    }
}

/// Why an endpoint URL cannot be used, as the end of a sentence that starts with the endpoint.
public struct EndpointProblem: Error, Sendable, Equatable {
    /// `is not a URL; …`, `has the port "70000"; …`.
    public var message: String

    init(_ message: String) { self.message = message }
}
