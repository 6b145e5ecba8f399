/// The steps of a run, built from a pipeline: one step per stage the pipeline file declares, in the
/// file's order (the loader keeps stages in the order read, filter, group, explode, normalise,
/// validate, upload, export, reconcile), and the ``ReportStep`` at the end.
///
/// The record pass always normalises and validates (a pipeline without a `normalise` stage passes
/// the columns through, one without `validate` checks only what the target requires of every
/// record), so ``normalise`` and ``validate`` are always there; ``steps`` lists them only when the
/// file declares them.
struct RunChain {
    /// `read`.
    let read: ReadStep
    /// `filter`, `group`, `explode`: the row stages, in file order.
    let rows: [RowStep]
    /// `normalise`.
    let normalise: NormaliseStep
    /// `validate`.
    let validate: ValidateStep
    /// `upload`, when declared.
    let upload: UploadStep?
    /// `export`, when declared.
    let export: ExportStep?
    /// `reconcile`, when declared.
    let reconcile: ReconcileStep?
    /// `report`: always last.
    let report = ReportStep()
    private let declaresNormalise: Bool
    private let declaresValidate: Bool

    /// The chain of `pipeline`'s stages.
    init(_ pipeline: Pipeline) {
        read = ReadStep(stage: pipeline.read)
        rows = pipeline.rowStages.map(RowStep.init)
        normalise = NormaliseStep(stage: pipeline.normalise, keyColumn: pipeline.read.key)
        validate = ValidateStep(stage: pipeline.validate)
        upload = pipeline.upload.map(UploadStep.init)
        export = pipeline.export.map(ExportStep.init)
        reconcile = pipeline.reconcile.map(ReconcileStep.init)
        declaresNormalise = pipeline.normalise != nil
        declaresValidate = pipeline.validate != nil
    }

    /// Every step, in order: the file's stages, then `report`.
    var steps: [any RunStep] {
        var s: [any RunStep] = [read]
        s += rows as [any RunStep]
        if declaresNormalise { s.append(normalise) }
        if declaresValidate { s.append(validate) }
        s += serviceSteps as [any RunStep]
        s.append(report)
        return s
    }

    /// The step names in order (`read`, `group`, `normalise`, …, `report`).
    var names: [String] { steps.map(\.name) }

    /// The steps that talk to the service, in order: upload, export, reconcile (those declared).
    var serviceSteps: [any RunLevelStep] {
        var s: [any RunLevelStep] = []
        if let upload { s.append(upload) }
        if let export { s.append(export) }
        if let reconcile { s.append(reconcile) }
        return s
    }
}

extension PipelineRunner {
    /// The stage kinds of `pipeline` in the order its run carries them out (its ``RunChain``'s steps
    /// without the report), as `check` prints them: `read → group → normalise → …`.
    public static func stageNames(of pipeline: Pipeline) -> [String] {
        RunChain(pipeline).steps.filter { !($0 is ReportStep) }.map(\.name)
    }
}
