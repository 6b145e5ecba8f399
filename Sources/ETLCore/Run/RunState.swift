/// What the run-level steps pass along: the run's result so far and what they need to reach the
/// service.
struct RunState {
    /// The pipeline being run.
    let pipeline: Pipeline
    /// The result so far: the record pass's summary, then each step's section.
    var result: RunResult
    /// The open connection to the service (nil when the run does not talk to it, e.g. reconcile
    /// against a saved listing).
    let connection: ServiceConnection?
    /// The upload options (progress, stop, ledger path).
    let options: UploadOptions
    /// What the export step read back from the service, for the reconcile step.
    var snapshot: RemoteSnapshot?

    /// The connection, for a step that talks to the service; the runner opens it before such a step.
    var service: ServiceConnection {
        guard let connection else { preconditionFailure("a step that talks to the service ran without a connection") }
        return connection
    }
}
