import ETLCore
import ETLTestSupport
import Foundation
import OrderedJSON
import Testing

@Suite("transport pieces")
struct TransportTests {
    @Test func retryAfterReadsSecondsAndHTTPDates() {
        #expect(RetryPolicy.retryAfter("7") == 7)
        #expect(RetryPolicy.retryAfter(" 0 ") == 0)
        #expect(RetryPolicy.retryAfter(nil) == nil)
        #expect(RetryPolicy.retryAfter("soon") == nil)
        let now = Date(timeIntervalSince1970: 1_784_000_000)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let later = f.string(from: now.addingTimeInterval(12))
        let wait = RetryPolicy.retryAfter(later, now: now)
        #expect(wait.map { abs($0 - 12) < 0.001 } == true)
        #expect(RetryPolicy.retryAfter(f.string(from: now.addingTimeInterval(-30)), now: now) == 0)
    }

    @Test func backoffIsCappedFullJitter() {
        let p = RetryPolicy(maxAttempts: 8, base: 0.5, cap: 4)
        for attempt in 1...8 {
            for _ in 0..<50 {
                let d = p.backoff(attempt: attempt)
                #expect(d >= 0)
                #expect(d <= min(4, 0.5 * pow(2, Double(attempt - 1))))
            }
        }
    }

    @Test func pacerSpacesStartsEvenly() async {
        let clock = TestClock()
        let pacer = Pacer(ratePerSecond: 50, concurrency: 4, clock: .test(clock))
        var starts: [ContinuousClock.Instant] = []
        for _ in 0..<11 {
            await pacer.acquire()
            starts.append(clock.now)
            await pacer.release()
        }
        let total = starts[10] - starts[0]
        // 10 intervals of 20 ms: at least 200 ms, whatever the machine's load.
        #expect(total >= .milliseconds(195))
    }

    @Test func jsonParserKeepsOrderAndExactNumbers() throws {
        let v = try JSONValue.parse(#"{"b": 0.1000000000000000055, "a": [1, "x\u00e9\n", null, true], "c": {}}"#)
        #expect(v.objectValue?.map(\.key) == ["b", "a", "c"])
        #expect(v["b"]?.textValue == "0.1000000000000000055")
        #expect(v["a"]?.arrayValue?[1].textValue == "xé\n")
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse("{\"a\": }") }
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(String(repeating: "[", count: 100)) }
    }

    @Test func redactorScrubsEverySecret() {
        let r = Redactor()
        r.add("tok-canary-123")
        r.add("ab")
        #expect(r.redact("Authorization: Bearer tok-canary-123 and ab") == "Authorization: Bearer *** and ab")
    }
}
