import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The group stage's rows on their way from the first pass to the groups: one byte buffer per
/// bucket, written to a file of its own in the run folder once all buffers together pass the
/// memory limit, and read back one bucket at a time.
///
/// A row is `key, layout, row, record, cells`, each length-prefixed or fixed-width (little endian).
final class GroupSpill {
    let directory: String
    let memoryLimit: Int
    private(set) var buffers: [[UInt8]] = []
    private var fileBytes: [Int] = []
    private var buffered = 0
    /// Bytes written to disk so far.
    private(set) var spilledBytes = 0

    init(directory: String, memoryLimit: Int) {
        self.directory = directory
        self.memoryLimit = memoryLimit
    }

    deinit {
        for b in fileBytes.indices where fileBytes[b] > 0 { unlink(path(b)) }
    }

    var bucketCount: Int { buffers.count }

    func path(_ bucket: Int) -> String {
        (directory as NSString).appendingPathComponent(".group-spill-\(bucket)")
    }

    /// Starts a new bucket; returns its number.
    func addBucket() -> Int {
        buffers.append([])
        fileBytes.append(0)
        return buffers.count - 1
    }

    /// Appends an encoded row to a bucket, spilling every buffer once they pass the limit.
    func append(_ bytes: [UInt8], to bucket: Int) throws {
        buffers[bucket].append(contentsOf: bytes)
        buffered += bytes.count
        if buffered > memoryLimit { try spill() }
    }

    private func spill() throws {
        for b in buffers.indices where !buffers[b].isEmpty {
            let p = path(b)
            guard let f = fopen(p, "ab") else {
                throw WriteError(
                    path: p, message: "cannot write the group stage's spill file (\(String(cString: strerror(errno))))")
            }
            let n = buffers[b].withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
            let closed = fclose(f)
            guard n == buffers[b].count, closed == 0 else {
                throw WriteError(
                    path: p, message: "cannot write the group stage's spill file (\(String(cString: strerror(errno))))")
            }
            fileBytes[b] += n
            spilledBytes += n
            buffers[b] = []
        }
        buffered = 0
    }

    /// A bucket's bytes (its file, then what is still in memory); the bucket is emptied.
    func take(_ bucket: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        if fileBytes[bucket] > 0 {
            let p = path(bucket)
            guard let data = FileManager.default.contents(atPath: p) else {
                throw ReadError(.unreadable, file: p, message: "cannot read back the group stage's spill file")
            }
            out = [UInt8](data)
            unlink(p)
            fileBytes[bucket] = 0
        }
        out.append(contentsOf: buffers[bucket])
        buffered -= buffers[bucket].count
        buffers[bucket] = []
        return out
    }
}

/// Writes and reads the spill's row encoding.
enum SpillCoding {
    static func put(_ v: Int, _ out: inout [UInt8]) {
        var x = UInt64(bitPattern: Int64(v))
        for _ in 0..<8 {
            out.append(UInt8(x & 0xFF))
            x >>= 8
        }
    }

    static func put(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { u in
            put(u.count, &out)
            out.append(contentsOf: u)
        }
    }

    static func put(_ c: CellValue, _ out: inout [UInt8]) {
        switch c {
        case .empty: out.append(0)
        case .text(let s):
            out.append(1)
            put(s, &out)
        case .number(let d):
            out.append(2)
            put(Int(Int64(bitPattern: d.bitPattern)), &out)
        case .decimal(let s):
            out.append(3)
            put(s, &out)
        case .bool(let b): out.append(b ? 5 : 4)
        case .date(let d):
            out.append(6)
            for part in [d.year, d.month, d.day, d.hour, d.minute, d.second, d.millisecond] { put(part, &out) }
        case .error(let e):
            out.append(7)
            put(e, &out)
        }
    }

    /// Reads what `put` wrote, from `offset` on.
    struct Cursor {
        let bytes: [UInt8]
        var offset = 0

        mutating func int() -> Int {
            var x: UInt64 = 0
            for k in 0..<8 { x |= UInt64(bytes[offset + k]) << (8 * UInt64(k)) }
            offset += 8
            return Int(Int64(bitPattern: x))
        }

        mutating func string() -> String {
            let n = int()
            let s = bytes[offset..<(offset + n)].withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
            offset += n
            return s
        }

        mutating func cell() -> CellValue {
            let tag = bytes[offset]
            offset += 1
            switch tag {
            case 1: return .text(string())
            case 2: return .number(Double(bitPattern: UInt64(bitPattern: Int64(int()))))
            case 3: return .decimal(string())
            case 4: return .bool(false)
            case 5: return .bool(true)
            case 6:
                let p = (0..<7).map { _ in int() }
                return .date(
                    LocalDateTime(
                        year: p[0], month: p[1], day: p[2], hour: p[3], minute: p[4], second: p[5], millisecond: p[6]))
            case 7: return .error(string())
            default: return .empty
            }
        }

        var atEnd: Bool { offset >= bytes.count }
    }
}
