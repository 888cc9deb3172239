import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// The one place the console names things in Chinese: events, states, roles, kinds, nodes,
/// elements and the places in an element form, working days and times. Pages show nothing
/// of the API's vocabulary (keys, codes, JSON paths, UTC); templates get their words from here.
struct ConsoleVocabulary: Sendable {
    /// Node id → name: this node and every linked node.
    let nodeNames: [String: String]

    init(ownId: String, ownName: String, links: [LinkRecord]) {
        var names = [ownId: ownName]
        for link in links { names[link.nodeId] = link.name }
        nodeNames = names
    }

    // MARK: Nodes and people

    /// A node's name; a node we hold no name for is named by its division code's place.
    func node(_ id: String) -> String {
        nodeNames[id] ?? "行政区划\(id)的节点"
    }

    /// The unit a case came from: the node whose id leads the case id (220183-2026-0001).
    func origin(ofCase id: String) -> String {
        node(String(id.prefix { $0 != "-" }))
    }

    /// Who did something, from an event's actor (`user:7:张三`, `node:220100`, `operator`).
    func actor(_ actor: String) -> String {
        let parts = actor.split(separator: ":", maxSplits: 2).map(String.init)
        switch parts.first {
        case "user" where parts.count == 3: return parts[2]
        case "node" where parts.count == 2: return node(parts[1])
        case "operator": return "运维管理员"
        default: return "系统"
        }
    }

    // MARK: Words

    static func state(_ state: CaseState) -> String { state.chineseName }
    static func role(_ role: Role) -> String { role.chineseName }
    static func kind(_ kind: CaseKind) -> String { kind.chineseName }
    static func element(_ element: Element) -> String { element.chineseName }

    static func level(_ level: PolicyLevel) -> String { level == .county ? "县(市)区级政策" : "市级政策" }

    /// A count of working days: 20个工作日.
    static func workdays(_ days: Int) -> String { "\(days)个工作日" }

    /// Working days left, or how far past the deadline: 3个工作日, 超期2个工作日.
    static func remaining(_ days: Int, overdue: Bool) -> String {
        overdue && days < 0 ? "超期\(workdays(-days))" : workdays(days)
    }

    /// `YYYY-MM-DD HH:mm` in Asia/Shanghai.
    static func time(_ date: Date) -> String { ConsoleView.beijingTime(date) }

