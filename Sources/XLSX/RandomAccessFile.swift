#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A read-only file read at offsets with `pread`, so the file is never loaded whole.
final class RandomAccessFile {
    /// The path as the caller named it (for messages).
    let path: String
    /// The file's size in bytes when it was opened.
    let size: Int64
    private let fd: Int32

    /// Opens `path` for reading.
    /// - Throws: ``XLSXError`` (`unreadable`) when it cannot be opened or is not a regular file.
    init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let why = String(cString: strerror(errno))
            throw XLSXError(
                .unreadable, file: path, message: "cannot open the file (\(why)); check the path and its permissions")
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw XLSXError(.unreadable, file: path, message: "cannot read the file's status (\(why))")
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw XLSXError(.unreadable, file: path, message: "is not a regular file; name a .xlsx file")
        }
        self.fd = fd
        self.size = Int64(st.st_size)
    }

    deinit { close(fd) }

    /// Reads up to `buffer.count` bytes at `offset`; fewer only at the end of the file.
    /// - Returns: the number of bytes read.
    /// - Throws: ``XLSXError`` (`unreadable`) on an I/O error.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                let why = String(cString: strerror(errno))
                throw XLSXError(
                    .unreadable, file: path, message: "cannot read at offset \(offset + Int64(done)) (\(why))")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Reads exactly `count` bytes at `offset`.
    /// - Returns: the bytes, or fewer when the file ends first.
    /// - Throws: ``XLSXError`` (`unreadable`) on an I/O error.
    func bytes(at offset: Int64, count: Int) throws -> [UInt8] {
        guard count > 0, offset >= 0, offset < size else { return [] }
        let n = Int(min(Int64(count), size - offset))
        var out = [UInt8](repeating: 0, count: n)
        let got = try out.withUnsafeMutableBytes { try read(into: $0, at: offset) }
        if got < n { out.removeSubrange(got...) }
        return out
    }
}
