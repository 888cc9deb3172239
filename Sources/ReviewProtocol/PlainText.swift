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
