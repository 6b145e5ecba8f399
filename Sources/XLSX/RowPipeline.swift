#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// A bounded hand-over of row batches from a producer thread (inflate + parse) to the reading thread.
///
/// All shared state is guarded by one pthread mutex with a condition variable: the producer waits while
/// `slots` batches are queued (memory stays bounded) and the consumer waits while none is. ``cancel()``
/// (the reader was dropped early) wakes a blocked producer, which then stops and releases the file and
/// the parser.
///
/// Not `DispatchSemaphore`: libdispatch traps when a semaphore is released while its count is below its
/// initial value, which is exactly the state a reader dropped mid-sheet leaves behind.
final class RowPipeline: @unchecked Sendable {
    /// What the producer hands over.
    enum Item: Sendable {
        /// The next rows, in sheet order, and the warnings met while parsing them.
        case rows([XLSXRow], [XLSXWarning])
        /// The producer failed; nothing follows.
        case failure(XLSXError)
        /// The sheet ended; nothing follows.
        case end
    }

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Batches the producer may queue ahead: `initialSlots` until the first ``take()``, then `steadySlots`.
    private var slots: Int
    private let steadySlots: Int
    private var items: [Item] = []
    private var head = 0
    private var cancelled = false

    private init(slots: Int, initialSlots: Int) {
        steadySlots = max(1, slots)
        self.slots = max(steadySlots, initialSlots)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(lock)
        changed.deallocate()
        lock.deallocate()
    }

    /// Starts `producer` on its own thread.
    /// - Parameters:
    ///   - slots: batches queued ahead in steady state.
    ///   - initialSlots: batches queued ahead before the reader takes its first, while the workbook
    ///     loads its shared strings on the reader's thread (the sheet is parsed meanwhile).
    /// - Returns: the pipeline, or nil when no thread could be started (the caller then reads inline).
    static func start(_ producer: SheetRowProducer, slots: Int = 4, initialSlots: Int = 4) -> RowPipeline? {
        let pipeline = RowPipeline(slots: slots, initialSlots: initialSlots)
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
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        while !cancelled && items.count - head >= slots { pthread_cond_wait(changed, lock) }
        if cancelled { return false }
        items.append(item)
        pthread_cond_broadcast(changed)
        return true
    }

    /// Consumer side: waits for the next item.
    func take() -> Item {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        slots = steadySlots
        while items.count == head { pthread_cond_wait(changed, lock) }
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        pthread_cond_broadcast(changed)
        return item
    }

    /// Consumer side: the reader is gone; wakes the producer so it stops.
    func cancel() {
        pthread_mutex_lock(lock)
        cancelled = true
        items.removeAll()
        head = 0
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(lock)
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
                    guard let batch = try producer.nextBatch() else {
                        _ = pipeline.put(.end)
                        return
                    }
                    if !pipeline.put(.rows(batch.rows, batch.warnings)) { return }
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
