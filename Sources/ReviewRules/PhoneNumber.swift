/// Reads the phone numbers a 咨询 contact gives, as people write them: mobiles, landlines with
/// their area code (0431-87221234, （0431）87221234, 0431 87221234, full-width hyphens, an
/// extension 转123 or -123), 400/800 numbers in any grouping, and short hotlines (12345, 123xx,
/// 95xxx, 96xxx, 100xx). Several numbers in one field are separated by 、，,;；/ or 或.
public enum PhoneNumber {
    /// What one written number is.
    public enum Verdict: Hashable, Sendable {
        /// Valid and written in the canonical form.
        case valid(String)
        /// Valid, but grouped or punctuated otherwise; `canonical` is how to write it.
        case regrouped(written: String, canonical: String)
        /// Not a number of any accepted kind; `reason` (Chinese) says why.
        case invalid(written: String, reason: String)

        /// Whether the number is valid, in whatever grouping.
        public var isValid: Bool {
            if case .invalid = self { return false }
            return true
        }

        /// The canonical form of a valid number.
        public var canonical: String? {
            switch self {
            case .valid(let text): return text
            case .regrouped(_, let canonical): return canonical
            case .invalid: return nil
            }
        }
    }

    /// Whether `text` holds one or more numbers and every one is valid, in any grouping.
    public static func isValid(_ text: String) -> Bool {
        let verdicts = check(text)
        return !verdicts.isEmpty && verdicts.allSatisfy(\.isValid)
    }

    /// The canonical form of a field holding valid numbers (joined with 、), or nil if one is invalid.
    public static func canonical(_ text: String) -> String? {
        let forms = check(text).map(\.canonical)
        guard !forms.isEmpty, !forms.contains(nil) else { return nil }
        return forms.compactMap { $0 }.joined(separator: "、")
    }

    /// One verdict per number in the field, in order; empty for a blank field.
    public static func check(_ field: String) -> [Verdict] {
        var verdicts: [Verdict] = []
        for part in split(field) {
            let verdict = read(part)
            // "0431-87221234 0431-87229876": two numbers separated only by a space.
            if case .invalid = verdict, part.unicodeScalars.contains(where: isSpace) {
                let pieces = part.unicodeScalars.split(whereSeparator: isSpace).map { String(String.UnicodeScalarView($0)) }
                let each = pieces.map(read)
                if pieces.count > 1, each.allSatisfy(\.isValid) {
                    verdicts += each
                    continue
                }
            }
            verdicts.append(verdict)
        }
        return verdicts
    }

    /// Whether `text` is one number already in a canonical form (0431-87221234, 13904318888,
    /// 400-888-6666, 12345), decided from its bytes without building anything. False means
    /// "read it properly with ``check(_:)``", not "invalid".
    static func isCanonicalFast(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            let n = bytes.count
            func digit(_ i: Int) -> Bool { (0x30...0x39).contains(bytes[i]) }
            func digits(_ range: Range<Int>) -> Bool { range.allSatisfy(digit) }
            let hyphen = UInt8(ascii: "-")
            guard n >= 5, digit(0) else { return false }
            if n == 5 { return bytes[0] == UInt8(ascii: "1") && bytes[1] == UInt8(ascii: "2") && bytes[2] == UInt8(ascii: "3") && digits(3..<5) }
            if n == 11, bytes[0] == UInt8(ascii: "1"), (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(bytes[1]) { return digits(2..<11) }
            if n == 12, bytes[3] == hyphen, bytes[7] == hyphen, (bytes[0] == UInt8(ascii: "4") || bytes[0] == UInt8(ascii: "8")),
               bytes[1] == UInt8(ascii: "0"), bytes[2] == UInt8(ascii: "0") {
                return digits(4..<7) && digits(8..<12)
            }
            guard bytes[0] == UInt8(ascii: "0") else { return false }
            let areaLength = bytes[3] == hyphen ? 3 : (n > 4 && bytes[4] == hyphen ? 4 : 0)
            guard areaLength > 0, digits(0..<areaLength) else { return false }
            let local = (areaLength + 1)..<n
            guard (areaLength == 3 ? 8...8 : 7...8).contains(local.count), digits(local), bytes[local.lowerBound] != UInt8(ascii: "0") else { return false }
            var area = ""
            for i in 0..<areaLength { area.unicodeScalars.append(Unicode.Scalar(bytes[i])) }
            return isKnownAreaCode(area)
        } ?? false
    }

    // MARK: Reading one number

