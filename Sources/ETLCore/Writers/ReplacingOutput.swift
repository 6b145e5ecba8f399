import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where a whole-or-nothing output goes: a temporary file beside the destination, renamed over it
/// once everything is written (``OutputSink/commit()``), and removed otherwise; or, for what cannot
/// be replaced by a rename (standard output, a pipe, a device), the destination itself.
///
/// A symbolic link is followed: the file it points at is replaced, the link stays. An existing
/// file's permission bits carry over to the new one.
struct ReplacingOutput {
    /// What the sink writes to.
    enum Kind {
        /// A temporary file at `temporary`, to be renamed to `destination`.
        case temporary(temporary: String, destination: String)
        /// The destination itself, written in place (no rename possible).
        case inPlace
        /// The null device: written in place, and since it keeps nothing, a write can start over.
        case nullDevice
    }

    /// The descriptor to write to.
    let fd: Int32
    /// How the output is finished.
    let kind: Kind

    /// Opens the temporary file beside `path` (or `path` itself when it is not a regular file).
    /// - Throws: ``WriteError`` when neither can be created.
    static func open(_ path: String) throws -> ReplacingOutput {
        var target = path
        if let real = realpath(path, nil) {
            target = String(cString: real)
            free(real)
        }
        var existingMode: mode_t?
        if let attributes = try? FileManager.default.attributesOfItem(atPath: target) {
            if attributes[.type] as? FileAttributeType != .typeRegular {
                let f = Glibc.open(target, O_WRONLY | O_CREAT, 0o644)
                guard f >= 0 else { throw cannotCreate(path) }
                return ReplacingOutput(fd: f, kind: target == "/dev/null" ? .nullDevice : .inPlace)
            }
            existingMode = (attributes[.posixPermissions] as? NSNumber).map { mode_t($0.uint16Value) }
        }
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { String(target[...$0]) } ?? ""
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        for _ in 0..<16 {
            let temporary =
                folder + ".\(name).catalog-etl-\(getpid())-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
                + ".tmp"
            let f = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            if f < 0 {
                if errno == EEXIST { continue }
                throw cannotCreate(path)
            }
            if let existingMode { _ = fchmod(f, existingMode) }
            TemporaryFiles.register(temporary)
            return ReplacingOutput(fd: f, kind: .temporary(temporary: temporary, destination: target))
        }
        throw cannotCreate(path)
    }

    private static func cannotCreate(_ path: String) -> WriteError {
        WriteError(
            path: path,
            message:
                "cannot create the file (\(String(cString: strerror(errno)))); check that its folder exists and is writable"
        )
    }
}

/// The temporary output files of this process, removed if it is interrupted (SIGINT, SIGTERM) so
/// that an interrupted `convert` leaves neither a partial output nor a stray temporary file.
///
/// The paths live in C memory the signal handler reads without locking or allocating; a handler
/// that finds one removes it (`unlink` is async-signal-safe), then lets the signal end the process
/// as it would have.
enum TemporaryFiles {
    private static let slots = 8
    private static let capacity = 4096
    nonisolated(unsafe) private static let paths: UnsafeMutablePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: slots * capacity)
        p.initialize(repeating: 0, count: slots * capacity)
        return p
    }()
    nonisolated(unsafe) private static let mutex: UnsafeMutablePointer<pthread_mutex_t> = {
        let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        pthread_mutex_init(m, nil)
        return m
    }()
    nonisolated(unsafe) private static var installed = false

    /// Remembers `path` for removal on interruption.
    static func register(_ path: String) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if !installed {
            installed = true
            for sig in [SIGINT, SIGTERM] {
                signal(sig) { sig in
                    for i in 0..<TemporaryFiles.slots where TemporaryFiles.paths[i * TemporaryFiles.capacity] != 0 {
                        unlink(TemporaryFiles.paths + i * TemporaryFiles.capacity)
                    }
                    signal(sig, SIG_DFL)
                    raise(sig)
                }
            }
        }
        let bytes = Array(path.utf8)
        guard let first = bytes.first, bytes.count < capacity else { return }
        for i in 0..<slots where paths[i * capacity] == 0 {
            let slot = paths + i * capacity
            for k in 1..<bytes.count { slot[k] = CChar(bitPattern: bytes[k]) }
            slot[bytes.count] = 0
            // The first byte last: the handler never sees a half-written path.
            slot[0] = CChar(bitPattern: first)
            return
        }
    }

    /// Forgets `path` (renamed into place, or removed).
    static func unregister(_ path: String) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        for i in 0..<slots where paths[i * capacity] != 0 {
            let slot = paths + i * capacity
            if strcmp(slot, path) == 0 {
                slot[0] = 0
                return
            }
        }
    }
}
