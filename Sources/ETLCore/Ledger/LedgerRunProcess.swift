import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

extension Ledger {
    /// Records the process that runs `runID` (this one by default), so that ``runIsAlive(runID:)`` can
    /// tell a run still going from one whose process died (SIGKILL, power cut).
    /// - Throws: ``LedgerError``.
    public func setRunProcess(runID: String, pid: Int32? = nil) throws {
        let pid = pid ?? getpid()
        try write("record the process of run \"\(runID)\"") { db in
            try db.execute(sql: "UPDATE runs SET pid = ? WHERE run_id = ?", arguments: [Int(pid), runID])
        }
    }

    /// The process id recorded for `runID`, or nil (a run of an older version, or an unknown run).
    /// - Throws: ``LedgerError``.
    public func runProcess(runID: String) throws -> Int32? {
        try read("read the process of run \"\(runID)\"") { db in
            try Int.fetchOne(db, sql: "SELECT pid FROM runs WHERE run_id = ?", arguments: [runID]).map { Int32($0) }
        }
    }

    /// Whether the run's process is still alive: false when its recorded process no longer exists, true
    /// when it does or when no process was recorded (an older ledger: it cannot be told).
    /// - Throws: ``LedgerError``.
    public func runIsAlive(runID: String) throws -> Bool {
        guard let pid = try runProcess(runID: runID), pid > 0 else { return true }
        return Self.processExists(pid)
    }

    /// Whether a process with this id exists on this machine.
    static func processExists(_ pid: Int32) -> Bool {
        if pid == getpid() { return true }
        if kill(pid, 0) == 0 { return true }
        return errno == EPERM
    }
}

/// The status a run shows in `status --json` and `summary.json`: one of ``ok``, ``failed``,
/// ``interrupted``, ``running``, mapped from what the ledger recorded (its own words stay in the detail).
public enum RunStatus: String, Sendable, CaseIterable {
    /// Finished; every item went through (quarantined rows do not count against it).
    case ok
    /// Finished with items the service refused or that failed, or stopped by a remote failure.
    case failed
    /// Stopped by SIGINT or SIGTERM, or its process died while it ran.
    case interrupted
    /// Still going (its process is alive).
    case running

    /// The status of a ledger run: `running` only while its process is alive.
    /// - Parameters:
    ///   - recorded: The status text the ledger holds (`ok`, `failed items`, `remote failure`, …).
    ///   - alive: Whether the run's process is still alive.
    public init(recorded: String, alive: Bool) {
        switch recorded {
        case "ok": self = .ok
        case "running": self = alive ? .running : .interrupted
        case "interrupted": self = .interrupted
        default: self = .failed
        }
    }
}
