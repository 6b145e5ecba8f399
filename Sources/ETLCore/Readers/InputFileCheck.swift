#if canImport(Glibc)
    import Glibc
    import CDispatch
#elseif canImport(Darwin)
    import Darwin
#endif

/// Refuses input paths that are not regular files before any reader opens them: opening a FIFO
/// waits for a writer forever, a device never ends, and a directory has no rows.
enum InputFileCheck {
    /// Throws when `path` exists and is not a regular file (a missing or unreadable path is left to
    /// the reader, whose message says so).
    /// - Throws: ``ReadError`` (`unreadable`, exit 3).
    static func requireRegularFile(_ path: String) throws {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        guard st.st_mode & S_IFMT == S_IFREG else {
            throw ReadError(
                .unreadable, file: path,
                message:
                    "not a regular file (it is \(kind(st.st_mode))); catalog-etl reads only files: save the data to a file and name that"
            )
        }
    }

    /// What kind of file a `st_mode` describes, as a phrase.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFDIR: return "a directory"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }
}
