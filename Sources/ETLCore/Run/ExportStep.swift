import Foundation
import OrderedJSON

/// `export`: reads back what the service holds (saving the files it returns in the run folder) and
/// adds the `export` section to the summary; the ``ReconcileStep`` compares against it.
struct ExportStep: RunLevelStep {
    let name = "export"
    /// The stage's settings (nil for the export a `reconcile` without an `export` stage makes itself).
    let stage: ExportStage?

    /// - Throws: ``RemoteFailure`` (exit 4).
    func run(_ state: inout RunState) async throws {
        state.options.progress?(
            UploadProgress(
                stage: "export", total: 0, processed: 0, created: 0, updated: 0, unchanged: 0, failed: 0, retries: 0,
                rateLimited: 0, elapsed: 0))
        let snapshot: RemoteSnapshot
        do {
            snapshot = try await state.service.client.export(into: state.result.runDirectory)
        } catch let e as RemoteError {
            throw RemoteFailure(description: "export: \(e.description)")
        }
        state.options.progress?(PipelineRunner.stageProgress("export", snapshot.items.count))
        state.result.summary.sections.append(
            (
                "export",
                .obj([
                    ("items", .int(snapshot.items.count)),
                    ("files", .array(snapshot.savedFiles.map { .string(($0 as NSString).lastPathComponent) })),
                    (
                        snapshot.reportedCountName ?? "reported_count",
                        snapshot.reportedCount.map { .int($0) } ?? .null
                    ),
                ])
            ))
        state.snapshot = snapshot
    }
}
