/// `report`: the last step of every run. Writes `summary.json`, `report.xlsx` and `report.html` once,
/// with every step's section, and sets the exit code from what the steps found.
struct ReportStep: RunLevelStep {
    let name = "report"

    /// - Throws: ``WriteError``, ``ReadError`` (the run's own CSV files).
    func run(_ state: inout RunState) async throws {
        try PipelineRunner.rewriteReports(state.pipeline, result: &state.result)
    }
}
