public import Foundation

/// How waits are written in messages.
enum WaitText {
    /// `45 s`, `12 min 30 s`, `3 h 5 min`, `11.6 days`.
    static func seconds(_ s: Double) -> String {
        guard s.isFinite else { return "forever" }
        if s < 10 { return String(format: s == s.rounded() ? "%.0f s" : "%.1f s", s) }
        let whole = Int(s.rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return whole % 60 == 0 ? "\(whole / 60) min" : "\(whole / 60) min \(whole % 60) s" }
        if whole < 86_400 {
            return whole % 3600 / 60 == 0 ? "\(whole / 3600) h" : "\(whole / 3600) h \(whole % 3600 / 60) min"
        }
        return String(format: "%.1f days", s / 86_400)
    }
}
