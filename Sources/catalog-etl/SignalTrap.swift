import Dispatch
import ETLCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// SIGINT and SIGTERM during a run or a reconcile: the first asks the run to stop cleanly (no new
/// request; the ones in flight get ``RunStop/graceSeconds`` to finish and be recorded; the summary and
/// the report are written; exit 130 or 143); a second one ends the process at once with the same code
/// (the ledger then shows the run `interrupted`, its process being gone).
final class SignalTrap: @unchecked Sendable {
    /// The flag the run checks.
    let stop = RunStop()
    private var sources: [any DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "catalog-etl.signals")
    /// The traps installed in this process, kept for its lifetime (a released source stops listening).
    private static let installed = Installed()

    private final class Installed: @unchecked Sendable {
        private let lock = NSLock()
        private var traps: [SignalTrap] = []
        func add(_ trap: SignalTrap) { lock.withLock { traps.append(trap) } }
    }

    /// Installs the handlers (the signals' default actions are turned off first, so that only the
    /// handlers see them).
    /// - Parameter announce: Prints a line for the user (the progress view's notice).
    init(announce: @escaping @Sendable (String) -> Void) {
        let stop = self.stop
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if let first = stop.signal {
                    announce(
                        "\(RunStop.name(signal: sig)) again: stopping at once; the run stays interrupted, and the same command resumes it"
                    )
                    Glibc.exit(RunStop.exitCode(signal: first))
                }
                stop.request(signal: sig)
                announce(
                    "\(RunStop.name(signal: sig)): stopping: no new requests; the ones in flight get up to \(Int(RunStop.graceSeconds)) s to finish and be recorded (send the signal again to stop at once)"
                )
            }
            source.resume()
            sources.append(source)
        }
        Self.installed.add(self)
    }

    /// The command line that resumes this run: the same command (`catalog-etl run …`), shell-quoted.
    static func sameCommand() -> String {
        let args = CommandLine.arguments.dropFirst().map { arg -> String in
            let safe = arg.unicodeScalars.allSatisfy {
                CharacterSet.alphanumerics.contains($0) || "-_./=:,@%+".unicodeScalars.contains($0)
            }
            return safe && !arg.isEmpty ? arg : "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        return (["catalog-etl"] + args).joined(separator: " ")
    }

    /// The final message of an interrupted run: what happened and how to resume.
    static func interruptedMessage(_ result: RunResult) -> String {
        let signal = result.interruptedBy ?? SIGINT
        var text = "interrupted by \(RunStop.name(signal: signal))"
        if let u = result.upload {
            text +=
                ": \(u.created) created · \(u.updated) updated · \(u.unchanged) unchanged · \(u.failed) failed of \(result.summary.recordsValid) valid records before the stop"
        }
        text +=
            ". Nothing confirmed by the service is sent again, and requests left without an answer are checked with the service first. To resume, run the same command again:\n  \(sameCommand())"
        return text
    }
}
