/// Free text typed by a person (names, reasons, minutes): no control characters other than
/// line breaks and tabs, and a bounded length, so that a NUL or a megabyte of text never reaches
/// a page, an opinion or a peer.
public enum PlainText {
    /// The Chinese problem with `text`, or nil when it is acceptable.
    /// - Parameters:
    ///   - maxLength: the most characters (Swift `Character`s, i.e. what a reader counts) allowed.
    ///   - multiline: whether line breaks (`\n`, `\r`) and tabs are allowed.
    public static func problem(_ text: String, maxLength: Int, multiline: Bool = true) -> String? {
        let allowed: Set<Unicode.Scalar> = multiline ? ["\n", "\r", "\t"] : []
        if text.unicodeScalars.contains(where: { ($0.value < 0x20 || (0x7F...0x9F).contains($0.value)) && !allowed.contains($0) }) {
            return "含有不可见的控制字符,请删除后重新填写"
        }
        if text.count > maxLength { return "内容过长,不能超过\(maxLength)字" }
        return nil
    }
}

/// A whole number as a person or a URL writes one: ASCII digits only (no sign, no spaces, no
/// fraction or exponent), and no leading zero unless it is `0`, so that `+1`, `01`, `2.0`, `١`
/// and `1e3` are refused instead of being read as some other number.
public enum WholeNumber {
    /// The number `text` spells, or nil when it is not plain digits or exceeds `Int64`.
    public static func parse<S: StringProtocol>(_ text: S) -> Int64? {
        let utf8 = text.utf8
        guard let first = utf8.first, utf8.count <= 19, utf8.allSatisfy({ (0x30...0x39).contains($0) }),
              first != 0x30 || utf8.count == 1
        else { return nil }
        return Int64(text)
    }

    /// ``parse(_:)`` as an `Int` (the same range on the 64-bit platforms this runs on).
    public static func int<S: StringProtocol>(_ text: S) -> Int? {
        parse(text).flatMap { Int(exactly: $0) }
    }
}
