import ReviewProtocol

/// The 标准化审查意见书 as a printable A4 page in Chinese.
struct OpinionPage {
    let opinion: ReviewOpinion
    let caseId: String
    let issuerName: String
    let revisionDueOn: CivilDate?

    var html: String {
        let changes = opinion.requiredChanges.enumerated().map { index, change in
            let item = change.itemIndex.map { "事项\($0 + 1)" } ?? "—"
            let element = change.element?.chineseName ?? "—"
            return "<tr><td>\(index + 1)</td><td>\(escape(item))</td><td>\(escape(element))</td><td>\(escape(change.change))</td></tr>"
        }.joined(separator: "\n")
        let conclusion = opinion.outcome == .passed
            ? "经审查,该政策服务事项及对应要素符合标准化要求,审查通过。"
            : "经审查,该政策服务事项及对应要素不符合标准化要求,审查不通过,请按下列意见修改。"
        let table = opinion.requiredChanges.isEmpty ? "<p>无需修改的要素。</p>" : """
            <table><thead><tr><th>序号</th><th>事项</th><th>要素</th><th>修改要求</th></tr></thead>
            <tbody>
            \(changes)
            </tbody></table>
            """
        let deadline = revisionDueOn.map { "请于\(chineseDate($0))前(收到本意见书5个工作日内)完成修改或补充;对审查意见未完全采纳的,请及时与审查部门协调(《惠企惠民政策标准化上线审查办法》第九条)。" } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>标准化审查意见书 \(escape(opinion.number.description))</title>
            <style>
            @page { size: A4; margin: 25mm 20mm; }
            body { font-family: "FangSong", "STFangsong", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 1.8; max-width: 170mm; margin: 0 auto; color: #000; }
            h1 { font-family: "SimHei", "Noto Sans CJK SC", sans-serif; text-align: center; font-size: 22pt; letter-spacing: 0.2em; margin: 0.5em 0 0.2em; }
            .number { text-align: center; margin-bottom: 1.5em; }
            table { width: 100%; border-collapse: collapse; font-size: 12pt; margin: 0.8em 0; }
            th, td { border: 1px solid #000; padding: 4px 6px; vertical-align: top; }
            .issuer { text-align: right; margin-top: 3em; }
            .meta { font-size: 10pt; color: #333; margin-top: 2em; border-top: 1px solid #999; padding-top: 0.5em; }
            </style></head>
            <body>
            <h1>标准化审查意见书</h1>
            <div class="number">\(escape(opinion.number.description))</div>
            <p>\(escape(opinion.draftingUnit)):</p>
            <p>你单位报送的《\(escape(opinion.policyTitle))》标准化审查申请(案件编号 \(escape(caseId)))收悉。\(conclusion)</p>
            \(table)
            \(opinion.remarks.map { "<p>其他意见:\(escape($0))</p>" } ?? "")
            <p>\(deadline)</p>
            <div class="issuer"><div>\(escape(issuerName))</div><div>\(chineseDate(opinion.issuedOn))</div></div>
            <div class="meta">审查结论:\(opinion.outcome.chineseName) · 出具节点:\(escape(opinion.issuerNode))</div>
            </body></html>
            """
    }

    private func chineseDate(_ date: CivilDate) -> String { "\(date.year)年\(date.month)月\(date.day)日" }

    private func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
