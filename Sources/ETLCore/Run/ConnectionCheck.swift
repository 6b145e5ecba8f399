import Foundation
public import OrderedJSON

/// What `catalog-etl check FILE --connect` found: the service took the credentials and answered a read
/// of the target collection.
public struct ConnectionReport: Sendable {
    /// The service.
    public var service: TargetService
    /// Where it was reached: the endpoint, or the built-in sandbox's loopback address.
    public var endpoint: String
    /// Whether the endpoint is the built-in sandbox started for the check.
    public var sandbox: Bool
    /// What the read of the collection found.
    public var probe: CollectionProbe
    /// Seconds the check took (login and read).
    public var seconds: Double

    /// One line for the terminal.
    public var text: String {
        let at = sandbox ? "the built-in sandbox (\(endpoint))" : endpoint
        var line = "\(service.displayName) at \(at): credentials accepted; "
        if probe.exists {
            line += "\(probe.collection) exists"
            if let n = probe.reportedCount {
                line += " and holds \(n) item\(n == 1 ? "" : "s")"
            } else if let n = probe.itemsOnFirstPage {
                line += " (\(n) item\(n == 1 ? "" : "s") on its first page)"
            }
        } else {
            line += "\(probe.collection) does not exist yet (nothing was uploaded to it so far); a run creates it"
        }
        return line
    }

    /// The report as one JSON object.
    public var json: JSONValue {
        .obj([
            ("service", .string(service.rawValue)), ("endpoint", .string(endpoint)), ("sandbox", .bool(sandbox)),
            ("credentials", .string("accepted")), ("collection", .string(probe.collection)),
            ("collection_exists", .bool(probe.exists)),
            ("items_on_first_page", probe.itemsOnFirstPage.map { .int($0) } ?? .null),
            ("reported_count", probe.reportedCount.map { .int($0) } ?? .null),
            ("seconds", .number(String(format: "%.3f", seconds))),
        ])
    }
}

extension PipelineRunner {
    /// The most attempts a check's request gets: an unreachable endpoint is reported after one retry,
    /// not after a run's six.
    static let checkAttempts = 2

    /// `catalog-etl check FILE --connect`: logs in to the pipeline's upload target and reads at most one
    /// page of the collection (``ServiceClient/probe()``), creating and changing nothing. With
    /// `endpoint: sandbox` the built-in stand-in is started as a run starts it, on the run's state.
    /// - Parameters:
    ///   - outputRoot: The runs' folder: the ledger there (if any) is read; none is created.
    ///   - upload: The redactor and notices (the rest is the pipeline's).
    /// - Throws: ``RunFailure`` (exit 2) without an upload stage; ``RemoteFailure`` (exit 4) when the
    ///   credentials are refused or the endpoint cannot be reached.
    public static func checkConnection(_ pipeline: Pipeline, outputRoot: String, upload: UploadOptions) async throws
        -> ConnectionReport
    {
        guard var stage = pipeline.upload else {
            throw RunFailure(
                message: "\(pipeline.file): the pipeline has no upload stage, so there is no service to connect to",
                exitCode: 2)
        }
        stage.maxAttempts = min(stage.maxAttempts ?? checkAttempts, checkAttempts)
        var options = upload
        var scratch: String?
        if !FileManager.default.fileExists(atPath: Ledger.path(outputRoot: outputRoot, pipeline: pipeline.name)) {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
                "catalog-etl-check-\(UUID().uuidString)"
            ).path
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            scratch = dir
            options.ledgerPath = (dir as NSString).appendingPathComponent(Ledger.fileName)
        }
        defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
        let started = Date()
        let connection: ServiceConnection
        do {
            connection = try await ServiceConnection.open(
                pipeline: pipeline, stage: stage, outputRoot: outputRoot, options: options)
        } catch let e as RemoteError {
            throw RemoteFailure(description: e.description)
        }
        do {
            let probe = try await connection.client.probe()
            let report = ConnectionReport(
                service: stage.target, endpoint: connection.session.origin, sandbox: connection.standIn != nil,
                probe: probe, seconds: Date().timeIntervalSince(started))
            await connection.close()
            return report
        } catch {
            await connection.close()
            if let e = error as? RemoteError {
                if case .fatal(let m) = e { throw RemoteFailure(description: m) }
                throw RemoteFailure(
                    description:
                        "\(stage.target.displayName) at \(connection.session.origin) did not answer a read of the collection (\(e.description)); check the endpoint and that the service is up"
                )
            }
            throw error
        }
    }
}
