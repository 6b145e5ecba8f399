public import Foundation
public import Logging
import OrderedJSON

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler that writes every message as one JSON object on one line, for schedulers
/// (`--log-format json`).
///
/// Each line starts with the keys of ``requiredKeys`` in that order — `ts` (RFC 3339, UTC, with
/// milliseconds), `level`, `run_id`, `pipeline`, `stage`, `event` — then `message` (the human text),
/// then the other metadata of the logger and the message, by key. A key the logger has no value for is
/// `null`, so every line has every key. Every string value passes through the output's ``Redactor``
/// before it is written.
public struct JSONLogHandler: LogHandler {
    /// The keys every line carries, first and in this order.
    public static let requiredKeys = ["ts", "level", "run_id", "pipeline", "stage", "event"]

    /// The logger's metadata (`run_id`, `pipeline`, `stage` …), below the message's own.
    public var metadata: Logger.Metadata = [:]
    /// The lowest level written.
    public var logLevel: Logger.Level = .info
    /// Adds metadata to every message (task-local context).
    public var metadataProvider: Logger.MetadataProvider?
    private let output: LogLineOutput
    private let now: @Sendable () -> Date

    /// Creates a handler that writes to `output`.
    /// - Parameters:
    ///   - output: Where whole lines go (and the redactor they pass through).
    ///   - now: The clock for `ts` (tests pass a fixed one).
    public init(output: LogLineOutput, now: @escaping @Sendable () -> Date = { Date() }) {
        self.output = output
        self.now = now
    }

    /// One metadata value of the logger.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the event as one line.
    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let own = event.metadata { all.merge(own) { _, new in new } }
        output.write(
            Self.line(
                time: now(), level: event.level, message: event.message.description, metadata: all,
                redactor: output.redactor))
    }

    /// The JSON text of one line (without the line end).
    /// - Parameters:
    ///   - time: The `ts`.
    ///   - level: swift-log's level, written as its name (`info`, `warning`, `error`, `critical` …).
    ///   - message: The human text, written as `message`.
    ///   - metadata: `run_id`, `pipeline`, `stage`, `event` and the event's fields.
    ///   - redactor: Applied to every string (keys and values).
    /// - Returns: One JSON object on one line.
    public static func line(
        time: Date, level: Logger.Level, message: String, metadata: Logger.Metadata, redactor: Redactor?
    ) -> String {
        var fields: [(String, JSONValue)] = [("ts", .string(timestamp(time))), ("level", .string(level.rawValue))]
        for key in requiredKeys.dropFirst(2) {
            fields.append((key, metadata[key].map { value($0, redactor) } ?? .null))
        }
        fields.append(("message", .string(redactor?.redact(message) ?? message)))
        let fixed = Set(requiredKeys + ["message"])
        for key in metadata.keys.sorted() where !fixed.contains(key) {
            if let v = metadata[key] { fields.append((redactor?.redact(key) ?? key, value(v, redactor))) }
        }
        return JSONValue.obj(fields).jsonText
    }

    /// `2026-12-05T08:01:02.345Z`: RFC 3339 in UTC with milliseconds.
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000)
        let millis = Int(milliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let ms = millis < 10 ? "00\(millis)" : millis < 100 ? "0\(millis)" : "\(millis)"
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(ms)Z"
    }

    /// A metadata value as JSON: integers, finite floating-point numbers and booleans given as
    /// `stringConvertible` keep their type; everything else is a string, redacted.
    static func value(_ v: Logger.MetadataValue, _ redactor: Redactor?) -> JSONValue {
        switch v {
        case .string(let s): return .string(redactor?.redact(s) ?? s)
        case .stringConvertible(let c):
            switch c {
            case let b as Bool: return .bool(b)
            case let n as Int: return .int(n)
            case let n as Int64: return .number(String(n))
            case let n as Double where n.isFinite: return .number(String(n))
            default:
                let s = c.description
                return .string(redactor?.redact(s) ?? s)
            }
        case .array(let items): return .array(items.map { value($0, redactor) })
        case .dictionary(let d):
            return .object(d.keys.sorted().compactMap { k in d[k].map { JSONField(k, value($0, redactor)) } })
        }
    }
}

/// Where log lines go: a file descriptor (standard error) or a closure (tests). Each line is written
/// whole, with its line end, under a lock, so lines from concurrent tasks never interleave.
public final class LogLineOutput: @unchecked Sendable {
    /// Applied to every string of every line (the run adds its credentials and tokens as it learns them).
    public let redactor: Redactor
    private let lock = NSLock()
    private let body: @Sendable (String) -> Void

    /// Writes to a file descriptor (2: standard error).
    public convenience init(fileDescriptor: Int32, redactor: Redactor) {
        self.init(redactor: redactor) { line in LogLineOutput.writeAll(line, to: fileDescriptor) }
    }

    /// Hands every line (with its line end) to `body`.
    public init(redactor: Redactor, _ body: @escaping @Sendable (String) -> Void) {
        self.redactor = redactor
        self.body = body
    }

    /// Writes one line; a line end is added.
    public func write(_ line: String) {
        lock.withLock { body(line + "\n") }
    }

    /// Writes all of `text` to `fd`, going on after short writes.
    public static func writeAll(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)
        let total = bytes.count
        var offset = 0
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while offset < total {
                let n = Glibc.write(fd, base + offset, total - offset)
                if n <= 0 { break }
                offset += n
            }
        }
    }
}
