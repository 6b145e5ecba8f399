import Foundation

#if canImport(Glibc)
    import Glibc
    import CDispatch
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a pipeline file only when it is a regular file of at most ``maxBytes``: a pipeline file is
/// input too, and a FIFO would block and a huge file would be parsed whole.
enum PipelineFileGuard {
    /// The largest pipeline file read (1 MiB; the samples are a few KiB).
    static let maxBytes = 1 << 20

    /// The file's bytes.
    /// - Throws: ``ConfigError`` (exit 2) when it is missing, not a regular file, too large or unreadable.
    static func contents(of path: String) throws -> Data {
        func refuse(_ message: String) -> ConfigError {
            ConfigError([ConfigDiagnostic(file: path, line: nil, column: nil, message: message)])
        }
        // Opened without blocking (a FIFO's open waits for a writer), then judged by what was opened.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw refuse("cannot read the pipeline file (\(String(cString: strerror(errno)))); check the path")
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            throw refuse("cannot read the pipeline file (\(String(cString: strerror(errno))))")
        }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw refuse(
                "the pipeline file is not a regular file (\(InputFileCheck.kind(st.st_mode))); name a YAML file")
        }
        guard st.st_size <= maxBytes else {
            throw refuse(
                "the pipeline file is \(st.st_size) bytes; pipeline files are at most 1 MiB (\(maxBytes) bytes)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else {
                throw refuse("cannot read the pipeline file (\(String(cString: strerror(errno))))")
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            if data.count > maxBytes {
                throw refuse("the pipeline file is over 1 MiB (\(maxBytes) bytes); pipeline files are at most that")
            }
        }
        return data
    }
}
