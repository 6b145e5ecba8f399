import Foundation
import OrderedJSON

/// Small helpers shared by the clients: credentials, error texts,
/// chunking, id lists kept in ``ServiceClient/state`` and the raw export file.
enum ClientKit {
    /// The credential `name` (or its `alias`) of the upload stage, exactly as given.
    /// - Parameters:
    ///   - stage: The upload stage.
    ///   - name: The credential's key in the pipeline (`token`, `api_key`, `password`, …).
    ///   - alias: Another key accepted for it (`email` for `username`).
    ///   - example: An example line for the pipeline; by default `name: ${SERVICE_NAME}`.
    /// - Throws: ``ConfigError`` (a pipeline-file problem, exit 2) when it is absent or blank.
    static func credential(_ stage: UploadStage, _ name: String, alias: String? = nil, example: String? = nil) throws
        -> String
    {
        for key in [name] + (alias.map { [$0] } ?? []) {
            if let value = stage.credentials[key], !value.trimmingCharacters(in: .whitespaces).isEmpty { return value }
        }
        let line = example ?? "\(name): ${\(stage.target.rawValue.uppercased())_\(name.uppercased())}"
        throw missing(
            "\(stage.target.displayName): the upload stage has no \(name); add \"\(line)\" to the pipeline's upload stage and set that variable"
        )
    }

    /// The pipeline's collection name.
    /// - Throws: ``ConfigError`` (exit 2) when it is absent or blank.
    static func collection(_ stage: UploadStage, meaning: String) throws -> String {
        guard let name = stage.collection?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
            throw missing(
                "\(stage.target.displayName): the upload stage has no collection; add \"collection: <name>\" (\(meaning))"
            )
        }
        return name
    }

    private static func missing(_ message: String) -> ConfigError {
        ConfigError([ConfigDiagnostic(file: "upload", line: nil, column: nil, message: message)])
    }

    /// The message a service put in an error body (Mixpeek `error.message`, Wickson `message` and
    /// `error.code`, Scenario `error`, FastAPI `detail`), else an excerpt of the body; with the status,
    /// and with the session's secrets redacted (a service may echo what it was sent).
    static func message(_ response: HTTPResult, _ session: ServiceSession) -> String {
        var text: String? = nil
        if let json = response.json {
            if let m = json["error"]?["message"]?.textValue {
                text = m
            } else if let m = json["message"]?.textValue {
                let code = json["error"]?["code"]?.textValue ?? json["code"]?.textValue
                text = code.map { "\(m) (\($0))" } ?? m
            } else if let m = json["error"]?.textValue {
                text = m
            } else if let m = json["detail"]?.textValue {
                text = m
            }
        }
        return session.redactor.redact("\(response.status) \(text ?? response.excerpt)")
    }

    /// `items` in consecutive chunks of at most `size`.
    static func chunks<T>(_ items: [T], of size: Int) -> [[T]] {
        let n = max(1, size)
        return stride(from: 0, to: items.count, by: n).map { Array(items[$0..<min($0 + n, items.count)]) }
    }

    /// A list of ids as one ``ServiceClient/state`` value (space-separated; ids never hold spaces).
    static func joinIDs(_ ids: [String]) -> String { ids.joined(separator: " ") }

    /// The ids of a ``joinIDs(_:)`` value (nil or empty gives none).
    static func splitIDs(_ text: String?) -> [String] {
        (text ?? "").split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
    }

    /// The members of a JSON object as a dictionary (the first of repeated keys wins).
    static func dictionary(_ value: JSONValue?) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for field in value?.objectValue ?? [] where out[field.key] == nil { out[field.key] = field.value }
        return out
    }

    /// Writes `items` as one JSON array to `directory/name` and returns the file's path.
    /// - Throws: ``RemoteError/failed(_:)`` naming the file when it cannot be written.
    static func saveExport(_ items: [JSONValue], directory: String, name: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(JSONValue.array(items).prettyText.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw RemoteError.failed(
                "\(path): cannot write the export (\(error.localizedDescription)); check the run folder is writable")
        }
        return path
    }

    /// A query component, percent-escaped.
    static func query(_ pairs: [(String, String)]) -> String {
        pairs.isEmpty
            ? ""
            : "?"
                + pairs.map { "\(FormEncoding.escape($0.0))=\(FormEncoding.escape($0.1))" }
                .joined(separator: "&")
    }
}
