import Foundation

/// A value behind a lock, for state shared by request handlers that never suspends while held.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// A sliding-window counter per key: at most `limit` events per `window` seconds.
struct RateWindow: Sendable {
    let limit: Int
    let window: Double
    private var events: [String: [Double]] = [:]

    init(limit: Int, window: Double) {
        self.limit = limit
        self.window = window
    }

    /// Records an event for `key` at `now` if the window has room; otherwise returns the seconds to wait.
    /// - Returns: nil when admitted, or the seconds until the oldest event leaves the window.
    mutating func admit(_ key: String, now: Double) -> Double? {
        var list = events[key, default: []]
        let cutoff = now - window
        if let firstKept = list.firstIndex(where: { $0 > cutoff }) {
            if firstKept > 0 { list.removeFirst(firstKept) }
        } else {
            list.removeAll(keepingCapacity: true)
        }
        if list.count >= limit {
            let wait = (list.first ?? now) + window - now
            events[key] = list
            return max(wait, 0.001)
        }
        list.append(now)
        events[key] = list
        return nil
    }

    /// Events of `key` still in the window, and the time the oldest leaves it.
    func usage(_ key: String, now: Double) -> (count: Int, resetAt: Double) {
        let list = (events[key] ?? []).filter { $0 > now - window }
        return (list.count, (list.first ?? now) + window)
    }
}
