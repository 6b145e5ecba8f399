import Foundation

/// Reads a file line by line (without the line ends), each line valid until the next call.
final class LineFile {
    private let file: UnsafeMutablePointer<FILE>
    private var line: UnsafeMutablePointer<CChar>? = nil
    private var capacity = 0
    let path: String

    init(path: String) throws {
        guard let f = fopen(path, "r") else {
            throw ReadError(.unreadable, file: path, message: "cannot open (\(String(cString: strerror(errno))))")
        }
        file = f
        self.path = path
    }

    deinit {
        free(line)
        fclose(file)
    }

    /// The next line, or nil at the end.
    func next() throws -> UnsafeBufferPointer<UInt8>? {
        let n = getline(&line, &capacity, file)
        guard n >= 0, let line else {
            if ferror(file) != 0 { throw ReadError(.unreadable, file: path, message: "read failed") }
            return nil
        }
        let count = n > 0 && line[n - 1] == 0x0A ? n - 1 : n
        return UnsafeBufferPointer(start: UnsafeRawPointer(line).assumingMemoryBound(to: UInt8.self), count: count)
    }
}
