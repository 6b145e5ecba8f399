import Foundation

/// A failure of a remote system that stops the run (exit 4).
public struct RemoteFailure: Error, Sendable, CustomStringConvertible {
    /// What failed and what to fix (redacted).
    public var description: String
    /// What the upload had done when it gave up (nil when it failed before it began, or outside it).
    public var upload: UploadReport? = nil
}

/// The service end of a run: the endpoint resolved (the in-process sandbox for `sandbox`), a client
/// with its session, and the ledger. Close it with ``close()``.
public final class ServiceConnection: Sendable {
    /// The client.
    public let client: any ServiceClient
    /// The session (counters, redactor).
    public let session: ServiceSession
    /// The ledger of this pipeline.
    public let ledger: Ledger
    /// The stand-in started for `endpoint: sandbox`, if any.
    public let standIn: (any StandIn)?

    private init(client: any ServiceClient, session: ServiceSession, ledger: Ledger, standIn: (any StandIn)?) {
        self.client = client
        self.session = session
        self.ledger = ledger
        self.standIn = standIn
    }

    /// Default requests per second per service: the documented limits, else a conservative choice.
    public static func defaultRate(_ t: TargetService) -> Double {
        TargetContract.contract(for: t).defaultRate
    }

    /// Opens the connection for a pipeline's upload stage.
    public static func open(
        pipeline: Pipeline, stage: UploadStage, outputRoot: String, options: UploadOptions
    ) async throws -> ServiceConnection {
        let pipelineDir = (outputRoot as NSString).appendingPathComponent(pipeline.name)
        let ledger = try Ledger(
            path: options.ledgerPath ?? Ledger.path(outputRoot: outputRoot, pipeline: pipeline.name))
        var sandbox: (any StandIn)? = nil
        let origin: String
        if stage.endpoint == "sandbox" {
            guard let launcher = options.standIns else {
                throw RemoteFailure(description: "cannot start the built-in sandbox: this build has none")
            }
            do {
                let standIn = try await launcher.start(
                    service: stage.target.rawValue,
                    stateDirectory: (pipelineDir as NSString).appendingPathComponent("sandbox-state"),
                    settings: stage.sandboxSettings)
                sandbox = standIn
                origin = standIn.origin
            } catch {
                throw RemoteFailure(description: "cannot start the built-in sandbox: \(error)")
            }
        } else {
            origin = stage.endpoint
        }
        let redactor = options.redactor ?? Redactor()
        for (_, v) in stage.credentials { redactor.add(v) }
        let rate = stage.rate ?? defaultRate(stage.target)
        let definition = stage.target.definition
        let pacing = definition.pacing
        let concurrency = stage.concurrency ?? pacing.concurrency
        // One pacer for every request, unless the target paces reads apart (its pacing says why).
        let name = definition.displayName
        let notice = options.notice.map { notice in { @Sendable (text: String) in notice(redactor.redact(text)) } }
        let uploadPacer = Pacer(
            ratePerSecond: rate, concurrency: concurrency, margin: pacing.margin,
            serviceName: name, stop: options.stop, notice: notice)
        let readPacer =
            pacing.readRate.map {
                Pacer(
                    ratePerSecond: $0, concurrency: pacing.readConcurrency, serviceName: name, stop: options.stop,
                    notice: notice)
            } ?? uploadPacer
        let session = ServiceSession(
            origin: origin, serviceName: name,
            transport: HTTPTransport(
                timeoutSeconds: stage.timeoutSeconds ?? HTTPTransport.defaultTimeoutSeconds,
                connections: concurrency + 2),
            uploadPacer: uploadPacer, readPacer: readPacer,
            retry: RetryPolicy(maxAttempts: stage.maxAttempts ?? 6), counters: UploadCounters(), redactor: redactor,
            stop: options.stop, maxWaitSeconds: stage.maxWaitSeconds ?? ServiceSession.defaultMaxWaitSeconds)
        session.onRetry = options.event
        session.onNotice = notice
        let client: any ServiceClient
        do {
            let images = sandboxRoot(sandbox: sandbox, origin: origin, service: stage.target).map {
                sandboxImages(root: $0, session: session)
            }
            client = try definition.makeClient(
                TargetClientContext(session: session, stage: stage, pipeline: pipeline, standInImages: images))
        } catch {
            await session.shutdown()
            await sandbox?.stop()
            throw error
        }
        return ServiceConnection(client: client, session: session, ledger: ledger, standIn: sandbox)
    }

    /// The root of the sandbox behind an endpoint: the in-process one, or a separately started one
    /// (a loopback origin ending in `/<target>`); nil for a real service.
    static func sandboxRoot(sandbox: (any StandIn)?, origin: String, service: TargetService) -> String? {
        if let sandbox { return sandbox.rootURL }
        let suffix = "/" + service.rawValue
        guard case .success(let endpoint) = Endpoint.parse(origin), endpoint.isLoopback, origin.hasSuffix(suffix)
        else { return nil }
        return String(origin.dropLast(suffix.count))
    }

    /// Whether a URL's host is a reserved name that never resolves (RFC 2606 / 6761): `.example`,
    /// `.invalid`, `.test`, `example.com` …
    static func isReservedHost(_ reference: String) -> Bool {
        guard let host = URL(string: reference)?.host?.lowercased() else { return false }
        let names = ["example", "invalid", "test", "example.com", "example.net", "example.org"]
        return names.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    /// Against a sandbox, images on reserved hosts (the sample catalog's CDN) come from the sandbox's
    /// CDN stand-in; any other image is fetched from its own host.
    static func sandboxImages(
        root: String, session: ServiceSession
    ) -> @Sendable (_ reference: String) async throws -> [UInt8] {
        let loader: @Sendable (_ reference: String) async throws -> [UInt8] = { reference in
            let mirrored = isReservedHost(reference) ? StandInImages.mirror(reference, root: root) : reference
            guard let url = mirrored, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                throw RemoteError.failed("not an http(s) image URL")
            }
            let r = try await session.send(
                HTTPRequestSpec(method: "GET", url: url), idempotent: true, authenticated: false)
            guard r.status == 200 else { throw RemoteError.failed("fetching it answered HTTP \(r.status)") }
            return r.body
        }
        return loader
    }

    /// Closes the connections and stops the in-process sandbox.
    public func close() async {
        await session.shutdown()
        await standIn?.stop()
    }
}
