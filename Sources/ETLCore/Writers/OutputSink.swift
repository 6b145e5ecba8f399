import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A buffered byte sink over a file or standard output, written with `write(2)` in 256 KiB chunks.
///
/// Writers append bytes to ``buffer`` and call ``flushIfNeeded()``; `close()` flushes the rest.
/// A sink opened with `background: true` hands each full chunk to a thread of its own, so the
/// kernel's copying of a big file (a dry run's 1.5 GB `normalised.jsonl`) overlaps the work that
/// produces it; a write failure then surfaces at a later flush or at `close()`.
///
/// A sink opened with ``init(replacing:)`` writes all or nothing: to a temporary file beside the
/// destination that ``commit()`` renames over it, and that ``discard()`` (or the sink's end without a
/// commit, or an interruption) removes, so a failed write leaves an existing file untouched.
public final class OutputSink {
    /// The path as given (`-` means standard output).
    public let path: String
    /// Bytes not yet written.
    public var buffer: [UInt8] = []
    private let fd: Int32
    private let ownsFD: Bool
    private static let chunk = 256 * 1024
    private var background: BackgroundWriter?
    /// For a sink opened with ``init(replacing:)``: how it is finished.
    private var replacement: ReplacingOutput.Kind?
    private var finished = false

    /// Opens (creating or truncating) `path`, or standard output for `-`.
    /// - Parameters:
    ///   - path: the file, or `-`.
    ///   - background: write full chunks on a thread of the sink's own.
    /// - Throws: ``WriteError`` when the file cannot be created.
    public init(path: String, background: Bool = false) throws {
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
        if background { self.background = BackgroundWriter(fd: fd, path: path) }
    }

    /// Opens a whole-or-nothing output: a temporary file beside `path` (see ``commit()``), or, when
    /// `path` is `-` or names no regular file (a pipe, a device), that destination itself.
    /// - Throws: ``WriteError`` when the file cannot be created.
    public init(replacing path: String) throws {
        self.path = path
        buffer.reserveCapacity(Self.chunk + 4096)
        if path == "-" {
            fd = 1
            ownsFD = false
            replacement = .inPlace
        } else {
            let output = try ReplacingOutput.open(path)
            fd = output.fd
            ownsFD = true
            replacement = output.kind
        }
    }

    deinit {
        background?.finish()
        if ownsFD { _ = Glibc.close(fd) }
        discard()
    }

    /// Whether ``restart()`` can start the output over: a temporary file, or the null device.
    public var canRestart: Bool {
        switch replacement {
        case .temporary, .nullDevice: return background == nil
        case .inPlace, nil: return false
        }
    }

    /// Drops everything written so far so the output can be written again from its start.
    /// - Throws: ``WriteError`` when the sink cannot start over (see ``canRestart``) or truncating fails.
    public func restart() throws {
        guard canRestart else { throw WriteError(path: path, message: "the output cannot be written over again") }
        buffer.removeAll(keepingCapacity: true)
        if case .temporary = replacement {
            guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
                throw WriteError(
                    path: path, message: "cannot start the file over (\(String(cString: strerror(errno))))")
            }
        }
    }

    /// Finishes a sink opened with ``init(replacing:)``: writes what is buffered and renames the
    /// temporary file over the destination (for other sinks, the same as ``close()``).
    /// - Throws: ``WriteError``; the temporary file is removed and the destination left as it was.
    public func commit() throws {
        do {
            try close()
            if case .temporary(let temporary, let destination) = replacement, !finished {
                guard rename(temporary, destination) == 0 else {
                    throw WriteError(
                        path: path,
                        message: "cannot put the finished file in place (\(String(cString: strerror(errno))))")
                }
                finished = true
                TemporaryFiles.unregister(temporary)
            }
        } catch {
            discard()
            throw error
        }
    }

    /// Abandons a sink opened with ``init(replacing:)`` before its commit: removes the temporary file,
    /// so the destination stays as it was (nothing for other sinks, or after a commit).
    public func discard() {
        guard case .temporary(let temporary, _) = replacement, !finished else { return }
        finished = true
        unlink(temporary)
        TemporaryFiles.unregister(temporary)
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
        if let background {
            if buffer.isEmpty { return try background.check() }
            buffer = try background.hand(buffer)
            return
        }
        try Self.write(all: buffer, fd: fd, path: path)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered, then the bytes of `buffer`, and empties it.
    /// - Throws: ``WriteError`` on a write failure (disk full, closed pipe).
    public func flush(draining buffer: WriteBuffer) throws {
        if background != nil {
            // Copied into the recycled chunk, which then goes to the writing thread.
            self.buffer.append(contentsOf: buffer.bytes)
            try flush()
        } else {
            try flush()
            try Self.write(all: buffer.bytes, fd: fd, path: path)
        }
        buffer.removeAll()
    }

    fileprivate static func write(all bytes: [UInt8], fd: Int32, path: String) throws {
        try bytes.withUnsafeBufferPointer { try write(all: $0, fd: fd, path: path) }
    }

    fileprivate static func write(all bytes: UnsafeBufferPointer<UInt8>, fd: Int32, path: String) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        let total = bytes.count
        while offset < total {
            let n = Glibc.write(fd, base + offset, total - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw WriteError(path: path, message: "write failed (\(String(cString: strerror(errno))))")
            }
            offset += n
        }
    }

    /// The size at which writers hand their bytes to the file.
    public static var chunkSize: Int { chunk }

    /// Flushes and closes (for a background sink: waits until every chunk is written).
    public func close() throws {
        try flush()
        if let background {
            background.finish()
            try background.check()
        }
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

/// The thread behind a background ``OutputSink``: writes the chunks handed to it, in order, and
/// hands their emptied arrays back for reuse (a fresh 256 KiB array each time would be an `mmap`,
/// page faults and a `munmap`).
private final class BackgroundWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var spare: [[UInt8]] = []
    private var failure: WriteError?
    private var finishing = false
    private var running = true
    private let fd: Int32
    private let path: String
    private static let depth = 4

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        let thread = Thread { [self] in run() }
        thread.name = "catalog-etl writer"
        thread.start()
    }

    /// Queues `chunk` (waiting while the queue is full); returns an empty array to fill next.
    /// - Throws: the first ``WriteError`` the thread met.
    func hand(_ chunk: [UInt8]) throws -> [UInt8] {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.depth && failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(chunk)
        condition.broadcast()
        if var reused = spare.popLast() {
            reused.removeAll(keepingCapacity: true)
            return reused
        }
        var fresh: [UInt8] = []
        fresh.reserveCapacity(chunk.capacity)
        return fresh
    }

    /// Throws the first ``WriteError`` the thread met, if any.
    func check() throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
    }

    /// Waits until everything queued is written and the thread has ended.
    func finish() {
        condition.lock()
        finishing = true
        condition.broadcast()
        while running { condition.wait() }
        condition.unlock()
    }

    private func run() {
        condition.lock()
        while true {
            while queue.isEmpty && !finishing { condition.wait() }
            if queue.isEmpty { break }
            var chunk = queue.removeFirst()
            let failed = failure != nil
            condition.unlock()
            var error: WriteError?
            if !failed {
                do { try OutputSink.write(all: chunk, fd: fd, path: path) } catch let e as WriteError {
                    error = e
                } catch {}
            }
            chunk.removeAll(keepingCapacity: true)
            condition.lock()
            if let error, failure == nil { failure = error }
            if spare.count < Self.depth { spare.append(chunk) }
            condition.broadcast()
        }
        running = false
        condition.broadcast()
        condition.unlock()
    }
}
