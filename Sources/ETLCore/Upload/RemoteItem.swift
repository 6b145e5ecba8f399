import Foundation
public import OrderedJSON

/// What a service holds for one item, as its export or listing says.
public struct RemoteItem: Sendable {
    /// The product key (SKU) the service reports, when it reports one.
    public var key: String?
    /// The service's own id.
    public var remoteID: String
    /// The fields the service returned, by target field name.
    public var fields: [String: JSONValue]
    /// Errors the service recorded for this item (Pixyle's per-product errors).
    public var errors: [String]

    /// Creates a remote item.
    public init(key: String?, remoteID: String, fields: [String: JSONValue], errors: [String] = []) {
        self.key = key
        self.remoteID = remoteID
        self.fields = fields
        self.errors = errors
    }
}
