/// One step of a run: the code that carries out one stage of the pipeline file.
///
/// A run is a ``RunChain`` of steps, one per stage the file declares and in the file's order, plus
/// the ``ReportStep`` at the end. The step types are named after the stages they run (the stages'
/// settings are already the `*Stage` types of the pipeline model): ``ReadStep``, ``RowStep`` (one
/// per `filter`, `group` or `explode`), ``NormaliseStep``, ``ValidateStep``, ``UploadStep``,
/// ``ExportStep``, ``ReconcileStep`` and ``ReportStep``.
///
/// The record-level steps (read, the row stages, normalise, validate) run together in one streaming
/// pass over the input, record by record, which writes the run folder's files once per record (see
/// ``PipelineRunner``): read and the row steps make the reader, normalise and validate are called
/// from the pass's loop with concrete types, so no step adds a dynamic call per record. The run-level
/// steps (``RunLevelStep``) each work on the whole run once that pass is over.
protocol RunStep {
    /// The stage kind the step runs, as the pipeline file writes it (`read`, `group`, `upload`, …),
    /// or `report` for the last step.
    var name: String { get }
}

/// A step that works on the whole run after the record pass: it takes the run's state (the result
/// so far, the service connection) and updates it.
protocol RunLevelStep: RunStep {
    /// Runs the step.
    /// - Throws: what the step's work throws (``RemoteFailure``, ``RunInterrupted``, ``LedgerError``,
    ///   ``WriteError``); the runner around the chain records it in the ledger and the reports.
    func run(_ state: inout RunState) async throws
}
