import Foundation
import OrderedJSON

extension RunSummary {
    /// `status` of a run that finished (quarantined rows do not change it).
    public static let ok = RunStatus.ok.rawValue
    /// `status` of a run with failed items or stopped by a failure.
    public static let failed = RunStatus.failed.rawValue
    /// `status` of a run stopped by SIGINT or SIGTERM.
    public static let interrupted = RunStatus.interrupted.rawValue
}

extension UploadReport {
    /// The counters the ledger keeps with the run.
    public var ledgerCounts: [String: Int] {
        [
            "sent": sent, "created": created, "updated": updated, "unchanged": unchanged, "adopted": adopted,
            "failed": failed,
        ]
    }
}

extension PipelineRunner {
    /// Ends a run that was asked to stop: `summary.json` (status `interrupted`, with what the upload
    /// did so far and how to resume) and the reports are written, and the exit code is 128 + the signal.
    static func finishInterrupted(_ pipeline: Pipeline, result: inout RunResult, by stopped: RunInterrupted) throws {
        result.summary.status = RunSummary.interrupted
        result.interruptedBy = stopped.signal
        result.summary.sections.append(
            (
                "interrupted",
                .obj([
                    ("signal", .string(RunStop.name(signal: stopped.signal))),
                    (
                        "resume",
                        .string(
                            "run the same command again: items confirmed by the service are not sent again, and those left in flight are checked with the service first"
                        )
                    ),
                ])
            ))
        try rewriteReports(pipeline, result: &result)
        result.exitCode = RunStop.exitCode(signal: stopped.signal)
    }

    /// Records in the run's `summary.json` and reports that the run stopped on `error` (status
    /// `failed`, with the reason); best effort: the error itself is what the caller reports.
    static func recordFailure(_ pipeline: Pipeline, result: inout RunResult, error: any Error) {
        recordFailure(error, summary: &result.summary, directory: result.runDirectory, readFinished: true)
        try? rewriteReports(pipeline, result: &result)
    }
}
