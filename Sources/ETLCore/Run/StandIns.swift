/// Starts local stand-ins of the services for `endpoint: sandbox`.
///
/// ETLCore does not know how the stand-ins are built: the executable passes the built-in sandbox
/// (`Sources/catalog-etl/SandboxLauncher.swift`) through ``UploadOptions/standIns``, and tests pass
/// their own.
public protocol StandInLauncher: Sendable {
    /// Starts a stand-in of `service` on a free loopback port that keeps its state under
    /// `stateDirectory`.
    func start(service: String, stateDirectory: String) async throws -> any StandIn
    /// Starts a stand-in as ``start(service:stateDirectory:)`` does, with the pipeline's
    /// `upload.sandbox.settings` (name → value as written) applied.
    /// - Throws: when a setting is unknown or its value cannot be read.
    func start(service: String, stateDirectory: String, settings: [String: String]) async throws -> any StandIn
    /// The names `upload.sandbox.settings` may use (empty: the launcher takes none).
    var settingNames: [String] { get }
}

extension StandInLauncher {
    /// A launcher without settings: none may be given.
    public func start(service: String, stateDirectory: String, settings: [String: String]) async throws
        -> any StandIn
    {
        guard settings.isEmpty else {
            throw StandInSettingsUnsupported(names: settings.keys.sorted())
        }
        return try await start(service: service, stateDirectory: stateDirectory)
    }

    /// None.
    public var settingNames: [String] { [] }
}

/// Settings given to a launcher that takes none.
public struct StandInSettingsUnsupported: Error, CustomStringConvertible {
    /// The settings given.
    public var names: [String]
    /// The message.
    public var description: String {
        "this stand-in launcher takes no settings (upload.sandbox.settings: \(names.joined(separator: ", ")))"
    }
}

/// A running stand-in of one service, started by a ``StandInLauncher``.
public protocol StandIn: Sendable {
    /// The service's origin on the stand-in (`http://127.0.0.1:50123/sartiq`).
    var origin: String { get }
    /// The stand-in's root URL (`http://127.0.0.1:50123`): its image CDN is served below it.
    var rootURL: String { get }
    /// The folder the stand-in keeps its state in.
    var stateDirectory: String { get }
    /// Stops it.
    func stop() async
}

/// The stand-in's image CDN (`GET /_sandbox/images/<host>/<path>`): where a stand-in at `root`
/// serves the image of an http(s) URL (`https://cdn.x/a/b.jpg` →
/// `<root>/_sandbox/images/cdn.x/a/b.jpg`), or nil when `url` is not an http(s) URL.
enum StandInImages {
    static func mirror(_ url: String, root: String) -> String? {
        for scheme in ["https://", "http://"] where url.lowercased().hasPrefix(scheme) {
            return root + "/_sandbox/images/" + url.dropFirst(scheme.count)
        }
        return nil
    }
}
