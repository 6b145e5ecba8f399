import Foundation

/// Time helpers: RFC 3339 timestamps and monotonic seconds.
enum Timestamp {
    /// The current wall-clock time in seconds since 1970.
    static func now() -> Double { Date().timeIntervalSince1970 }

    /// Seconds on a monotonic clock, for rate limits and processing progress.
    static func monotonic() -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    private static let start = ContinuousClock.now

    /// RFC 3339 UTC text with milliseconds, e.g. `2026-11-23T18:54:38.123Z`.
    static func iso(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded(.down))
        let millis = Int(((seconds - Double(whole)) * 1000).rounded(.down))
        var days = whole / 86_400
        let rest = whole % 86_400
        let (h, m, s) = (rest / 3600, (rest % 3600) / 60, rest % 60)
        // Civil-from-days (Howard Hinnant).
        days += 719_468
        let era = days / 146_097
        let doe = days - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let mo = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (mo <= 2 ? 1 : 0)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let ms = millis < 10 ? "00\(millis)" : (millis < 100 ? "0\(millis)" : "\(millis)")
        return "\(y)-\(two(mo))-\(two(d))T\(two(h)):\(two(m)):\(two(s)).\(ms)Z"
    }

    /// The current time as RFC 3339 text.
    static func nowISO() -> String { iso(now()) }
}
