/// Document titles as the punctuation standard (GB/T 15834) quotes them: in 《》, and a title
/// quoted inside another in 〈〉, alternating with 《》 deeper down.
public enum BookTitle {
    /// `title` in 《》: 德惠市…若干措施 → 《德惠市…若干措施》; a title that already carries its
    /// own outer 《》 is not wrapped twice; inner 《》 become 〈〉:
    /// 《德惠市…若干措施》实施细则 → 《〈德惠市…若干措施〉实施细则》.
    public static func quoted(_ title: String) -> String {
        var body = Substring(title)
        if body.hasPrefix("《"), body.hasSuffix("》"), body.count >= 2, closesAtEnd(body) {
            body = body.dropFirst().dropLast()
        }
        // Depth 0 is inside our own 《》; nested titles alternate 〈〉, 《》, 〈〉 …
        var out = "《"
        var depth = 0
        for character in body {
            switch character {
            case "《", "〈":
                depth += 1
                out.append(depth % 2 == 1 ? "〈" : "《")
            case "》", "〉":
                if depth > 0 {
                    out.append(depth % 2 == 1 ? "〉" : "》")
                    depth -= 1
                } else {
                    out.append("〉")  // a stray closing mark: keep it visible but not closing ours
                }
            default:
                out.append(character)
            }
        }
        // Close what the title left open, so the outer 》 ends the quotation.
        while depth > 0 {
            out.append(depth % 2 == 1 ? "〉" : "》")
            depth -= 1
        }
        out.append("》")
        return out
    }

    /// Whether the 《 opening `text` is closed by its last 》 (not 《甲》和《乙》).
    private static func closesAtEnd(_ text: Substring) -> Bool {
        var depth = 0
        for (offset, character) in text.enumerated() {
            if character == "《" || character == "〈" { depth += 1 }
            if character == "》" || character == "〉" {
                depth -= 1
                if depth == 0 { return offset == text.count - 1 }
            }
        }
        return false
    }
}
