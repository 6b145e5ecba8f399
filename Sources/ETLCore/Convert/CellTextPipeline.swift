import Foundation

/// The cell texts of a run of records, as valid UTF-8 back to back: what ``CellTextPipeline``'s
/// parsing thread hands to the writing one. Batches are recycled, so their arrays keep their
/// capacity and no cell becomes a `String`.
final class CellTextBatch: @unchecked Sendable {
    /// One record of the batch.
    enum Entry {
        /// A record whose `count` cells follow the previous entry's in ``CellTextBatch/cellEnds``.
        case cells(row: Int, count: Int, columns: [Column])
        /// A record that came whole (a padded ragged row, the read-ahead first row).
        case record(Record)
    }

    /// Every cell's text, back to back.
    let bytes = WriteBuffer(capacity: 1 << 20)
    /// The end offset of each cell in `bytes`.
    var cellEnds: [Int] = []
    /// The records, in file order.
    var entries: [Entry] = []
    /// What stopped the parser, after the entries before it.
    var error: (any Error)?
    /// Whether the input ended with this batch.
    var finished = false

    /// Whether the batch is full enough to hand over.
    var isFull: Bool { bytes.count >= 1 << 19 || entries.count >= 2048 }

    func reset() {
        bytes.removeAll()
        cellEnds.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
        error = nil
        finished = false
    }
}

/// Parsing on a thread of its own, writing on the caller's: `convert`'s two stages for CSV and
/// JSON input, so the work uses both cores (polars, the anchor, uses both too).
///
/// The parsing side finds fields, checks and decodes their bytes (UTF-8, doubled quotes,
/// Windows-1252, JSON escapes) and copies each cell's text into a batch; the caller escapes the
/// texts into CSV or JSON Lines and writes them. Errors arrive after the records before them, as
/// from any reader. Nothing is allocated per cell on either side, so the threads never free each
/// other's memory. Whole records are not handed between
/// threads: each cell's `String` would be allocated on one thread and freed on the other, and the
/// threads would wait on glibc's arena lock.
final class CellTextPipeline {
    private final class Channel: @unchecked Sendable {
        let condition = NSCondition()
        var full: [CellTextBatch] = []
        var free: [CellTextBatch] = []
        var cancelled = false
        var running = true
    }

    /// Hands the fill function to the parsing thread, which is then its only user.
    private struct Transfer: @unchecked Sendable {
        let fill: (CellTextBatch) throws -> Bool
    }

    private let channel = Channel()
    private static let depth = 3

    /// Starts parsing.
    /// - Parameter fill: adds records to a batch until it is full (true) or the input ends (false);
    ///   it runs on the parsing thread only, and nothing else may touch what it uses until
    ///   ``next()`` has returned nil or thrown.
    init(fill: @escaping (CellTextBatch) throws -> Bool) {
        let transfer = Transfer(fill: fill)
        let channel = self.channel
        for _ in 0..<(Self.depth + 1) { channel.free.append(CellTextBatch()) }
        let thread = Thread { Self.produce(transfer.fill, channel) }
        thread.name = "catalog-etl parse"
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit {
        channel.condition.lock()
        channel.cancelled = true
        channel.condition.broadcast()
        while channel.running { channel.condition.wait() }
        channel.condition.unlock()
    }

    /// The next batch (give it back with ``recycle(_:)``), or nil once the input has ended and the
    /// parsing thread has stopped.
    func next() -> CellTextBatch? {
        channel.condition.lock()
        defer { channel.condition.unlock() }
        while channel.full.isEmpty && channel.running { channel.condition.wait() }
        if channel.full.isEmpty { return nil }
        let batch = channel.full.removeFirst()
        channel.condition.broadcast()
        return batch
    }

    /// Returns a batch for reuse.
    func recycle(_ batch: CellTextBatch) {
        batch.reset()
        channel.condition.lock()
        channel.free.append(batch)
        channel.condition.broadcast()
        channel.condition.unlock()
    }

    private static func produce(_ fill: (CellTextBatch) throws -> Bool, _ channel: Channel) {
        var done = false
        while !done {
            channel.condition.lock()
            while channel.free.isEmpty && !channel.cancelled { channel.condition.wait() }
            if channel.cancelled {
                channel.running = false
                channel.condition.broadcast()
                channel.condition.unlock()
                return
            }
            let batch = channel.free.removeLast()
            channel.condition.unlock()
            do {
                done = try !fill(batch)
            } catch {
                batch.error = error
                done = true
            }
            batch.finished = done
            channel.condition.lock()
            channel.full.append(batch)
            if done { channel.running = false }
            channel.condition.broadcast()
            channel.condition.unlock()
        }
    }
}
