import Foundation
import ReviewProtocol

// Non-standard wording (原则上, 酌情, 相关材料 …) from the editable list in Config/rules/wording.json.
extension StandardizationLinter {
    func checkWording(_ item: ServiceItem, into sink: inout ItemSink) {
        for element in Element.allCases {
            var reported: Set<String> = []
            for (sub, text) in Self.texts(of: element, in: item) {
                // Byte search over UTF-8: exact phrase matches, without String's Unicode machinery.
                let scanned = Array(Self.removingBookTitles(text).utf8)
                for (rule, bytes) in wording where !reported.contains(rule.phrase) && Self.contains(scanned, bytes) {
                    reported.insert(rule.phrase)
                    sink.add(.wordingNonstandard, element, sub: sub, "表述“\(rule.phrase)”不规范:\(Self.excerpt(text, around: rule.phrase))", suggestion: rule.suggestion)
                }
            }
        }
    }

    /// The free-text parts of an element with their sub-paths.
    static func texts(of element: Element, in item: ServiceItem) -> [(String, String)] {
        func one(_ value: String?) -> [(String, String)] { value.map { [("", $0)] } ?? [] }
        func many(_ values: [String]?) -> [(String, String)] {
            (values ?? []).enumerated().map { ("[\($0.offset)]", $0.element) }
        }
        switch element {
        case .policyBasis: return one(item.policyBasis)
        case .itemName: return one(item.itemName)
        case .draftingUnit: return one(item.draftingUnit)
        case .implementingUnit: return one(item.implementingUnit)
        case .publishingUnit: return one(item.publishingUnit)
        case .conditions: return many(item.conditions)
        case .applicationPlace: return one(item.applicationPlace)
        case .applicationMaterials:
            return (item.applicationMaterials ?? []).enumerated().compactMap { offset, material in
                material.name.map { ("[\(offset)].name", $0) }
            }
        case .applicationSteps: return many(item.applicationSteps)
        case .internalApprovalSteps: return many(item.internalApprovalSteps)
        case .redemptionContent: return one(item.redemptionContent)
        case .redemptionCap: return item.redemptionCap?.notApplicable.map { [(".notApplicable", $0)] } ?? []
        case .competitive: return item.competitive?.selectionMethod.map { [(".selectionMethod", $0)] } ?? []
        case .fundSupervision: return one(item.fundSupervision)
        case .recovery: return one(item.recovery)
        case .penalty: return one(item.penalty)
        case .publicity: return item.publicity?.channel.map { [(".channel", $0)] } ?? []
        case .publicityHandling: return one(item.publicityHandling)
        case .consultation:
            return (item.consultation ?? []).enumerated().compactMap { offset, contact in
                contact.unit.map { ("[\(offset)].unit", $0) }
            }
        case .benefitType, .validity, .region, .applicantTypes, .applicationCount, .applicationWindow,
             .applicationMethods, .internalApprovalDays, .redemptionDays, .redemptionLevel, .redemptionMethods:
            // Controlled vocabularies, dates and numbers: checked by type, not by wording.
            return []
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= haystack.count else { return needle.isEmpty }
        var index = 0
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first {
                var matched = 1
                while matched < needle.count, haystack[index + matched] == needle[matched] { matched += 1 }
                if matched == needle.count { return true }
            }
            index += 1
        }
        return false
    }

    /// Titles in 《》 are quoted names (e.g. 《…若干措施》), not the drafter's own wording.
    static func removingBookTitles(_ text: String) -> String {
        guard text.utf8.contains(0xE3), text.unicodeScalars.contains("《") else { return text }
        var out = String.UnicodeScalarView()
        var depth = 0
        for scalar in text.unicodeScalars {
            if scalar == "《" { depth += 1; out.append("|"); continue }
            if scalar == "》", depth > 0 { depth -= 1; continue }
            if depth == 0 { out.append(scalar) }
        }
        return String(out)
    }

    /// A short quote around the phrase so the drafter can find it: up to 12 characters either side.
    static func excerpt(_ text: String, around phrase: String) -> String {
        guard let range = text.range(of: phrase) else { return "“\(text)”" }
        let start = text.index(range.lowerBound, offsetBy: -12, limitedBy: text.startIndex) ?? text.startIndex
        let end = text.index(range.upperBound, offsetBy: 12, limitedBy: text.endIndex) ?? text.endIndex
        return "“\(start > text.startIndex ? "…" : "")\(text[start..<end])\(end < text.endIndex ? "…" : "")”"
    }
}
