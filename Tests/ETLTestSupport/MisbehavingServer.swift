public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A tiny HTTP/1.1 server on loopback that answers as a test tells it: any status, any headers, a body
/// at once or dripped one byte at a time, and records every request. One thread per connection,
/// `Connection: close` on every answer; for the tests of what a client or the run does with scripted,
/// hostile or broken answers (through the real HTTP transport).
public final class MisbehavingServer: @unchecked Sendable {
    /// One request as it arrived.
    public struct Request: Sendable {
        /// The method (`GET`, `POST`, ...).
        public var method: String
        /// The request target (path and query).
        public var path: String
        /// The header fields in order.
        public var headers: [(String, String)]
        /// The body.
        public var body: [UInt8]
        /// The request's head and body as text, as a server that echoes them would.
        public var text: String

        /// The first value of the header `name` (case-insensitive), or nil.
        public func header(_ name: String) -> String? {
            headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
        }

        /// The pairs of a form body (`a=b&c=d`), decoded.
        public var form: [String: String] {
            var out: [String: String] = [:]
            for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1).map {
                    $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                if parts.count == 2 { out[parts[0]] = parts[1] }
            }
            return out
        }
    }

    /// How to answer.
    public struct Reply: Sendable {
        /// The status code.
        public var status: Int
        /// Header fields sent after the `Connection: close` and `Content-Length` the server always sends.
        public var headers: [(String, String)] = []
        /// The body.
        public var body: [UInt8] = []
        /// Send the body one byte every this many seconds (after the head), when set.
        public var drip: Double? = nil

        /// An answer with the given parts.
        public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], drip: Double? = nil) {
            self.status = status
            self.headers = headers
            self.body = body
            self.drip = drip
        }

        /// A JSON answer with `text` as its body.
        public static func json(_ status: Int, _ text: String, headers: [(String, String)] = []) -> Reply {
            Reply(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
        }
    }

    /// The loopback port it listens on.
    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request) -> Reply
    private let lock = NSLock()
    private var stopped = false
    private var log: [Request] = []

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// The requests received so far.
    public var requests: [Request] { lock.withLock { log } }

    /// Starts listening on a free loopback port; `handler` answers each request.
    public init(_ handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting connections.
    public func stop() {
        lock.withLock { stopped = true }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int? = nil
        var contentLength = 0
        while true {
            if let end = headEnd, data.count >= end + contentLength { break }
            let n = recv(connection, &buffer, buffer.count, 0)
            if n <= 0 { return }
            data += buffer[0..<n]
            if headEnd == nil, let range = findHeadEnd(data) {
                headEnd = range
                let head = String(decoding: data[0..<range], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    contentLength = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if data.count > 16 << 20 { return }
        }
        guard let end = headEnd else { return }
        let head = String(decoding: data[0..<end], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let first = lines.first?.split(separator: " ") ?? []
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        let body = Array(data[(end)..<min(data.count, end + contentLength)])
        let request = Request(
            method: first.count > 0 ? String(first[0]) : "", path: first.count > 1 ? String(first[1]) : "",
            headers: headers, body: body, text: head + String(decoding: body, as: UTF8.self))
        lock.withLock { log.append(request) }
        let reply = handler(request)
        var out = "HTTP/1.1 \(reply.status) Status\r\nConnection: close\r\nContent-Length: \(reply.body.count)\r\n"
        for (name, value) in reply.headers { out += "\(name): \(value)\r\n" }
        out += "\r\n"
        guard write(connection, Array(out.utf8)) else { return }
        if let drip = reply.drip {
            for byte in reply.body {
                if lock.withLock({ stopped }) { return }
                guard write(connection, [byte]) else { return }
                Thread.sleep(forTimeInterval: drip)
            }
        } else {
            _ = write(connection, reply.body)
        }
    }

    private func write(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    private func findHeadEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4)
        where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 {
            return i + 4
        }
        return nil
    }
}
