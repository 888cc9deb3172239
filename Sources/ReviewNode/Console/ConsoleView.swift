import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// View models for the console's templates: plain dictionaries of strings, numbers, booleans
/// and lists, so that templates stay logic-less.
enum ConsoleView {
    /// `YYYY-MM-DD HH:mm` in Asia/Shanghai (UTC+8, no daylight saving), as clerks read times.
    static func beijingTime(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + 8 * 3600
        let day = CivilDate(dayNumber: seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400)
        let secondOfDay = ((seconds % 86400) + 86400) % 86400
        return String(format: "%@ %02d:%02d", day.description, secondOfDay / 3600, secondOfDay % 3600 / 60)
    }

    static func base(_ context: NodeRequestContext, nodeName: String, isCity: Bool, title: String) -> [String: Any] {
        var view: [String: Any] = ["title": title, "nodeName": nodeName]
        if let user = context.user {
            var who: [String: Any] = [
                "name": user.name,
                "roleName": user.role.chineseName,
                "csrf": context.consoleSession?.csrfToken ?? "",
                "isDrafter": user.role == .drafter,
                "isReviewer": user.role.isReviewer,
                "isOperator": user.role == .operator,
                "canLedger": user.role.isReviewer || user.role == .supervisor,
                "canSupervise": isCity && (user.role == .supervisor || user.role == .cityReviewer),
            ]
            who["unit"] = user.unit
            view["user"] = who
            view["csrf"] = context.consoleSession?.csrfToken ?? ""
        }
        return view
    }

    /// Whether a case in `state` waits on someone with `role` (the inbox's "等待我处理").
    static func waitsOn(_ role: Role, _ state: CaseState) -> Bool {
        switch role {
        case .drafter:
            [.awaitingMaterials, .supplementRequested, .citySupplementRequested, .opinionPassed, .opinionNotPassed, .revising].contains(state)
        case .countyReviewer, .cityReviewer:
            [.submitted, .accepted, .preliminaryReview, .readyToForward, .finalReview, .disagreementRecorded,
             .launchConfirmed, .withdrawalConfirmed].contains(state)
        case .supervisor:
            state != .archived
        case .operator:
            false
        }
    }

    /// The options of a filter's `<select>`, the chosen one marked.
    static func options<T: Equatable>(_ all: [T], selected: T?, value: (T) -> String, name: (T) -> String) -> [[String: Any]] {
        all.map { ["value": value($0), "name": name($0), "selected": $0 == selected] }
    }

    /// A case as one row of the inbox.
    static func row(_ summary: CaseSummary) -> [String: Any] {
        let remaining = summary.remainingWorkdays
        let overdue = summary.overdue
        let dueSoon = !overdue && remaining.map { $0 <= 2 } == true
        var row: [String: Any] = [
            "id": summary.id, "title": summary.title, "kindName": summary.kind.chineseName,
            "draftingUnit": summary.draftingUnit, "stateName": summary.stateName, "clockStopped": summary.clockStopped,
            "acceptedOn": summary.acceptedOn?.description ?? "—", "dueOn": summary.dueOn?.description ?? "—",
            "rowClass": overdue ? "overdue-row" : dueSoon ? "due-soon-row" : "",
            "badge": overdue ? "overdue" : dueSoon ? "due-soon" : "",
            "revisionOverdue": summary.revisionOverdue,
        ]
        row["documentNumber"] = summary.documentNumber
        // A string, so that 0 days left still shows (Mustache treats 0 as empty).
        row["remaining"] = remaining.map { overdue && $0 < 0 ? "超期\(-$0)天" : "\($0)" }
        return row
    }

    static func finding(_ finding: Finding) -> [String: Any] {
        var view: [String: Any] = ["code": finding.code.rawValue, "path": finding.path, "message": finding.message]
        view["suggestion"] = finding.suggestion
        view["element"] = finding.element?.chineseName
        view["item"] = finding.itemIndex.map { "事项\($0 + 1)" }
        return view
    }

    static func material(_ material: MaterialRef) -> [String: Any] {
        var view: [String: Any] = ["kindName": material.kind.chineseName, "kind": material.kind.rawValue]
        view["fileName"] = material.fileName ?? "—"
        view["sha256"] = material.sha256 ?? "—"
        view["bytes"] = material.bytes.map { $0 >= 1024 ? String(format: "%.1f KiB", Double($0) / 1024) : "\($0) 字节" } ?? "—"
        return view
    }

    /// An element's value as one line of Chinese text (JSON values rendered readably).
    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "—"
        case let string as String: return string.isEmpty ? "—" : string
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return number.boolValue ? "是" : "否" }
            return number.stringValue
        case let array as [Any]: return array.isEmpty ? "—" : array.map { text($0) }.joined(separator: ";")
        case let object as [String: Any]:
            if let start = object["start"], let end = object["end"] { return "\(text(start)) 至 \(text(end))" }
            if let value = object["value"], let unit = object["unit"] { return "\(text(value)) \(text(unit))" }
            if let period = object["period"], let times = object["times"] { return "\(text(period))\(text(times))次" }
            // Names first (application materials: name, form, copies).
            let keys = object.keys.sorted { ($0 == "name" ? 0 : 1, $0) < ($1 == "name" ? 0 : 1, $1) }
            return keys.map { text(object[$0]) }.filter { $0 != "—" }.joined(separator: ",")
        default: return "\(value!)"
        }
    }

    /// Event names as the timeline shows them.
    static func actionName(_ action: String) -> String {
        let names: [String: String] = [
            "submit": "提交申请", "requestMaterials": "发出材料补正通知", "supplyMaterials": "补正材料", "accept": "受理(开始计时)",
            "requestSupplement": "发出补正通知(计时暂停)", "resubmit": "补正后重新提交(恢复计时)", "completePreliminaryReview": "完成初审",
            "forward": "报送市级审定", "cityReceived": "市级已接收", "receiveForwarded": "收到县级报送",
            "receiveSupplementRequest": "收到市级补正通知(计时暂停)", "citySupplementRequested": "市级要求补正(计时暂停)",
            "issueOpinion": "出具标准化审查意见书", "receiveOpinion": "收到标准化审查意见书", "revise": "按意见修改",
            "recordDisagreement": "对审查意见有异议", "recordCoordination": "记录协调结果", "confirmLaunch": "确认上线",
            "confirmWithdrawal": "确认下线", "archive": "归档", "receiveResubmission": "收到补正材料(恢复计时)",
            "receiveLaunchConfirmation": "收到上线确认",
        ]
        return names[action] ?? action
    }
}
