/// `reconcile`: compares the run's source rows with the service's items by key, streamed through an
/// index on disk (``StreamingReconciler``), writes `reconciliation.csv` and `reconciliation.json`, and
/// adds the reconciliation and the thresholds it crossed to the result.
struct ReconcileStep: RunLevelStep {
    let name = "reconcile"
    /// The stage's settings.
    let stage: ReconcileStage

    /// Reconciles against the export step's snapshot; a pipeline without an `export` stage exports
    /// here first (the service's items are what reconcile compares against).
    /// - Throws: ``RemoteFailure`` (the export), ``ReadError``, ``WriteError``, ``LedgerError``.
    func run(_ state: inout RunState) async throws {
        if state.snapshot == nil { try await ExportStep(stage: nil).run(&state) }
        guard let snapshot = state.snapshot else { return }
        var reported: [String: Int] = [:]
        if let n = snapshot.reportedCount { reported[snapshot.reportedCountName ?? "reported_count"] = n }
        var items = snapshot.items.makeIterator()
        try PipelineRunner.reconcileRun(
            stage, result: &state.result, remote: { items.next() }, reportedCounts: reported,
            ledger: state.service.ledger, upload: state.options)
    }
}
