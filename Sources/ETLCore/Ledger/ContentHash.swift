import Crypto

/// Content hashes for change detection.
public enum ContentHash {
    /// Lower-case hex SHA-256 of `bytes` (swift-crypto's `SHA256`, already in the build through the
    /// HTTP stack).
    ///
    /// Contiguous collections (`[UInt8]`, `ArraySlice`, `String.UTF8View` of a native string, `Data`) are
    /// hashed in place; any other collection is copied into an array once.
    public static func sha256Hex(_ bytes: some Collection<UInt8>) -> String {
        var hasher = SHA256()
        if bytes.withContiguousStorageIfAvailable({ hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }) == nil {
            Array(bytes).withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return hex(hasher.finalize())
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ digest: SHA256.Digest) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
