import ETLCore
import Foundation
import Logging
import Testing

@Suite("JSON log handler")
struct JSONLogHandlerTests {
    /// Lines a logger wrote through the handler, collected in memory.
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ s: String) { lock.withLock { lines.append(s) } }
        var all: [String] { lock.withLock { lines } }
    }

    static func logger(_ lines: Lines, redactor: Redactor = Redactor()) -> Logger {
        let output = LogLineOutput(redactor: redactor) { lines.add($0) }
        let fixed = Date(timeIntervalSince1970: 1_795_000_000.0456)
        var logger = Logger(label: "test") { _ in JSONLogHandler(output: output, now: { fixed }) }
        logger[metadataKey: "run_id"] = "20261205T080000Z-abcd"
        logger[metadataKey: "pipeline"] = "ss26-sartiq"
        return logger
    }

    @Test func writesTheRequiredKeysFirstThenTheMessageThenTheFieldsByName() throws {
        let lines = Lines()
        Self.logger(lines).info(
            "sent",
            metadata: [
                "stage": "upload", "event": "progress", "processed": .stringConvertible(12),
                "rate_per_second": .stringConvertible(4.5), "done": .stringConvertible(true), "keys": ["A-1", "B-2"],
            ])
        let line = try #require(lines.all.first)
        #expect(line.hasSuffix("\n"))
        #expect(
            line
                == #"{"ts":"2026-11-18T11:06:40.045Z","level":"info","run_id":"20261205T080000Z-abcd","pipeline":"ss26-sartiq","stage":"upload","event":"progress","message":"sent","done":true,"keys":["A-1","B-2"],"processed":12,"rate_per_second":4.5}"#
                + "\n")
    }

    @Test func keepsEveryRequiredKeyWhenTheLoggerHasNoValueForIt() throws {
        let lines = Lines()
        let output = LogLineOutput(redactor: Redactor()) { lines.add($0) }
        let logger = Logger(label: "bare") { _ in JSONLogHandler(output: output) }
        logger.error("configuration error")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data((lines.all.first ?? "").utf8)) as? [String: Any])
        for key in JSONLogHandler.requiredKeys { #expect(object.keys.contains(key), "\(key)") }
        #expect(object["level"] as? String == "error")
        #expect(object["run_id"] is NSNull)
    }

    @Test func redactsSecretsInTheMessageAndInEveryField() throws {
        let lines = Lines()
        let redactor = Redactor()
        redactor.add("s3cret-token")
        Self.logger(lines, redactor: redactor).warning(
            "answered 401 to Bearer s3cret-token",
            metadata: ["stage": "upload", "event": "retry", "detail": ["echo": "token=s3cret%2Dtoken"]])
        let line = try #require(lines.all.first)
        #expect(!line.contains("s3cret"))
        #expect(line.contains("Bearer ***"))
        #expect(line.contains(#""echo":"token=***""#))
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"), (1_795_000_000.25, "2026-11-18T11:06:40.250Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500Z"),
    ])
    func timestampsAreRFC3339InUTCWithMilliseconds(seconds: Double, expected: String) {
        #expect(JSONLogHandler.timestamp(Date(timeIntervalSince1970: seconds)) == expected)
    }
}
