/// Validates the phone numbers a 咨询 contact may give: mainland mobile numbers, landlines
/// with their area code (0431-88776655, extension allowed), government hotlines (12345 and
/// the other 123xx numbers) and 400/800 service numbers.
public enum PhoneNumber {
    /// Whether `text` is one of the accepted forms. Spaces are not allowed; use `-`.
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else { return false }
        let digits = parts.joined()
        switch parts.count {
        case 1:
            if digits.count == 11 { return isMobile(digits) || isLandline(area: nil, digits) || isService(digits) }
            if digits.count == 5 { return digits.hasPrefix("123") || digits.hasPrefix("95") }
            if digits.count == 10 { return isService(digits) || isLandline(area: nil, digits) }
            return digits.count == 12 && isLandline(area: nil, digits)
        case 2:
            // 0431-88776655 or 12345-1 style extension of a hotline is not used; area + number only.
            return isLandline(area: parts[0], parts[1])
        case 3:
            // 400-123-4567, or 0431-88776655-123 (extension)
            if parts[0] == "400" || parts[0] == "800" { return digits.count == 10 }
            return isLandline(area: parts[0], parts[1]) && parts[2].count <= 6
        default:
            return false
        }
    }

    private static func isMobile(_ digits: String) -> Bool {
        let bytes = Array(digits.utf8)
        return bytes.count == 11 && bytes[0] == UInt8(ascii: "1") && bytes[1] >= UInt8(ascii: "3")
    }

    private static func isService(_ digits: String) -> Bool {
        digits.count == 10 && (digits.hasPrefix("400") || digits.hasPrefix("800"))
    }

    /// `area` (0 + 2–3 digits) and a 7–8 digit local number; without a separate `area`,
    /// the whole run of 10–12 digits starting with 0.
    private static func isLandline(area: String?, _ number: String) -> Bool {
        if let area {
            return area.hasPrefix("0") && (3...4).contains(area.count) && (7...8).contains(number.count)
                && !number.hasPrefix("0")
        }
        return number.hasPrefix("0") && (10...12).contains(number.count)
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
