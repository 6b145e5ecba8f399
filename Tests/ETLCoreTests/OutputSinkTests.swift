import ETLTestSupport
import Foundation
import Testing

@testable import ETLCore

/// The buffered sink, directly and with its writer thread.
@Suite("output sink")
struct OutputSinkTests {
    /// Bytes handed over in uneven pieces, several chunks' worth, land in order and complete.
    @Test(arguments: [false, true])
    func everyByteLandsInOrder(background: Bool) throws {
        let dir = TemporaryFolder.make()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/out.bin"
        let sink = try OutputSink(path: path, background: background)
        var expected: [UInt8] = []
        var rng = SystemRandomNumberGenerator()
        var next: UInt8 = 0
        for round in 0..<4000 {
            let n = round % 97 == 0 ? 300_000 : Int.random(in: 0..<2000, using: &rng)
            for _ in 0..<n {
                sink.buffer.append(next)
                expected.append(next)
                next &+= 1
            }
            try sink.flushIfNeeded()
            if round % 500 == 0 {
                let extra = [UInt8](repeating: 0x7A, count: 70_000)
                let side = WriteBuffer()
                extra.withUnsafeBufferPointer { side.append(contentsOf: $0) }
                try sink.flush(draining: side)
                #expect(side.count == 0)
                expected += extra
            }
        }
        try sink.close()
        let written = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(written.count == expected.count)
        #expect(written == expected)
    }

    /// A full disk is reported (at a later flush or at close), never lost.
    @Test(arguments: [false, true])
    func aFullDiskIsAnError(background: Bool) throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        let sink = try OutputSink(path: "/dev/full", background: background)
        let error = #expect(throws: WriteError.self) {
            for _ in 0..<8 {
                sink.buffer.append(contentsOf: [UInt8](repeating: 0x41, count: 300_000))
                try sink.flushIfNeeded()
            }
            try sink.close()
        }
        #expect(error?.path == "/dev/full")
        #expect(error?.message.contains("write failed") == true)
    }
}
