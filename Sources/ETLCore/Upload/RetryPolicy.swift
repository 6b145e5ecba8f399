public import Foundation

/// Retries: attempts, capped exponential backoff with full jitter, and `Retry-After`.
public struct RetryPolicy: Sendable {
    /// Attempts per request, the first included.
    public var maxAttempts: Int
    /// The first backoff ceiling in seconds.
    public var base: Double
    /// The largest backoff in seconds.
    public var cap: Double

    /// The largest wait a `Retry-After` is read as (about 31 years): bigger numbers and far dates are
    /// clamped to it, so every later computation stays finite.
    public static let retryAfterCeiling = 1e9

    /// Creates a policy.
    public init(maxAttempts: Int = 6, base: Double = 0.5, cap: Double = 30) {
        self.maxAttempts = max(1, maxAttempts)
        self.base = base
        self.cap = cap
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): uniform in [0, min(cap, base·2^(attempt-1))].
    public func backoff(attempt: Int) -> Double {
        let ceiling = min(cap, base * pow(2, Double(min(60, max(0, attempt - 1)))))
        return Double.random(in: 0...max(0, ceiling))
    }

    /// Reads a `Retry-After` value: delta-seconds (digits only) or an HTTP date; nil when absent or
    /// unreadable. The result is at most ``retryAfterCeiling``; a date in the past gives 0.
    public static func retryAfter(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty, value.utf8.count <= 64 else {
            return nil
        }
        if value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Digits only: a huge number saturates instead of overflowing.
            return min(Double(value) ?? retryAfterCeiling, retryAfterCeiling)
        }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            f.dateFormat = format
            if let date = f.date(from: value) {
                let seconds = date.timeIntervalSince(now)
                guard seconds.isFinite else { return nil }
                return min(retryAfterCeiling, max(0, seconds))
            }
        }
        return nil
    }

    /// Reads a rate-limit reset header that holds the unix time, in seconds, the window resets at
    /// (Wickson's `X-RateLimit-Reset`) as the wait from `now`; nil when absent or not digits. The
    /// result is at most ``retryAfterCeiling``; a time in the past gives 0.
    public static func rateLimitReset(_ value: String?, now: Date = Date()) -> Double? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty, value.utf8.count <= 64,
            value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return nil }
        let seconds = (Double(value) ?? retryAfterCeiling) - now.timeIntervalSince1970
        guard seconds.isFinite else { return nil }
        return min(retryAfterCeiling, max(0, seconds))
    }
}
