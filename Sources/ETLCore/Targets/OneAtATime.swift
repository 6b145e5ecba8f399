/// Runs one operation of a client at a time, in arrival order: for a service whose operation is
/// several requests that must not interleave (a first upload that creates the collection the next
/// ones use). The shared ``Pacer`` bounds requests in flight, not such operations.
actor OneAtATime {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Runs `body` when no other operation of this turn is running.
    /// - Parameter body: The operation.
    /// - Returns: What `body` returns.
    /// - Throws: What `body` throws (the turn is released either way).
    nonisolated func serially<T>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            await release()
            return value
        } catch {
            await release()
            throw error
        }
    }

    private func acquire() async {
        if busy {
            await withCheckedContinuation { waiters.append($0) }
        } else {
            busy = true
        }
    }

    private func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
