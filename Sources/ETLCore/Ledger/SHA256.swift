/// Content hashes for change detection.
public enum ContentHash {
    /// Lower-case hex SHA-256 of `bytes` (pure Swift; FIPS 180-4).
    ///
    /// Contiguous collections (`[UInt8]`, `ArraySlice`, `String.UTF8View` of a native string, `Data`) are
    /// hashed in place; any other collection is copied into an array once.
    public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
        let digest =
            bytes.withContiguousStorageIfAvailable { SHA256.digest($0) }
            ?? Array(bytes).withUnsafeBufferPointer { SHA256.digest($0) }
        return SHA256.hex(digest)
    }
}

/// SHA-256 over a byte buffer, one 64-byte block at a time, with no allocation per block.
enum SHA256 {
    /// The eight words of a digest (`H0`…`H7` of FIPS 180-4 §6.2).
    typealias State = (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)

    /// The round constants (FIPS 180-4 §4.2.2).
    static let k: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// The initial hash value (FIPS 180-4 §5.3.3).
    static let initial: State = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )

    /// The digest of `message`.
    static func digest(_ message: UnsafeBufferPointer<UInt8>) -> State {
        var state = initial
        let whole = message.count / 64 * 64
        k.withUnsafeBufferPointer { kBuffer in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { wBuffer in
                guard let k = kBuffer.baseAddress, let w = wBuffer.baseAddress else { return }
                if let base = message.baseAddress, whole > 0 {
                    var offset = 0
                    while offset < whole {
                        compress(&state, block: UnsafeRawPointer(base + offset), w: w, k: k)
                        offset += 64
                    }
                }
                // The tail, the 0x80 marker, zeros and the bit length: one or two more blocks.
                withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { tail in
                    let rest = message.count - whole
                    for i in 0..<rest { tail[i] = message[whole + i] }
                    tail[rest] = 0x80
                    let blocks = rest + 1 + 8 <= 64 ? 1 : 2
                    let end = blocks * 64
                    for i in (rest + 1)..<(end - 8) { tail[i] = 0 }
                    let bits = UInt64(message.count) &* 8
                    for i in 0..<8 { tail[end - 1 - i] = UInt8(truncatingIfNeeded: bits >> (8 * UInt64(i))) }
                    guard let tailBase = tail.baseAddress else { return }
                    for b in 0..<blocks {
                        compress(&state, block: UnsafeRawPointer(tailBase + 64 * b), w: w, k: k)
                    }
                }
            }
        }
        return state
    }

    /// One application of the compression function (FIPS 180-4 §6.2.2) to a 64-byte block.
    ///
    /// Raw pointers and rotations written out keep it fast in debug builds too (no bounds checks, no calls
    /// per step).
    @inline(__always)
    static func compress(
        _ state: inout State, block: UnsafeRawPointer, w: UnsafeMutablePointer<UInt32>, k: UnsafePointer<UInt32>
    ) {
        for t in 0..<16 {
            w[t] = UInt32(bigEndian: block.loadUnaligned(fromByteOffset: 4 * t, as: UInt32.self))
        }
        for t in 16..<64 {
            let x = w[t - 15]
            let y = w[t - 2]
            let s0 = (x >> 7 | x << 25) ^ (x >> 18 | x << 14) ^ (x >> 3)
            let s1 = (y >> 17 | y << 15) ^ (y >> 19 | y << 13) ^ (y >> 10)
            w[t] = w[t - 16] &+ s0 &+ w[t - 7] &+ s1
        }
        var a = state.0
        var b = state.1
        var c = state.2
        var d = state.3
        var e = state.4
        var f = state.5
        var g = state.6
        var h = state.7
        for t in 0..<64 {
            let s1 = (e >> 6 | e << 26) ^ (e >> 11 | e << 21) ^ (e >> 25 | e << 7)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[t] &+ w[t]
            let s0 = (a >> 2 | a << 30) ^ (a >> 13 | a << 19) ^ (a >> 22 | a << 10)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ s0 &+ maj
        }
        state.0 &+= a
        state.1 &+= b
        state.2 &+= c
        state.3 &+= d
        state.4 &+= e
        state.5 &+= f
        state.6 &+= g
        state.7 &+= h
    }

    /// The digest as 64 lower-case hex digits.
    static func hex(_ state: State) -> String {
        let words = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8](repeating: 0, count: 64)
        for (i, word) in words.enumerated() {
            for j in 0..<8 {
                let nibble = Int((word >> (28 - 4 * UInt32(j))) & 0xf)
                out[8 * i + j] = digits[nibble]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
