import Foundation
import OrderedJSON

/// Reads the send spool (`send.jsonl`) line by line into ``SendItem``s, each with the content hash the
/// validate pass wrote beside its record.
final class SendSpoolReader {
    private let lines: SendSpoolLines
    private let hashing: Bool

    /// - Parameter hashing: Whether each item needs its content hash (the upload does, reconcile does
    ///   not); a line without one has it computed from its record.
    init(path: String, hashing: Bool = true) throws {
        lines = try SendSpoolLines(path: path)
        self.hashing = hashing
    }

    func next() throws -> SendItem? {
        while let v = try lines.next() {
            guard let record = v["record"], let key = v["key"]?.textValue else { continue }
            var hash = v["hash"]?.textValue ?? ""
            if hashing && hash.isEmpty {
                // A spool written before the hash was part of it: the same value, from the record's text.
                var text: [UInt8] = []
                record.append(to: &text)
                hash = ContentHash.sha256Hex(text)
            }
            var item = SendItem(
                key: key, file: v["file"]?.textValue ?? "", sheet: v["sheet"]?.textValue,
                row: v["row"]?.integerValue ?? 0, record: record, hash: hash)
            if let rows = v["rows"]?.arrayValue { item.rows = rows.compactMap(\.integerValue) }
            return item
        }
        return nil
    }
}