    private static func isSpace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\u{3000}" || s == "\u{A0}" || s == "\t"
    }

    private static func split(_ field: String) -> [String] {
        var parts: [String] = []
        var current = String.UnicodeScalarView()
        func flush() {
            let text = String(current).trimmed
            if !text.isEmpty { parts.append(text) }
            current = String.UnicodeScalarView()
        }
        for s in field.unicodeScalars {
            switch s {
            case "、", "，", ",", ";", "；", "/", "／", "或", "\n": flush()
            default: current.append(s)
            }
        }
        flush()
        return parts
    }

    /// A number broken into digit groups, with what stood between them.
    private struct Written {
        var groups: [String] = []
        /// The first group was in parentheses: （0431）.
        var parenthesizedArea = false
        /// Digits after 转 / 分机 / ext.
        var extensionDigits: String?
        var hadPlus86 = false
    }

    private static func read(_ written: String) -> Verdict {
        func invalid(_ reason: String) -> Verdict { .invalid(written: written, reason: reason) }
        var parsed = Written()
        var group = ""
        var inParentheses = false
        var afterExtensionMark = false
        var scalars = Array(written.unicodeScalars)
        // An international prefix on a mainland number.
        if scalars.first == "+" || scalars.first == "＋" {
            let digits = String(String.UnicodeScalarView(scalars.dropFirst().prefix(2)))
            guard digits == "86" else { return invalid("仅受理中国大陆号码") }
            scalars.removeFirst(3)
            parsed.hadPlus86 = true
        }
        func endGroup() {
            if !group.isEmpty {
                if afterExtensionMark { parsed.extensionDigits = (parsed.extensionDigits ?? "") + group } else { parsed.groups.append(group) }
                group = ""
            }
        }
        var index = 0
        while index < scalars.count {
            let s = scalars[index]
            let v = s.value
            if (0x30...0x39).contains(v) {
                group.unicodeScalars.append(s)
            } else if (0xFF10...0xFF19).contains(v) {
                group.unicodeScalars.append(Unicode.Scalar(v - 0xFF10 + 0x30)!)
            } else if "-－‐‑–—−﹣".unicodeScalars.contains(s) || isSpace(s) || s == "." {
                endGroup()
            } else if s == "(" || s == "（" {
                guard parsed.groups.isEmpty, group.isEmpty, !inParentheses else { return invalid("括号位置不正确,括号只用于区号") }
                inParentheses = true
            } else if s == ")" || s == "）" {
                guard inParentheses, parsed.groups.isEmpty, !group.isEmpty else { return invalid("括号位置不正确,括号只用于区号") }
                endGroup()
                inParentheses = false
                parsed.parenthesizedArea = true
            } else if s == "转" || s == "#" {
                endGroup()
                guard !afterExtensionMark else { return invalid("分机号书写不正确") }
                afterExtensionMark = true
            } else if s == "分", index + 1 < scalars.count, scalars[index + 1] == "机" {
                endGroup()
                guard !afterExtensionMark else { return invalid("分机号书写不正确") }
                afterExtensionMark = true
                index += 1
            } else {
                return invalid("含有数字、连字符、括号、空格和“转”以外的字符“\(Character(s))”")
            }
            index += 1
        }
        if inParentheses { return invalid("括号不成对") }
        endGroup()
        if afterExtensionMark, (parsed.extensionDigits ?? "").isEmpty { return invalid("“转”后缺少分机号") }
        guard !parsed.groups.isEmpty else { return invalid("没有号码") }
        return classify(parsed, written: written)
    }

    private static func classify(_ parsed: Written, written: String) -> Verdict {
        func invalid(_ reason: String) -> Verdict { .invalid(written: written, reason: reason) }
        func verdict(_ canonical: String) -> Verdict {
            canonical == written ? .valid(canonical) : .regrouped(written: written, canonical: canonical)
        }
        let groups = parsed.groups
        let digits = groups.joined()
        let first = digits.first!

        if first == "1" || first == "9", !parsed.hadPlus86, isHotline(digits) || digits.count <= 6 {
            // Short hotlines: 12345 and the other 123xx, 95xxx(x), 96xxx(x), 100xx.
            guard parsed.extensionDigits == nil, !parsed.parenthesizedArea else { return invalid("服务热线不带区号和分机号") }
            if isHotline(digits) { return verdict(digits) }
            if first == "9" { return invalid("以9开头的服务热线应为95、96开头的5–6位号码") }
            return invalid("号码位数不足:手机号码为11位,服务热线为12345等5位号码")
        }
        if first == "1" || parsed.hadPlus86 {
            // Mobile: 11 digits, 13x–19x.
            guard parsed.extensionDigits == nil, !parsed.parenthesizedArea else { return invalid("手机号码不带区号和分机号") }
            if parsed.hadPlus86, first == "0" { return invalid("国际区号+86后应去掉区号前的0") }
            guard digits.count == 11 else { return invalid("手机号码应为11位,现为\(digits.count)位") }
            guard first == "1", let second = digits.dropFirst().first, ("3"..."9").contains(second) else {
                return invalid("手机号码应以13–19开头")
            }
            return verdict(digits)
        }
        if digits.hasPrefix("400") || digits.hasPrefix("800") {
            guard parsed.extensionDigits == nil, !parsed.parenthesizedArea else { return invalid("400/800号码不带区号和分机号") }
            guard digits.count == 10 else { return invalid("400/800号码应为10位,现为\(digits.count)位") }
            let d = Array(digits)
            return verdict("\(String(d[0..<3]))-\(String(d[3..<6]))-\(String(d[6..<10]))")
        }
        guard first == "0" else {
            if (7...8).contains(digits.count) { return invalid("固定电话缺少区号,应写作“0431-\(digits)”的形式") }
            return invalid(digits.count < 7 ? "号码位数不足" : "号码无法识别:固定电话应以区号0开头")
        }

        // Landline: area code, local number, optional extension.
        let area: String
        var local: [String]
        if groups[0].count <= 4 && groups.count > 1 {
            area = groups[0]
            local = Array(groups.dropFirst())
        } else if parsed.parenthesizedArea {
            return invalid("区号应为3–4位")
        } else {
            // Area code and number run together: 010/02x take three digits, the rest four.
            let width = digits.hasPrefix("01") || digits.hasPrefix("02") ? 3 : 4
            let all = Array(digits)
            guard all.count > width else { return invalid("号码位数不足") }
            area = String(all[0..<width])
            local = [String(all[width...])]
        }
        guard isKnownAreaCode(area) else {
            return invalid(area.count < 3 || area.count > 4 ? "区号应为3–4位,现为“\(area)”" : "区号“\(area)”不存在")
        }
        var extensionDigits = parsed.extensionDigits
        var extensionByHyphen = false
        var number = local.joined()
        // 0431-87221234-123: the last group is an extension when the rest is a whole number.
        if extensionDigits == nil, local.count > 1, !isLocalNumber(number, area: area) {
            let head = local.dropLast().joined()
            if isLocalNumber(head, area: area) {
                extensionDigits = local.last
                extensionByHyphen = true
                number = head
            }
        }
        if isHotline(number) {
            guard extensionDigits == nil else { return invalid("服务热线不带分机号") }
            return verdict("\(area)-\(number)")
        }
        guard isLocalNumber(number, area: area) else {
            let wanted = area.count == 3 ? "8位" : "7–8位"
            if number.first == "0" { return invalid("区号后的本地号码不应以0开头") }
            return invalid("区号\(area)后的本地号码应为\(wanted),现为\(number.count)位")
        }
        var canonical = "\(area)-\(number)"
        if let extensionDigits {
            guard (1...6).contains(extensionDigits.count) else { return invalid("分机号应为1–6位") }
            canonical += (extensionByHyphen ? "-" : "转") + extensionDigits
        }
        return verdict(canonical)
    }

    private static func isHotline(_ digits: String) -> Bool {
        let count = digits.count
        if digits.hasPrefix("123") || digits.hasPrefix("100") { return count == 5 }
        if digits.hasPrefix("95") || digits.hasPrefix("96") { return count == 5 || count == 6 }
        return false
    }

    private static func isLocalNumber(_ number: String, area: String) -> Bool {
        guard let first = number.first, first != "0" else { return false }
        return area.count == 3 ? number.count == 8 : (7...8).contains(number.count)
    }

    /// Mainland area codes: 010, 020–025, 027–029, and four-digit 0[3-9]xx (070x and 090x only
    /// as 0701 and 0901–0909).
    static func isKnownAreaCode(_ area: String) -> Bool {
        let d = Array(area.utf8).map { Int($0) - 48 }
        guard d.allSatisfy({ (0...9).contains($0) }), d.first == 0 else { return false }
        switch d.count {
        case 3: return d[1] == 1 ? d[2] == 0 : d[1] == 2 && d[2] != 6
        case 4:
            guard (3...9).contains(d[1]) else { return false }
            if d[2] == 0 { return (d[1] == 7 && d[3] == 1) || (d[1] == 9 && d[3] != 0) }
            return true
        default: return false
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
