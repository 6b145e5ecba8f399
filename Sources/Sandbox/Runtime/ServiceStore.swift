import Foundation
import OrderedJSON

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
