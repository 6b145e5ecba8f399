import Foundation

extension Condition {
    /// Whether `c` holds for the (trimmed) value `v`.
    static func test(_ c: Condition, value v: String, regex: (String) -> NSRegularExpression?) -> Bool {
        let result: Bool
        switch c.test {
        case .equals(let x): result = v.caseInsensitiveCompare(TextCleaning.trim(x)) == .orderedSame
        case .isIn(let xs): result = xs.contains { v.caseInsensitiveCompare(TextCleaning.trim($0)) == .orderedSame }
        case .empty(let e): result = v.isEmpty == e
        case .matches(let p):
            guard let re = regex(p) else { return false }
            result = re.firstMatch(in: v, range: NSRange(location: 0, length: (v as NSString).length)) != nil
        }
        return result != c.negated
    }
}
