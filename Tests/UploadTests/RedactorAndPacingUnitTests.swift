import ETLCore
import ETLTestSupport
import Foundation
import Testing

@Suite("redaction, Retry-After and adaptive pacing")
struct RedactorAndPacingUnitTests {
    static let secret = "s3cret/p@ss wörd+"

    @Test(arguments: [
        // raw, percent-encoded (upper, lower, + for space), JSON-escaped (\/ and \u, mixed case)
        "s3cret/p@ss wörd+",
        "s3cret%2Fp%40ss%20w%C3%B6rd%2B",
        "s3cret%2fp%40ss+w%c3%b6rd%2b",
        #"s3cret\/p\u0040ss w\u00f6rd+"#,
        #"\u0073\u0033cret\/p@ss\u0020w\u00F6rd\u002b"#,
        // base64 of the secret, and of user:secret (a Basic header), standard and URL alphabets
        Data("s3cret/p@ss wörd+".utf8).base64EncodedString(),
        Data("someone@example.com:s3cret/p@ss wörd+".utf8).base64EncodedString(),
        Data("x:s3cret/p@ss wörd+".utf8).base64EncodedString().replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "+", with: "-"),
    ])
    func everyEncodingOfASecretIsRedacted(form: String) {
        let r = Redactor()
        r.add(Self.secret)
        let text = "Authorization: Basic \(form) and {\"detail\": \"\(form)\"}"
        let out = r.redact(text)
        #expect(!out.contains(form), "\(out)")
        #expect(out.contains("***"))
        #expect(out.hasPrefix("Authorization: Basic "), "the text around it stays")
    }

    @Test func redactsBytesAndLeavesOtherTextAlone() {
        let r = Redactor()
        #expect(r.redact("nothing known yet") == "nothing known yet")
        r.add("tok_0123456789")
        r.add("ab")
        #expect(r.redact("Bearer tok_0123456789, ab, sandbox") == "Bearer ***, ab, sandbox")
        #expect(
            String(decoding: r.redact(Array("{\"t\":\"tok_0123456789\"}".utf8)), as: UTF8.self) == "{\"t\":\"***\"}")
    }

    @Test func retryAfterIsCappedAndStrict() {
        #expect(RetryPolicy.retryAfter("999999") == 999_999)
        #expect(RetryPolicy.retryAfter(String(repeating: "9", count: 40)) == RetryPolicy.retryAfterCeiling)
        #expect(RetryPolicy.retryAfter("Fri, 31 Dec 9999 23:59:59 GMT") == RetryPolicy.retryAfterCeiling)
        #expect(RetryPolicy.retryAfter("inf") == nil)
        #expect(RetryPolicy.retryAfter("nan") == nil)
        #expect(RetryPolicy.retryAfter("-5") == nil)
        #expect(RetryPolicy.retryAfter("1e300") == nil)
        #expect(RetryPolicy.retryAfter(String(repeating: "1", count: 100)) == nil, "an over-long value is not read")
    }

    @Test func aPacerHalvesItsRateOnA429OncePerEpochAndClimbsBackAfterSuccesses() async {
        let pacer = Pacer(ratePerSecond: 40, concurrency: 4, margin: 0, clock: .test(TestClock()))
        let epoch = await pacer.acquire()
        await pacer.release()
        await pacer.rateLimited(epoch: epoch)
        #expect(await pacer.currentRate == 20)
        // A second 429 from a request started before the decrease does not halve it again.
        await pacer.rateLimited(epoch: epoch)
        #expect(await pacer.currentRate == 20)
        let later = await pacer.acquire()
        await pacer.release()
        await pacer.rateLimited(epoch: later)
        #expect(await pacer.currentRate == 10)
        for _ in 0..<400 { await pacer.succeeded() }
        let climbed = await pacer.currentRate
        #expect(climbed > 10 && climbed <= 40)
        for _ in 0..<100_000 { await pacer.succeeded() }
        #expect(await pacer.currentRate == 40, "back to the configured rate, never above")
    }

    @Test func aPacerNeverGoesBelowItsFloor() async {
        let pacer = Pacer(ratePerSecond: 1000, concurrency: 1, margin: 0, clock: .test(TestClock()))
        for _ in 0..<20 {
            let epoch = await pacer.acquire()
            await pacer.release()
            await pacer.rateLimited(epoch: epoch)
        }
        #expect(await pacer.currentRate == 100, "a tenth of the configured rate")
    }

    @Test func aWaitLongerThanTenSecondsIsAnnouncedOnce() async {
        let heard = Heard()
        let pacer = Pacer(ratePerSecond: 100, concurrency: 4, serviceName: "Sartiq", notice: { heard.add($0) })
        await pacer.pause(seconds: 0.05, reason: "short")
        await pacer.acquire()
        await pacer.release()
        #expect(heard.all.isEmpty)
        let stop = RunStop()
        let stopped = Pacer(
            ratePerSecond: 100, concurrency: 4, serviceName: "Sartiq", stop: stop, notice: { heard.add($0) })
        await stopped.pause(seconds: 30, reason: "Sartiq answered 429 Too Many Requests (Retry-After: 30)")
        stop.request(signal: 15)
        let started = ContinuousClock.now
        await stopped.acquire()
        await stopped.release()
        await stopped.acquire()
        #expect(ContinuousClock.now - started < .seconds(5), "a stop request ends the wait")
        #expect(heard.all.count == 1, "\(heard.all)")
        #expect(heard.all.first?.contains("Sartiq: waiting 30 s") == true)
        #expect(heard.all.first?.contains("Retry-After: 30") == true)
    }
}

final class Heard: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func add(_ s: String) { lock.withLock { list.append(s) } }
    var all: [String] { lock.withLock { list } }
}
