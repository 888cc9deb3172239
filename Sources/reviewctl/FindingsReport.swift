import ReviewProtocol

/// Findings as Chinese text for the reviewer and the drafter, grouped by service item and by
/// Art 7 element group, policy and materials first.
struct FindingsReport {
    let form: CaseForm
    let findings: [Finding]

    var text: String {
        let title = BookTitle.quoted(form.policy.title ?? "(未命名政策)")
        guard !findings.isEmpty else {
            return "\(title):标准化检查未发现问题。\n"
        }
        var out = "\(title):标准化检查发现 \(findings.count) 个问题。\n"
        let general = findings.filter { $0.itemIndex == nil }
        if !general.isEmpty {
            out += "\n政策与报送材料\n"
            for finding in general { out += line(finding, indent: "  ") }
        }
        for (index, item) in form.serviceItems.enumerated() {
            let own = findings.filter { $0.itemIndex == index }
            guard !own.isEmpty else { continue }
            out += "\n事项\(index + 1):\(item.itemName ?? "(未命名事项)")\n"
            for group in ElementGroup.allCases {
                let inGroup = own.filter { $0.element?.group == group }
                guard !inGroup.isEmpty else { continue }
                out += "  \(group.chineseName)\n"
                for finding in inGroup { out += line(finding, indent: "    ") }
            }
            for finding in own where finding.element == nil { out += line(finding, indent: "  ") }
        }
        return out
    }

    private func line(_ finding: Finding, indent: String) -> String {
        var text = "\(indent)- [\(finding.code.rawValue)] \(finding.message)  (\(finding.path))\n"
        if let suggestion = finding.suggestion { text += "\(indent)  建议:\(suggestion)\n" }
        return text
    }
}
