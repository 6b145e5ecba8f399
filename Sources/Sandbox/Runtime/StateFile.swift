import Foundation

/// Keeps one service's state as a JSON file, written atomically (temporary file, then rename).
struct StateFile: Sendable {
    let url: URL

    init?(directory: String?, service: SandboxService) {
        guard let directory else { return nil }
        url = URL(fileURLWithPath: directory).appendingPathComponent(service.rawValue + ".json")
    }

    /// Loads the state, or nil when there is none.
    func load<State: Decodable>(_ type: State.Type) throws -> State? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let data = try Data(contentsOf: url)
        do {
            return try JSONDecoder().decode(State.self, from: data)
        } catch {
            throw SandboxSpecError(
                "\(url.path): the sandbox state cannot be read (\(error)); delete the file or choose another --state folder"
            )
        }
    }

    /// Writes the state: a temporary file in the same folder, then an atomic rename over the old one.
    func save<State: Encodable>(_ state: State) {
        do {
            let data = try JSONEncoder().encode(state)
            let temporary = url.deletingLastPathComponent()
                .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
            try data.write(to: temporary)
            if rename(temporary.path, url.path) != 0 {
                try? FileManager.default.removeItem(at: temporary)
            }
        } catch {
            // A state folder that cannot be written is reported at start; later failures are dropped.
        }
    }
}

/// What every service store offers to `/_sandbox/stats`.
protocol ServiceStore: Actor {
    /// Products, objects, media or assets held.
    func itemCount() -> Int
    /// Keys held more than once across all the service's collections.
    func duplicateKeyCount() -> Int
    /// What planting did so far.
    func plantedReport() -> JSONValue
}

/// Counts the distinct keys that occur more than once.
func duplicateCount<S: Sequence>(_ keys: S) -> Int where S.Element == String {
    var seen: [String: Int] = [:]
    for k in keys { seen[k, default: 0] += 1 }
    return seen.values.filter { $0 > 1 }.count
}

/// The record of one service's planting, for stats and persistence.
struct PlantRecord: Codable, Sendable, Equatable {
    var done = false
    var mutate: [String] = []
    var drop: [String] = []
    var extra: [String] = []
    var duplicate: [String] = []

    var json: JSONValue {
        func list(_ a: [String]) -> JSONValue { .array(a.map { .string($0) }) }
        return [
            "done": .bool(done), "mutate": list(mutate), "drop": list(drop), "extra": list(extra),
            "duplicate": list(duplicate),
        ]
    }
}

/// Picks up to `count` distinct indices from `0..<total` with the seeded generator.
func pickIndices(_ count: Int, of total: Int, using g: inout SeededGenerator, excluding: Set<Int> = []) -> [Int] {
    var pool = (0..<total).filter { !excluding.contains($0) }
    var picked: [Int] = []
    while picked.count < count && !pool.isEmpty {
        let i = Int(g.next() % UInt64(pool.count))
        picked.append(pool.remove(at: i))
    }
    return picked
}
