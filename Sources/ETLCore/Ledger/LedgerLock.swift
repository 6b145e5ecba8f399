import Foundation
import OrderedJSON

#if canImport(Glibc)
    import Glibc
#endif

/// One run per ledger at a time: an exclusive `flock` on `ledger.lock` beside `ledger.sqlite`, held
/// for as long as a `run`, `plan` or `reconcile` of that pipeline and output folder goes on.
///
/// The file holds the holder's run id, process id and start time (one JSON object), so a second
/// command can say which run it met. The kernel drops the lock when the holder's process ends in any
/// way (`SIGKILL` included), so a dead run never blocks the next one; what it left in the file is
/// overwritten by the next holder. The descriptor is close-on-exec, so no child process keeps it.
///
/// The lock covers one output folder: two runs with different `--output` folders have two ledgers
/// and two locks, and only the listing of the service before the first create
/// (see ``LedgerScope``) keeps them from sending the same items twice.
public final class LedgerLock: @unchecked Sendable {
    /// The file name beside the ledger.
    public static let fileName = "ledger.lock"

    /// The lock file.
    public let path: String
    private let lock = NSLock()
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { release() }

    /// The lock file of `pipeline` under `outputRoot`: beside its `ledger.sqlite`.
    public static func path(outputRoot: String, pipeline: String) -> String {
        let ledger = Ledger.path(outputRoot: outputRoot, pipeline: pipeline)
        return ((ledger as NSString).deletingLastPathComponent as NSString).appendingPathComponent(fileName)
    }

    /// Who holds a lock, as its file says.
    public struct Holder: Sendable, Equatable {
        /// The holder's run id.
        public var runID: String
        /// Its process id.
        public var pid: Int
        /// When it started, ISO 8601 UTC.
        public var startedAt: String
        /// The command (`run`, `plan`, `reconcile`).
        public var command: String
    }

    /// Takes the lock of a pipeline's ledger at once, or fails.
    /// - Parameters:
    ///   - outputRoot: The output folder (`--output`).
    ///   - pipeline: The pipeline's name.
    ///   - runID: This run's id, written into the file for others to read.
    ///   - command: `run`, `plan` or `reconcile`.
    /// - Throws: ``RunFailure`` with exit code 2 naming the holder's run id, process id and start time
    ///   when another process holds it; ``LedgerError`` (`.open`) when the file cannot be created.
    public static func acquire(outputRoot: String, pipeline: String, runID: String, command: String) throws
        -> LedgerLock
    {
        let path = path(outputRoot: outputRoot, pipeline: pipeline)
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw LedgerError(
                code: .open, path: path, operation: "create the folder \"\(folder)\"",
                reason: (error as NSError).localizedDescription)
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LedgerError(
                code: .open, path: path, operation: "open the lock file", reason: String(cString: strerror(errno)))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            defer { close(fd) }
            guard code == EWOULDBLOCK else {
                throw LedgerError(
                    code: .open, path: path, operation: "lock the ledger", reason: String(cString: strerror(code)))
            }
            throw RunFailure(message: busyMessage(path: path, holder: readHolder(fd)), exitCode: 2)
        }
        let text =
            JSONValue.obj([
                ("run_id", .string(runID)), ("pid", .int(Int(getpid()))),
                ("started_at", .string(Ledger.now())), ("command", .string(command)),
            ]).jsonText + "\n"
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        if ftruncate(fd, off_t(max(0, written))) != 0 || written != bytes.count {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw LedgerError(code: .write, path: path, operation: "write the lock file", reason: reason)
        }
        return LedgerLock(path: path, descriptor: fd)
    }

    /// Gives the lock back (also done when the process ends). Calling it again does nothing.
    public func release() {
        lock.withLock {
            guard descriptor >= 0 else { return }
            _ = ftruncate(descriptor, 0)
            close(descriptor)
            descriptor = -1
        }
    }

    /// The holder as the file says, read a few times over 200 ms when the holder has just taken the
    /// lock and not yet written its details.
    static func readHolder(_ fd: Int32) -> Holder? {
        for attempt in 0..<5 {
            if attempt > 0 { usleep(50_000) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0, let v = try? JSONValue.parse(Array(buffer[0..<n])),
                let runID = v["run_id"]?.textValue, let pid = v["pid"]?.integerValue
            else { continue }
            return Holder(
                runID: runID, pid: pid, startedAt: v["started_at"]?.textValue ?? "?",
                command: v["command"]?.textValue ?? "run")
        }
        return nil
    }

    static func busyMessage(path: String, holder: Holder?) -> String {
        let ledger = ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent(Ledger.fileName)
        guard let holder else {
            return
                "another catalog-etl process is using the ledger \(ledger) (it holds \(path) and has not said which run it is); wait for it to finish"
        }
        return
            "another catalog-etl \(holder.command) is using the ledger \(ledger): run \(holder.runID), process \(holder.pid), started \(holder.startedAt); wait for it to finish (or stop that process), then run again"
    }
}
