import Foundation

/// Runs a record reader on a second thread, a few batches ahead of the consumer.
///
/// The CSV and JSON readers use it for large files, so parsing (finding fields, validating and
/// copying text) overlaps with whatever the consumer does with each record (converting, writing).
/// Records, errors and warnings arrive in file order: an error is thrown after the records before
/// it, and ``warnings`` and ``columns`` are as of the end of the latest batch handed over. Memory is
/// bounded by `depth` batches of `batchSize` records. Nothing here is specific to CSV or JSON: any
/// ``RecordReader`` can be wrapped.
final class CSVAndJSONPrefetcher {
    /// One batch handed from the parsing thread to the consumer.
    private struct Batch: Sendable {
        var records: [Record]
        var columns: [Column]
        var warnings: WarningLog
        var error: (any Error)?
        var finished: Bool
    }

    /// The queue between the two threads, guarded by `condition`.
    private final class Channel: @unchecked Sendable {
        let condition = NSCondition()
        var batches: [Batch] = []
        var cancelled = false
    }

    /// Hands a reader to the parsing thread, which is then its only user.
    private struct Transfer: @unchecked Sendable {
        let reader: any RecordReader
    }

    /// The columns as of the latest batch handed over.
    private(set) var columns: [Column]
    /// The warnings as of the latest batch handed over.
    private(set) var warnings: WarningLog
    private let channel = Channel()
    private var current: [Record] = []
    private var index = 0
    private var pendingError: (any Error)?
    private var finished = false

    /// Starts parsing `reader` on a new thread.
    /// - Parameters:
    ///   - reader: a reader no one else will use from now on.
    ///   - batchSize: records per batch.
    ///   - depth: how many batches may wait for the consumer.
    init(_ reader: any RecordReader, batchSize: Int = 1024, depth: Int = 2) {
        columns = reader.columns
        warnings = reader.warnings
        let transfer = Transfer(reader: reader)
        let channel = self.channel
        let size = max(batchSize, 1)
        let limit = max(depth, 1)
        let thread = Thread {
            Self.produce(transfer.reader, into: channel, batchSize: size, depth: limit)
        }
        thread.name = "catalog-etl parse-ahead"
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit {
        channel.condition.lock()
        channel.cancelled = true
        channel.batches.removeAll()
        channel.condition.broadcast()
        channel.condition.unlock()
    }

    /// The next record, or nil at the end.
    /// - Throws: whatever the wrapped reader threw, after the records that came before it.
    func next() throws -> Record? {
        while true {
            if index < current.count {
                let r = current[index]
                index += 1
                return r
            }
            if let e = pendingError { throw e }
            if finished { return nil }
            channel.condition.lock()
            while channel.batches.isEmpty { channel.condition.wait() }
            let batch = channel.batches.removeFirst()
            channel.condition.broadcast()
            channel.condition.unlock()
            current = batch.records
            index = 0
            columns = batch.columns
            warnings = batch.warnings
            pendingError = batch.error
            finished = batch.finished
        }
    }

    /// The parsing thread: fills batches until the reader ends, fails, or the consumer goes away.
    private static func produce(_ reader: any RecordReader, into channel: Channel, batchSize: Int, depth: Int) {
        while true {
            var records: [Record] = []
            records.reserveCapacity(batchSize)
            var failure: (any Error)?
            var done = false
            do {
                while records.count < batchSize {
                    guard let r = try reader.next() else {
                        done = true
                        break
                    }
                    records.append(r)
                }
            } catch {
                failure = error
                done = true
            }
            let batch = Batch(
                records: records, columns: reader.columns, warnings: reader.warnings, error: failure, finished: done)
            channel.condition.lock()
            while channel.batches.count >= depth && !channel.cancelled { channel.condition.wait() }
            if channel.cancelled {
                channel.condition.unlock()
                return
            }
            channel.batches.append(batch)
            channel.condition.broadcast()
            channel.condition.unlock()
            if done { return }
        }
    }

    /// Whether to parse ahead: only when `CATALOG_ETL_PARSE_AHEAD=1` is in the environment.
    ///
    /// It used to be on for files of 8 MiB and more, but measured on the 1,000,000-row bench
    /// catalog (2 cores) a dry run was slower with it: CSV 23.8 s against 21.4 s, JSON Lines 25.0 s
    /// against 21.4 s. Every cell's `String` is allocated on the parsing thread and freed on the
    /// consumer's, and glibc's malloc then spends the difference waiting on the parsing thread's
    /// arena lock. `convert` no longer makes `String`s for CSV or JSON at all; the dry run's
    /// second core goes to writing `normalised.jsonl` instead (``OutputSink``'s background mode).
    static func worthIt(path: String) -> Bool {
        ProcessInfo.processInfo.environment["CATALOG_ETL_PARSE_AHEAD"] == "1"
    }
}