    /// A stored ISO 8601 timestamp (UTC) in Asia/Shanghai; unreadable text shows as “—”.
    static func time(iso: String) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: iso) { return time(date) }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: iso).map(time) ?? "—"
    }

    // MARK: Events

    /// Event names as the timeline shows them.
    static let events: [String: String] = [
        "submit": "提交申请", "requestMaterials": "发出材料补正通知", "supplyMaterials": "补正材料", "accept": "受理(开始计时)",
        "requestSupplement": "发出补正通知(计时暂停)", "resubmit": "补正后重新提交(恢复计时)", "completePreliminaryReview": "完成初审",
        "forward": "报送市级审定", "cityReceived": "市级已接收", "receiveForwarded": "收到县级报送",
        "receiveSupplementRequest": "收到市级补正通知(计时暂停)", "citySupplementRequested": "市级要求补正(计时暂停)",
        "issueOpinion": "出具标准化审查意见书", "receiveOpinion": "收到标准化审查意见书", "revise": "按意见修改",
        "recordDisagreement": "对审查意见有异议", "recordCoordination": "记录协调结果", "confirmLaunch": "确认上线",
        "confirmWithdrawal": "确认下线", "archive": "归档", "receiveResubmission": "收到补正材料(恢复计时)",
        "receiveLaunchConfirmation": "收到上线确认", "receiveWithdrawalConfirmation": "收到下线确认", "retryDeadLetter": "重新发送被拒收的消息", "discardDeadLetter": "放弃发送被拒收的消息",
        "recordExpertSession": "召开座谈会、论证会(第六条,不暂停计时)",
    ]

    static func event(_ action: String) -> String { events[action] ?? "其他处理" }

    /// What an event's details say, in a sentence; keys the console does not know are not shown.
    func eventDetails(_ action: String, _ payload: [String: String]) -> String {
        func date(_ key: String) -> String? { payload[key].flatMap { $0.isEmpty ? nil : $0 } }
        func revision() -> String? { payload["revision"].map { "第\($0)版" } }
        var parts: [String?] = []
        switch action {
        case "submit":
            parts = [payload["kind"].flatMap(CaseKind.init(rawValue:)).map(\.chineseName), revision(),
                     payload["late"] == "true" ? "逾期申请(第十三条)" : nil,
                     payload["consultation"].map { "附意见征询\($0)" }]
        case "recordExpertSession":
            parts = [payload["form"].flatMap(ExpertSessionForm.init(rawValue:)).map(\.chineseName), date("heldOn").map { "会议日期 \($0)" },
                     payload["participants"].map { "\($0)人参加" }]
        case "requestMaterials":
            let missing = (payload["missing"] ?? "").split(separator: ",").compactMap { MaterialKind(rawValue: String($0))?.chineseName }
            parts = [missing.isEmpty ? nil : "缺少" + missing.joined(separator: "、"), date("supplyBy").map { "补正期限 \($0)" }]
        case "supplyMaterials":
            let count = (payload["sha256"] ?? "").split(separator: ",").count
            parts = [count > 0 ? "补正材料\(count)份" : nil]
        case "accept":
            parts = [date("acceptedOn").map { "受理日期 \($0)" }, date("dueOn").map { "审查期限 \($0)" }]
        case "requestSupplement", "receiveSupplementRequest":
            parts = [payload["round"].map { "第\($0)轮" }, payload["findings"].map { "\($0)处问题" }, date("clockStopped").map { "\($0)起计时暂停" }]
        case "resubmit", "receiveResubmission":
            parts = [revision(), date("clockResumed").map { "\($0)起恢复计时" }]
        case "completePreliminaryReview":
            parts = [payload["conclusion"].map { "初审结论:\($0)" }]
        case "forward":
            parts = [payload["to"].map { "报送至" + node($0) }]
        case "receiveForwarded":
            parts = [revision(), payload["materials"].map { "材料\($0)份" }]
        case "cityReceived":
            parts = [payload["cityCaseNumber"].map { "市级案件编号 \($0)" }]
        case "issueOpinion", "receiveOpinion":
            parts = [payload["number"], payload["outcome"].flatMap(OpinionOutcome.init(rawValue:)).map(\.chineseName)]
        case "revise":
            parts = [revision().map { "修改稿" + $0 }, payload["late"] == "true" ? "超过修改期限" : nil]
        case "recordDisagreement":
            parts = [payload["reason"].map { "理由:\($0)" }]
        case "recordCoordination":
            parts = [payload["outcome"].map { "协调结果:\($0)" }]
        case "confirmLaunch", "receiveLaunchConfirmation":
            parts = [date("launchDate").map { "上线日期 \($0)" }, payload["finalRevision"].map { "最终稿第\($0)版" }]
        case "confirmWithdrawal", "receiveWithdrawalConfirmation":
            parts = [date("launchDate").map { "下线日期 \($0)" }]
        case "retryDeadLetter", "discardDeadLetter":
            parts = [payload["type"].flatMap(FederationMessageType.init(rawValue:)).map { "“\($0.chineseName)”" },
                     payload["peer"].map { "发往" + node($0) }]
        default:
            parts = []
        }
        return parts.compactMap { $0 }.joined(separator: ",")
    }

    /// A delivery or link-check error (`HTTP 503: …`, libcurl's text) as operators read it;
    /// the raw text goes beside it, folded away.
    static func deliveryError(_ text: String) -> String {
        if let code = CaseDetail.DeliveryFailure.code(in: text) {
            return CaseDetail.DeliveryFailure.chineseReason(code)
        }
        if text.hasPrefix("HTTP "), let status = Int(text.dropFirst(5).prefix { $0.isNumber }) {
            return status == 429 || status >= 500 ? "对方节点暂时无法处理(状态码\(status)),稍后自动重试" : "对方节点拒绝了请求(状态码\(status))"
        }
        return "无法连接对方节点,稍后自动重试"
    }

    // MARK: Places in the element form

    /// The names of a structured element's parts and of a policy's fields, by JSON key.
    static let partNames: [String: String] = [
        "start": "起始日期", "end": "截止日期", "period": "周期", "times": "次数", "amount": "限额", "value": "数额", "unit": "单位",
        "notApplicable": "不适用的理由", "isCompetitive": "是否竞争性兑现", "selectionMethod": "遴选方式", "channel": "公示渠道",
        "days": "公示天数", "name": "名称", "form": "原件或复印件", "copies": "份数", "phone": "电话",
    ]

    static let policyFieldNames: [String: String] = [
        "title": "政策文件名称", "documentNumber": "文号", "draftingUnit": "制定部门", "divisionCode": "行政区划代码",
        "level": "政策层级", "kind": "申请类型", "effectiveDate": "调整或废止生效日期",
    ]

    /// A place in the element form as a clerk names it: `serviceItems[0].applicationPlace` →
    /// 事项1“名称” › 申报地点; `policy.title` → 政策信息 › 政策文件名称.
    static func place(_ path: String, itemNames: [String?] = []) -> String {
        // Segments: names, and [n] indices.
        var segments: [String] = []
        var current = ""
        for character in path {
            switch character {
            case ".": if !current.isEmpty { segments.append(current) }; current = ""
            case "[": if !current.isEmpty { segments.append(current) }; current = "["
            case "]": segments.append(current + "]"); current = ""
            default: current.append(character)
            }
        }
        if !current.isEmpty { segments.append(current) }
        func index(_ segment: String) -> Int? {
            segment.hasPrefix("[") ? Int(segment.dropFirst().dropLast()) : nil
        }
        var words: [String] = []
        var rest = segments[...]
        switch rest.first {
        case "policy":
            rest = rest.dropFirst()
            words.append("政策信息")
            if let field = rest.first { words.append(policyFieldNames[field] ?? "其他"); rest = rest.dropFirst() }
        case "materials":
            rest = rest.dropFirst()
            words.append("申请材料")
            if let number = rest.first.flatMap(index) { words.append("第\(Self.ordinal(number))份"); rest = rest.dropFirst() }
        case "serviceItems":
            rest = rest.dropFirst()
            if let number = rest.first.flatMap(index) {
                words.append(item(number, itemNames: itemNames))
                rest = rest.dropFirst()
                if let key = rest.first, let element = Element(rawValue: key) {
                    words.append(element.chineseName)
                    rest = rest.dropFirst()
                }
            } else {
                words.append("服务事项")
            }
        default:
            return "政策整体"
        }
        for segment in rest {
            if let number = index(segment) { words.append("第\(Self.ordinal(number))项") } else if let name = partNames[segment] { words.append(name) }
        }
        return words.joined(separator: " › ")
    }

    /// A 0-based index from a path or a form field as the 1-based number a clerk reads; "?" for
    /// one no list has (negative, or `Int.max`, which a stored path can carry: adding 1 traps).
    static func ordinal(_ index: Int) -> String {
        index >= 0 && index < Int.max ? String(index + 1) : "?"
    }

    /// A service item by number and name: 事项1“企业研发费用补助”.
    static func item(_ index: Int, itemNames: [String?]) -> String {
        let name = itemNames.indices.contains(index) ? itemNames[index].flatMap { $0.isEmpty ? nil : $0 } : nil
        return "事项\(ordinal(index))" + (name.map { "“\($0)”" } ?? "")
    }

    /// Where an error's field points, for a page: a fill-in field, a place in the form, or, for
    /// a key the drafter wrote that the form does not know, that key in quotes.
    static func fieldPlace(_ field: String) -> String {
        if field.hasPrefix("items.") { return Self.field(field) }
        // The reviewer's own problems: note.0.item is the first row's item number.
        let note = field.split(separator: ".")
        if note.count == 3, note[0] == "note", let row = Int(note[1]) {
            return "其他问题第\(ordinal(row))行 › " + (["item": "事项序号", "element": "要素", "text": "问题"][String(note[2])] ?? "内容")
        }
        if ["policy", "serviceItems", "materials"].contains(where: { field == $0 || field.hasPrefix($0 + ".") || field.hasPrefix($0 + "[") }) {
            return place(field)
        }
        // A row of a list field (departments[0].department, participant.2.field) by its number.
        let parts = field.split(whereSeparator: { ".[]".contains($0) }).map(String.init)
        if parts.count >= 2, let list = listFieldNames[parts[0]], let index = Int(parts[1]) {
            let member = parts.count > 2 ? (memberFieldNames[parts[2]].map { " › " + $0 } ?? "") : ""
            return "\(list)第\(ordinal(index))项" + member
        }
        return fieldNames[field] ?? consultationFieldNames[field] ?? "“\(field)”"
    }

    /// The 上线意见征询 and Art 6 expert-session fields (API and console), by name.
    static let consultationFieldNames: [String: String] = [
        "answer": "答复意见", "fairCompetition": "公平竞争审查", "fairCompetition.basis": "公平竞争审查依据",
        "fairConclusion": "公平竞争审查结论", "fairBasis": "公平竞争审查依据", "funding": "财政资金安排",
        "funding.conclusion": "财政资金安排结论", "funding.basis": "资金安排依据", "funding.amount": "资金金额",
        "fundingConclusion": "财政资金安排结论", "fundingBasis": "资金安排依据", "fundingAmount": "资金金额",
        "fundingSource": "资金来源", "funding.source": "资金来源",
        "title": "政策名称", "topic": "征询事项", "departments": "征询部门", "department": "征询部门",
        "draftSha256": "政策文件草案", "draft": "政策文件草案", "response": "回应说明", "reasons": "不同意理由",
        "changes": "修改意见", "consultationId": "意见征询编号", "heldOn": "会议日期", "sessionForm": "会议形式",
        "participants": "参会人员", "minutes": "会议纪要", "conclusions": "会议结论", "attachment": "附件",
        "attachment.sha256": "附件", "attachments": "附件", "sessionAttachment": "附件", "sha256": "文件", "id": "编号",
        "form.policy.title": "政策名称", "form.policy.draftingUnit": "起草单位", "override": "放行理由",
    ]

    /// List fields whose rows an error can point at, and the fields of a row.
    static let listFieldNames = ["departments": "征询部门", "participants": "参会人员", "participant": "参会人员",
                                 "changes": "修改意见", "attachments": "附件", "findings": "所提问题"]
    static let memberFieldNames = ["department": "部门", "name": "姓名", "unit": "单位", "field": "领域",
                                   "change": "修改内容", "itemIndex": "事项序号", "element": "要素", "sha256": "文件",
                                   "path": "问题位置", "message": "问题说明"]

    /// The console's own form fields, by name.
    static let fieldNames: [String: String] = [
        "launchDate": "日期", "conclusion": "初审结论", "outcome": "结论", "reason": "理由", "finding": "问题", "formFile": "要素表",
        "formJSON": "要素表", "materials": "申请材料", "csrf": "表单", "role": "角色", "name": "姓名", "password": "密码",
        "year": "年份", "from": "开始日期", "to": "结束日期", "state": "状态", "kind": "类型", "unit": "单位", "body": "表单",
        "Content-Type": "表单", "Origin": "来源", "action": "操作", "itemCount": "事项数",
    ]

    /// A fill-in form field (`items.0.redemptionDays`, `policy.title`) as its label.
    static func field(_ name: String) -> String {
        let parts = name.split(separator: ".").map(String.init)
        if parts.first == "policy", parts.count == 2 { return "政策信息 › " + (policyFieldNames[parts[1]] ?? "其他") }
        if parts.first == "items", parts.count >= 2, let number = Int(parts[1]) {
            var words = ["事项\(ordinal(number))"]
            if parts.count >= 3, let element = Element(rawValue: parts[2]) { words.append(element.chineseName) }
            words += parts.dropFirst(3).compactMap { partNames[$0] }
            return words.joined(separator: " › ")
        }
        return "表单"
    }
}
