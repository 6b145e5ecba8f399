#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A buffered byte sink over a file or standard output, written with `write(2)` in 256 KiB chunks.
///
/// Writers append bytes to ``buffer`` and call ``flushIfNeeded()``; `close()` flushes the rest.
public final class OutputSink {
    /// The path as given (`-` means standard output).
    public let path: String
    /// Bytes not yet written.
    public var buffer: [UInt8] = []
    private let fd: Int32
    private let ownsFD: Bool
    private static let chunk = 256 * 1024

    /// Opens (creating or truncating) `path`, or standard output for `-`.
    /// - Throws: ``WriteError`` when the file cannot be created.
    public init(path: String) throws {
        self.path = path
        buffer.reserveCapacity(Self.chunk + 4096)
        if path == "-" {
            fd = 1
            ownsFD = false
        } else {
            let f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            guard f >= 0 else {
                throw WriteError(
                    path: path,
                    message:
                        "cannot create the file (\(String(cString: strerror(errno)))); check that its folder exists and is writable"
                )
            }
            fd = f
            ownsFD = true
        }
    }

    deinit {
        if ownsFD { _ = Glibc.close(fd) }
    }

    /// Appends UTF-8 text.
    @inline(__always) public func write(_ s: String) {
        buffer.append(contentsOf: s.utf8)
    }

    /// Writes the buffer out once it is past the chunk size.
    @inline(__always) public func flushIfNeeded() throws {
        if buffer.count >= Self.chunk { try flush() }
    }

    /// Writes everything buffered.
    /// - Throws: ``WriteError`` on a write failure (disk full, closed pipe).
    public func flush() throws {
        try write(all: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `bytes` out now, after flushing anything buffered.
    /// - Throws: ``WriteError`` on a write failure (disk full, closed pipe).
    public func flush(appending bytes: [UInt8]) throws {
        if !buffer.isEmpty { try flush() }
        try write(all: bytes)
    }

    private func write(all bytes: [UInt8]) throws {
        var offset = 0
        let total = bytes.count
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while offset < total {
                let n = Glibc.write(fd, base + offset, total - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw WriteError(path: path, message: "write failed (\(String(cString: strerror(errno))))")
                }
                offset += n
            }
        }
    }

    /// The size at which writers hand their bytes to the file.
    public static var chunkSize: Int { chunk }

    /// Flushes and closes.
    public func close() throws {
        try flush()
    }
}

/// A failure writing an output file.
public struct WriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The output path.
    public var path: String
    /// What went wrong.
    public var message: String

    /// Creates a write error.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
