import Foundation
public import OrderedJSON

/// A record after normalisation: the target's fields in order, with where each came from.
public struct NormalisedRecord: Sendable {
    /// Where the source row came from.
    public var source: RowSource
    /// The fields as they will be sent.
    public var fields: [JSONField]
    /// The source column of each field (parallel to `fields`; nil for constants, templates and defaults).
    public var fieldColumns: [Column?]
    /// The product key (the read stage's `key` column, else the target's key field).
    public var key: String?

    /// Creates a record; `origins` names the source column of fields that came from one.
    public init(source: RowSource, fields: [JSONField], origins: [String: Column] = [:], key: String?) {
        self.source = source
        self.fields = fields
        self.fieldColumns = fields.map { origins[$0.key] }
        self.key = key
    }

    init(source: RowSource, fields: [JSONField], fieldColumns: [Column?], key: String?) {
        self.source = source
        self.fields = fields
        self.fieldColumns = fieldColumns
        self.key = key
    }

    /// The position of a field.
    @inline(__always) public func index(of field: String) -> Int? {
        fields.firstIndex { $0.key == field }
    }

    /// A field's value.
    public subscript(field: String) -> JSONValue? { index(of: field).map { fields[$0].value } }

    /// The source column a field came from.
    public func origin(of field: String) -> Column? { index(of: field).flatMap { fieldColumns[$0] } }

    /// The record as one JSON object.
    public var json: JSONValue { .object(fields) }
}
