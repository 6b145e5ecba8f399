import Foundation

/// Reads a price as catalogs write it (`as: price`): `€49.90`, `1.299,00 EUR`, `$1,299.00`,
/// `49,90 €`, `CHF 120.-`. The currency comes from a symbol or an ISO 4217 code; the decimal
/// separator is the last `.` or `,` when both appear, a `,` followed by one or two digits
/// otherwise (or any `,` with `decimal_comma: true`).
public enum PriceParser {
    /// A price read from text.
    public struct Price: Sendable, Equatable {
        /// The amount as JSON number text (`1299.00` keeps its decimals as written).
        public var amount: String
        /// The ISO 4217 code, when the text names one.
        public var currency: String?
    }

    /// Currency symbols and the codes they stand for (`$` is read as US dollars).
    static let symbols: [(String, String)] = [
        ("US$", "USD"), ("A$", "AUD"), ("C$", "CAD"), ("NZ$", "NZD"), ("HK$", "HKD"), ("R$", "BRL"),
        ("€", "EUR"), ("£", "GBP"), ("¥", "JPY"), ("₹", "INR"), ("₩", "KRW"), ("₽", "RUB"), ("₺", "TRY"),
        ("zł", "PLN"), ("Kč", "CZK"), ("$", "USD"),
    ]

    /// Reads `text`.
    /// - Parameters:
    ///   - text: the price text.
    ///   - decimalComma: whether a lone `,` is always the decimal separator.
    /// - Returns: the amount and currency, or nil when there is no number or more than one.
    public static func parse(_ text: String, decimalComma: Bool) -> Price? {
        var rest = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var currency: String? = nil
        for (symbol, code) in symbols where rest.contains(symbol) {
            currency = code
            rest = rest.replacingOccurrences(of: symbol, with: " ")
            break
        }
        // An ISO 4217 code: three capital letters standing alone.
        var letters = ""
        var words: [String] = []
        for u in rest.unicodeScalars {
            if ("A"..."Z").contains(u) || ("a"..."z").contains(u) {
                letters.unicodeScalars.append(u)
            } else {
                if !letters.isEmpty { words.append(letters) }
                letters = ""
            }
        }
        if !letters.isEmpty { words.append(letters) }
        for w in words {
            if w.count == 3, w == w.uppercased(), currency == nil || currency == w {
                currency = w
            } else {
                return nil
            }
        }
        // The number: digits with . , ' and spaces as separators, an optional sign, a trailing ".-".
        var number = ""
        var sawDigit = false
        var negative = false
        for u in rest.unicodeScalars {
            switch u {
            case "0"..."9":
                number.unicodeScalars.append(u)
                sawDigit = true
            case ".", ",": number.unicodeScalars.append(u)
            case "-":
                if !sawDigit { negative = true }
            case "'", "’", " ", "\u{00A0}", "\u{202F}", "\t", "+": continue
            default:
                if ("A"..."Z").contains(u) || ("a"..."z").contains(u) { continue }
                return nil
            }
        }
        while let last = number.last, last == "." || last == "," { number.removeLast() }
        guard sawDigit, let first = number.first, first.isNumber else { return nil }
        let lastDot = number.lastIndex(of: ".")
        let lastComma = number.lastIndex(of: ",")
        var decimalSeparator: Character? = nil
        if let d = lastDot, let c = lastComma {
            decimalSeparator = d > c ? "." : ","
        } else if let c = lastComma {
            let after = number.distance(from: c, to: number.endIndex) - 1
            let commas = number.filter { $0 == "," }.count
            if decimalComma || (commas == 1 && after <= 2) { decimalSeparator = "," }
        } else if let d = lastDot {
            let after = number.distance(from: d, to: number.endIndex) - 1
            let dots = number.filter { $0 == "." }.count
            if dots == 1 && !(decimalComma && after == 3) { decimalSeparator = "." }
        }
        var integer = ""
        var fraction = ""
        var inFraction = false
        for (i, ch) in zip(number.indices, number) {
            if ch == "." || ch == "," {
                if ch == decimalSeparator, i == (ch == "." ? lastDot : lastComma) { inFraction = true }
                continue
            }
            if inFraction { fraction.append(ch) } else { integer.append(ch) }
        }
        while integer.count > 1, integer.first == "0" { integer.removeFirst() }
        if integer.isEmpty { integer = "0" }
        let amount = (negative ? "-" : "") + integer + (fraction.isEmpty ? "" : "." + fraction)
        return Price(amount: amount, currency: currency)
    }
}
