internal import Dispatch

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A bounded hand-over of row batches from a producer thread (inflate + parse) to the reading thread.
///
/// All shared state is guarded by `mutex`; `free` counts empty slots and `filled` ready items, so the
/// producer blocks when the consumer falls behind (memory stays bounded) and the consumer blocks when
/// the producer does. ``cancel()`` (the reader was dropped early) wakes a blocked producer, which then
/// stops and releases the file and the parser.
final class RowPipeline: @unchecked Sendable {
    /// What the producer hands over.
    enum Item: Sendable {
        /// The next rows, in sheet order.
        case rows([XLSXRow])
        /// The producer failed; nothing follows.
        case failure(XLSXError)
        /// The sheet ended; nothing follows.
        case end
    }

    private let mutex = DispatchSemaphore(value: 1)
    private let free: DispatchSemaphore
    private let filled = DispatchSemaphore(value: 0)
    private var items: [Item] = []
    private var cancelled = false

    private init(slots: Int) {
        free = DispatchSemaphore(value: slots)
    }

    /// Starts `producer` on its own thread.
    /// - Returns: the pipeline, or nil when no thread could be started (the caller then reads inline).
    static func start(_ producer: SheetRowProducer, slots: Int = 4) -> RowPipeline? {
        let pipeline = RowPipeline(slots: slots)
        let job = Job(producer: producer, pipeline: pipeline)
        let arg = Unmanaged.passRetained(job).toOpaque()
        #if canImport(Glibc)
            var thread = pthread_t()
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    guard let raw else { return nil }
                    Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().run()
                    return nil
                }, arg)
        #else
            var thread: pthread_t?
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    Unmanaged<Job>.fromOpaque(raw).takeRetainedValue().run()
                    return nil
                }, arg)
        #endif
        guard rc == 0 else {
            Unmanaged<Job>.fromOpaque(arg).release()
            return nil
        }
        #if canImport(Glibc)
            pthread_detach(thread)
        #else
            if let thread { pthread_detach(thread) }
        #endif
        return pipeline
    }

    /// Producer side: waits for a free slot, then queues `item`.
    /// - Returns: false when the reader was dropped (the producer should stop).
    func put(_ item: Item) -> Bool {
        free.wait()
        mutex.wait()
        defer { mutex.signal() }
        if cancelled { return false }
        items.append(item)
        filled.signal()
        return true
    }

    /// Consumer side: waits for the next item.
    func take() -> Item {
        filled.wait()
        mutex.wait()
        let item = items.removeFirst()
        mutex.signal()
        free.signal()
        return item
    }

    /// Consumer side: the reader is gone; wakes the producer so it stops.
    func cancel() {
        mutex.wait()
        cancelled = true
        items.removeAll()
        mutex.signal()
        free.signal()
    }

    /// The producer's thread body; owns the producer exclusively once started.
    private final class Job: @unchecked Sendable {
        private let producer: SheetRowProducer
        private let pipeline: RowPipeline

        init(producer: SheetRowProducer, pipeline: RowPipeline) {
            self.producer = producer
            self.pipeline = pipeline
        }

        func run() {
            while true {
                do {
                    guard let rows = try producer.nextBatch() else {
                        _ = pipeline.put(.end)
                        return
                    }
                    if !pipeline.put(.rows(rows)) { return }
                } catch let e as XLSXError {
                    _ = pipeline.put(.failure(e))
                    return
                } catch {
                    _ = pipeline.put(.failure(XLSXError(.unreadable, file: "", message: "\(error)")))
                    return
                }
            }
        }
    }
}
