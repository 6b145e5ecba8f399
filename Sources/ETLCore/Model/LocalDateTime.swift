/// A calendar date and time of day with no time zone, as spreadsheets store them.
public struct LocalDateTime: Sendable, Hashable, Comparable {
    /// Year (proleptic Gregorian).
    public var year: Int
    /// Month, 1...12.
    public var month: Int
    /// Day of month, 1...31.
    public var day: Int
    /// Hour, 0...23.
    public var hour: Int
    /// Minute, 0...59.
    public var minute: Int
    /// Second, 0...59.
    public var second: Int
    /// Milliseconds, 0...999.
    public var millisecond: Int

    /// Creates a date-time from its parts.
    public init(
        year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0,
        millisecond: Int = 0
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.millisecond = millisecond
    }

    /// Whether the time part is exactly midnight.
    public var isMidnight: Bool { hour == 0 && minute == 0 && second == 0 && millisecond == 0 }

    /// ISO 8601: `2026-03-01` when the time part is zero, `2026-03-01T09:30:00` otherwise
    /// (with `.mmm` only when there are milliseconds).
    public var iso8601: String { format(time: !isMidnight) }

    /// ISO 8601 date-time, always with the time part (`2026-03-01T00:00:00`).
    public var iso8601DateTime: String { format(time: true) }

    /// Writes the digits straight into the string's storage rather than concatenating padded parts,
    /// which would make eight short-lived strings per date.
    private func format(time: Bool) -> String {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day), (0...99).contains(hour),
            (0...99).contains(minute), (0...99).contains(second), (0...999).contains(millisecond)
        else { return slowFormat(time: time) }
        let count = time ? (millisecond != 0 ? 23 : 19) : 10
        return String(unsafeUninitializedCapacity: count) { out in
            @inline(__always) func put(_ v: Int, _ width: Int, at start: Int) {
                var v = v
                var i = start + width - 1
                while i >= start {
                    out[i] = UInt8(48 + v % 10)
                    v /= 10
                    i -= 1
                }
            }
            put(year, 4, at: 0)
            out[4] = 0x2D
            put(month, 2, at: 5)
            out[7] = 0x2D
            put(day, 2, at: 8)
            if time {
                out[10] = 0x54
                put(hour, 2, at: 11)
                out[13] = 0x3A
                put(minute, 2, at: 14)
                out[16] = 0x3A
                put(second, 2, at: 17)
                if millisecond != 0 {
                    out[19] = 0x2E
                    put(millisecond, 3, at: 20)
                }
            }
            return count
        }
    }

    /// The general form, for years outside 0...9999 (negative or five-digit years).
    private func slowFormat(time: Bool) -> String {
        var s = Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2)
        if !time { return s }
        s += "T" + Self.pad(hour, 2) + ":" + Self.pad(minute, 2) + ":" + Self.pad(second, 2)
        if millisecond != 0 { s += "." + Self.pad(millisecond, 3) }
        return s
    }

    /// Which epoch a workbook's serial numbers count from.
    public enum DateSystem: Sendable, Hashable {
        /// Serial 1 = 1900-01-01, with Lotus's phantom 1900-02-29 (serial 60).
        case system1900
        /// Serial 0 = 1904-01-01 (old Mac workbooks, `date1904="1"`).
        case system1904
    }

    /// Converts a spreadsheet serial number to a date-time, rounding to the millisecond.
    ///
    /// In the 1900 system serial 60 is the nonexistent 1900-02-29, rendered as such because that is
    /// what the spreadsheet shows; serials before 61 are shifted by one day accordingly.
    /// - Returns: nil for negative or non-finite serials, or beyond year 9999.
    public init?(excelSerial serial: Double, system: DateSystem) {
        guard serial.isFinite, serial >= 0, serial < 2_958_466 else { return nil }
        var totalMs = (serial * 86_400_000).rounded()
        var dayNumber = Int((totalMs / 86_400_000).rounded(.down))
        totalMs -= Double(dayNumber) * 86_400_000
        var msOfDay = Int(totalMs)
        if msOfDay >= 86_400_000 {
            msOfDay -= 86_400_000
            dayNumber += 1
        }
        let (y, m, d): (Int, Int, Int)
        switch system {
        case .system1904:
            (y, m, d) = Self.civil(fromDays: Self.daysFromCivil(1904, 1, 1) + dayNumber)
        case .system1900:
            if dayNumber == 60 {
                (y, m, d) = (1900, 2, 29)
            } else if dayNumber == 0 {
                (y, m, d) = (1900, 1, 0)
            } else {
                let offset = dayNumber < 60 ? dayNumber - 1 : dayNumber - 2
                (y, m, d) = Self.civil(fromDays: Self.daysFromCivil(1900, 1, 1) + offset)
            }
        }
        self.init(
            year: y, month: m, day: d, hour: msOfDay / 3_600_000, minute: msOfDay / 60_000 % 60,
            second: msOfDay / 1000 % 60, millisecond: msOfDay % 1000)
    }

    /// The serial number of this date-time in the given date system (inverse of `init(excelSerial:)`).
    public func excelSerial(system: DateSystem) -> Double {
        let days = Self.daysFromCivil(year, month, day)
        var serial: Int
        switch system {
        case .system1904: serial = days - Self.daysFromCivil(1904, 1, 1)
        case .system1900:
            if year == 1900 && month == 2 && day == 29 {
                serial = 60
            } else {
                serial = days - Self.daysFromCivil(1900, 1, 1) + 1
                if serial >= 60 { serial += 1 }
            }
        }
        let ms = ((hour * 60 + minute) * 60 + second) * 1000 + millisecond
        return Double(serial) + Double(ms) / 86_400_000
    }

    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool {
        (a.year, a.month, a.day, a.hour, a.minute, a.second * 1000 + a.millisecond)
            < (b.year, b.month, b.day, b.hour, b.minute, b.second * 1000 + b.millisecond)
    }

    /// Whether year/month/day name a real Gregorian date.
    public static func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let max = month == 2 && leap ? 29 : lengths[month - 1]
        return day <= max
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
