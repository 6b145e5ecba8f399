/// A pipeline file: a name and its stages, read top to bottom.
public struct Pipeline: Sendable {
    /// The pipeline's name (used for `output/<name>/`).
    public var name: String
    /// The pipeline file's path as given.
    public var file: String
    /// The folder paths in the file resolve against.
    public var directory: String
    /// The read stage (required, first).
    public var read: ReadStage
    /// The stages between read and normalise (`filter`, `group`, `explode`), in file order.
    public var rowStages: [RowStage] = []
    /// The normalise stage.
    public var normalise: NormaliseStage?
    /// The validate stage.
    public var validate: ValidateStage?
    /// The upload stage.
    public var upload: UploadStage?
    /// The export stage.
    public var export: ExportStage?
    /// The reconcile stage.
    public var reconcile: ReconcileStage?
    /// Warnings about the file (a secret written in it): `check` prints them, a run prints them once.
    public var warnings: [ConfigDiagnostic] = []
    /// Every source column the file names (`from`, `synonyms`, `template`, `coalesce`, `when`,
    /// `group.by`/`collect`, `filter`, `explode`), with where it is written, for the header check.
    public var columnReferences: [ColumnReference] = []

    /// The group stage, when the pipeline has one.
    public var group: GroupStage? {
        for case .group(let g) in rowStages { return g }
        return nil
    }

    /// The target service the pipeline feeds, from upload or validate.
    public var target: TargetService? {
        upload?.target ?? validate?.ruleSets.first?.service
    }
}
