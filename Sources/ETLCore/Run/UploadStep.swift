import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `upload`: sends the send spool's records the ledger does not hold yet (``UploadRunner``) and adds
/// the `upload` section to the summary.
struct UploadStep: RunLevelStep {
    let name = "upload"
    /// The stage's settings.
    let stage: UploadStage

    /// - Throws: ``RunInterrupted`` when the run was asked to stop (what was sent is in the result),
    ///   ``RemoteFailure``, ``LedgerError``.
    func run(_ state: inout RunState) async throws {
        let dir = state.result.runDirectory
        let connection = state.service
        let report = try await UploadRunner.upload(
            spoolPath: (dir as NSString).appendingPathComponent(PipelineRunner.sendSpoolName),
            runID: state.result.summary.runID, connection: connection, options: state.options,
            total: state.result.summary.recordsValid, scope: LedgerScope(stage: stage, connection: connection),
            listingDirectory: (dir as NSString).appendingPathComponent(PipelineRunner.listingFolderName),
            compare: state.pipeline.reconcile?.compare ?? [])
        state.result.upload = report
        state.result.summary.sections.append(("upload", report.json))
        if report.interrupted { throw RunInterrupted(signal: state.options.stop?.signal ?? SIGINT) }
    }
}
