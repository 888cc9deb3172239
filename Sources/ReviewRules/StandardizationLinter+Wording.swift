import Foundation
import ReviewProtocol

// Non-standard wording (原则上, 酌情, 其他…材料 …) from the editable rules in
// Config/rules/wording.json, matched over normalized Unicode scalars.
extension StandardizationLinter {
    func checkWording(_ item: ServiceItem, scratch: inout WordingScratch, into sink: inout ItemSink) {
        var current: Element?
        // The closure captures the matcher alone, not the whole linter and its configuration.
        let matcher = self.matcher
        Self.forEachText(in: item) { element, index, suffix, text in
            if element != current {
                current = element
                scratch.reported.removeAll(keepingCapacity: true)
            }
            Self.scan(text, matcher: matcher, element: element, index: index, suffix: suffix, scratch: &scratch, into: &sink)
        }
    }

    private static func scan(
        _ text: String, matcher: WordingMatcher, element: Element, index: Int?, suffix: String,
        scratch: inout WordingScratch, into sink: inout ItemSink
    ) {
        scratch.matches.removeAll(keepingCapacity: true)
        let room = TextNormalizer.capacity(for: text)
        if scratch.scalars.count < room { scratch.scalars = [Scalar](repeating: 0, count: max(room, 2 * scratch.scalars.count)) }
        scratch.scalars.withUnsafeMutableBufferPointer { buffer in
            let count = TextNormalizer.normalize(text, into: buffer)
            matcher.matches(in: UnsafeBufferPointer(rebasing: buffer[0..<count]), into: &scratch.matches)
        }
        guard !scratch.matches.isEmpty else { return }
        // Found something (rare): map normalized positions back to the text as written.
        let origins = TextNormalizer.normalizedWithOrigins(text).origins
        // Earlier rules win: one finding per stretch of text, and per element one per rule.
        scratch.matches.sort { ($0.rule, $0.start) < ($1.rule, $1.start) }
        var accepted: [WordingMatcher.Match] = []
        for match in scratch.matches where !accepted.contains(where: { $0.start < match.end && match.start < $0.end }) {
            accepted.append(match)
        }
        // Reported in reading order.
        accepted.sort { $0.start < $1.start }
        for match in accepted {
            guard !scratch.reported.contains(match.rule) else { continue }
            scratch.reported.append(match.rule)
            let rule = matcher.rules[match.rule].rule
            let from = Int(origins[match.start])
            let to = Int(origins[match.end - 1]) + 1
            let sub = index.map { "[\($0)]\(suffix)" } ?? suffix
            sink.add(.wordingNonstandard, element, sub: sub, "表述“\(slice(text, from, to))”不规范:\(excerpt(text, from: from, to: to))", suggestion: rule.suggestion)
        }
    }

    /// Calls `body` with each free-text part of the item, in element order: the element, the
    /// index in a list element, the path suffix after it, and the text. Nothing is copied.
    static func forEachText(in item: ServiceItem, _ body: (Element, Int?, String, String) -> Void) {
        func one(_ element: Element, _ value: String?, _ suffix: String = "") {
            if let value { body(element, nil, suffix, value) }
        }
        func many(_ element: Element, _ values: [String]?) {
            guard let values else { return }
            for (offset, value) in values.enumerated() { body(element, offset, "", value) }
        }
        one(.policyBasis, item.policyBasis)
        one(.itemName, item.itemName)
        one(.draftingUnit, item.draftingUnit)
        one(.implementingUnit, item.implementingUnit)
        one(.publishingUnit, item.publishingUnit)
        many(.conditions, item.conditions)
        one(.applicationPlace, item.applicationPlace)
        for (offset, material) in (item.applicationMaterials ?? []).enumerated() {
            if let name = material.name { body(.applicationMaterials, offset, ".name", name) }
        }
        many(.applicationSteps, item.applicationSteps)
        many(.internalApprovalSteps, item.internalApprovalSteps)
        one(.redemptionContent, item.redemptionContent)
        one(.redemptionCap, item.redemptionCap?.notApplicable, ".notApplicable")
        one(.competitive, item.competitive?.selectionMethod, ".selectionMethod")
        one(.fundSupervision, item.fundSupervision)
        one(.recovery, item.recovery)
        one(.penalty, item.penalty)
        one(.publicity, item.publicity?.channel, ".channel")
        one(.publicityHandling, item.publicityHandling)
        for (offset, contact) in (item.consultation ?? []).enumerated() {
            if let unit = contact.unit { body(.consultation, offset, ".unit", unit) }
        }
        // Controlled vocabularies, dates and numbers (benefitType, validity, region,
        // applicantTypes, applicationCount, applicationWindow, applicationMethods, the day
        // counts, redemptionLevel, redemptionMethods) are checked by type, not by wording.
    }

    /// The unicode scalars `from..<to` of `text`.
    static func slice(_ text: String, _ from: Int, _ to: Int) -> String {
        let scalars = text.unicodeScalars
        let start = scalars.index(scalars.startIndex, offsetBy: from)
        let end = scalars.index(scalars.startIndex, offsetBy: to)
        return String(scalars[start..<end])
    }

    /// A short quote around scalars `from..<to` so the drafter can find them: up to 12
    /// characters either side.
    static func excerpt(_ text: String, from: Int, to: Int) -> String {
        let count = text.unicodeScalars.count
        let start = max(0, from - 12)
        let end = min(count, to + 12)
        return "“\(start > 0 ? "…" : "")\(slice(text, start, end))\(end < count ? "…" : "")”"
    }
}

/// Buffers the wording check reuses from text to text within one `check`.
struct WordingScratch {
    /// Room for a text's normalized scalars; grown when a longer text comes.
    var scalars = [Scalar](repeating: 0, count: 256)
    var matches: [WordingMatcher.Match] = []
    /// Rules already reported for the current element.
    var reported: [Int] = []
}
