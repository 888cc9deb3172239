import ReviewProtocol

/// Materials (4) and (5) of Art 5 as the node compiles them from a finished 上线意见征询:
/// printable Chinese HTML pages, deterministic for a given record (so that the same record
/// gives the same bytes and SHA-256).
enum ConsultationPages {
    /// Material (4) 政策制定意见征求或评估情况材料: who was asked, when, what each answered and
    /// how the drafter responded.
    static func record(_ summary: ConsultationSummary) -> String {
        var rows = ""
        for (index, department) in summary.departments.enumerated() {
            rows += "<tr><td>\(index + 1)</td><td>\(escape(department.department))</td><td>\(escape(department.topic.chineseName))</td>"
            rows += "<td>\(date(department.askedOn))</td><td>\(date(department.dueOn))</td>"
            rows += "<td>\(department.answeredOn.map(date) ?? "—")\(department.isOverdue(today: department.answeredOn ?? department.dueOn) ? "(逾期答复)" : "")</td>"
            rows += "<td>\(escape(department.answer?.chineseName ?? "—"))</td><td>\(escape(opinionText(department)))</td>"
            rows += "<td>\(escape(department.drafterResponse ?? "—"))</td></tr>\n"
        }
        var body = "<h1>政策制定意见征求情况</h1>\n"
        body += "<p>政策文件:\(escape(BookTitle.quoted(summary.policyTitle)))</p>\n"
        body += "<p>起草单位:\(escape(summary.draftingUnit))</p>\n"
        body += "<p>征询编号:\(escape(summary.id)),发起日期:\(date(summary.openedOn))</p>\n"
        body += "<table>\n<tr><th>序号</th><th>征询部门</th><th>征询事项</th><th>征询日期</th><th>答复期限</th><th>答复日期</th><th>答复意见</th><th>具体意见</th><th>采纳情况</th></tr>\n"
        body += rows + "</table>\n"
        if let reason = summary.overrideReason {
            body += "<p>对不同意见未予采纳、仍提交审查的理由:\(escape(reason))</p>\n"
        }
        return page(title: "政策制定意见征求情况", body: body)
    }

    /// Material (5) 公平性竞争审查、财政资金安排意见: the typed answers.
    static func opinions(_ summary: ConsultationSummary) -> String {
        var body = "<h1>公平竞争审查、财政资金安排意见</h1>\n"
        body += "<p>政策文件:\(escape(BookTitle.quoted(summary.policyTitle)))</p>\n"
        let fair = summary.departments.filter { $0.fairCompetition != nil }
        let funding = summary.departments.filter { $0.funding != nil }
        body += "<h2>一、公平竞争审查</h2>\n"
        if fair.isEmpty { body += "<p>本次征询未包含公平竞争审查意见。</p>\n" }
        for department in fair {
            guard let review = department.fairCompetition else { continue }
            body += "<p>审查部门:\(escape(department.department)),答复日期:\(department.answeredOn.map(date) ?? "—")</p>\n"
            body += "<p>审查结论:\(escape(review.conclusion.chineseName))</p>\n<p>审查依据:\(escape(review.basis))</p>\n"
            body += "<p>答复意见:\(escape(department.answer?.chineseName ?? "—"))</p>\n"
        }
        body += "<h2>二、财政资金安排意见</h2>\n"
        if funding.isEmpty { body += "<p>本次征询未包含财政资金安排意见。</p>\n" }
        for department in funding {
            guard let opinion = department.funding else { continue }
            body += "<p>出具部门:\(escape(department.department)),答复日期:\(department.answeredOn.map(date) ?? "—")</p>\n"
            body += "<p>意见:\(escape(opinion.conclusion))</p>\n<p>依据:\(escape(opinion.basis))</p>\n"
            body += "<p>资金来源:\(escape(opinion.source ?? "—")),资金额度:\(escape(opinion.amount ?? "—"))</p>\n"
            body += "<p>答复意见:\(escape(department.answer?.chineseName ?? "—"))</p>\n"
        }
        return page(title: "公平竞争审查、财政资金安排意见", body: body)
    }

    /// The department's opinion in words: its element-by-element changes, or its reasons.
    static func opinionText(_ department: ConsultedDepartment) -> String {
        var parts: [String] = []
        for change in department.changes ?? [] {
            let place = [change.itemIndex.map { "事项\(ConsoleVocabulary.ordinal($0))" }, change.element?.chineseName].compactMap { $0 }.joined(separator: "“") + (change.element == nil ? "" : "”")
            parts.append(place.isEmpty ? change.change : "\(place):\(change.change)")
        }
        if let reasons = department.reasons { parts.append(reasons) }
        if let attachment = department.attachment { parts.append("附件:\(attachment.title ?? attachment.fileName ?? "附件")(SHA-256 \(attachment.sha256 ?? ""))") }
        return parts.isEmpty ? "—" : parts.joined(separator: ";")
    }

    static func date(_ date: CivilDate) -> String { "\(date.year)年\(date.month)月\(date.day)日" }

    static func page(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8"><title>\(escape(title))</title>
        <style>body{font-family:serif;max-width:210mm;margin:auto;padding:20mm}table{border-collapse:collapse;width:100%}td,th{border:1px solid #333;padding:4px;font-size:12px}h1{text-align:center}</style>
        </head><body>
        \(body)</body></html>

        """
    }

    static func escape(_ text: String) -> String {
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
