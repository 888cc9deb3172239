import Foundation
import Hummingbird
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
                "canConsult": user.role == .drafter || user.role == .consultee,
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
        case .operator, .platform, .consultee:
            false
        }
    }

    /// The options of a filter's `<select>`, the chosen one marked.
    static func options<T: Equatable>(_ all: [T], selected: T?, value: (T) -> String, name: (T) -> String) -> [[String: Any]] {
        all.map { ["value": value($0), "name": name($0), "selected": $0 == selected] }
    }

    /// A case as one row of the inbox; `vocabulary` names the unit it came from.
    static func row(_ summary: CaseSummary, vocabulary: ConsoleVocabulary? = nil) -> [String: Any] {
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
        row["origin"] = vocabulary?.origin(ofCase: summary.id)
        // A string, so that 0 days left still shows (Mustache treats 0 as empty).
        row["remaining"] = remaining.map { ConsoleVocabulary.remaining($0, overdue: overdue) }
        return row
    }

    /// A linter finding: where (事项1“名称” › 要素), what, and the suggested rewrite.
    static func finding(_ finding: Finding, itemNames: [String?] = []) -> [String: Any] {
        var view: [String: Any] = ["place": ConsoleVocabulary.place(finding.path, itemNames: itemNames), "message": finding.message]
        view["suggestion"] = finding.suggestion
        view["element"] = finding.element?.chineseName
        view["item"] = finding.itemIndex.map { ConsoleVocabulary.item($0, itemNames: itemNames) }
        return view
    }

    static func material(_ material: MaterialRef) -> [String: Any] {
        var view: [String: Any] = ["kindName": material.kind.chineseName, "kind": material.kind.rawValue]
        view["fileName"] = material.fileName ?? "—"
        view["sha256"] = material.sha256 ?? "—"
        view["bytes"] = material.bytes.map { $0 >= 1024 ? String(format: "%.1f KB", Double($0) / 1024) : "\($0) 字节" } ?? "—"
        return view
    }

    /// A JSON number as plain decimal digits, never in scientific notation: an amount of
    /// `1e-7` 万元 is `0.0000001`, `5e1` is `50`, `123456789.5` stays so; the fewest decimals
    /// that read back as the same number. Integers as they are.
    static func plainNumber(_ number: NSNumber) -> String {
        let type = String(cString: number.objCType)
        guard type == "d" || type == "f" else { return number.stringValue }
        return plainNumber(number.doubleValue)
    }

    /// ``plainNumber(_:)-(NSNumber)`` for a `Double` (``JSONSyntax/plainDigits(_:)``).
    static func plainNumber(_ value: Double) -> String {
        JSONSyntax.plainDigits(value)
    }

    /// An element's value as one line of Chinese text (JSON values rendered readably).
    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "—"
        case let string as String: return string.isEmpty ? "—" : string
        case let number as NSNumber:
            if String(cString: number.objCType) == "c" { return number.boolValue ? "是" : "否" }
            return plainNumber(number)
        case let array as [Any]: return array.isEmpty ? "—" : array.map { text($0) }.joined(separator: ";")
        case let object as [String: Any]:
            if let start = object["start"], let end = object["end"] { return "\(text(start)) 至 \(text(end))" }
            if let value = object["value"], let unit = object["unit"] { return "\(text(value)) \(text(unit))" }
            if let period = object["period"], let times = object["times"] { return "\(text(period))\(text(times))次" }
            if let channel = object["channel"] { return text(channel) + (object["days"].map { ",公示\(text($0))天" } ?? "") }
            if let competitive = object["isCompetitive"] as? NSNumber {
                return competitive.boolValue ? "竞争性兑现" + (object["selectionMethod"].map { ",遴选方式:\(text($0))" } ?? "") : "非竞争性兑现"
            }
            if let reason = object["notApplicable"] { return "不适用:" + text(reason) }
            if let name = object["name"], let copies = object["copies"] {
                return text(name) + "(" + [object["form"].map(text), "\(text(copies))份"].compactMap { $0 }.joined(separator: ",") + ")"
            }
            // Names first (application materials: name, form, copies).
            let keys = object.keys.sorted { ($0 == "name" ? 0 : 1, $0) < ($1 == "name" ? 0 : 1, $1) }
            return keys.map { text(object[$0]) }.filter { $0 != "—" }.joined(separator: ",")
        default: return "\(value!)"
        }
    }

}

extension ConsoleView {
    /// A page link's cursor the node did not write (inbox or ledger): 422 naming no field, since
    /// the clerk did not type it.
    static var badPageCursor: APIError {
        APIError(.unprocessableContent, code: "invalid", message: "翻页位置无效,请从第一页重新浏览")
    }

    /// A filter (`year`, `state`, `kind`, `unit`) given twice: 422 naming no field, since the
    /// filter form never sends one twice.
    static var badFilter: APIError {
        APIError(.unprocessableContent, code: "invalid", message: "筛选条件无效,请重新选择筛选条件")
    }

    /// A page size (`limit`) the API would refuse: 422 naming no field.
    static var badPageSize: APIError {
        APIError(.unprocessableContent, code: "invalid", message: "每页条数无效,请从第一页重新浏览")
    }

    /// The page number a 下一页 link carries (`page`), 1…1,000,000 (at least 2 with a cursor);
    /// 1 when absent.
    /// - Throws: ``badPageCursor`` for anything else (`0`, `-5`, `+2`, a 21-digit number, empty, repeated).
    static func pageNumber(_ request: Request, afterCursor: Bool) throws -> Int {
        guard let text = try paging(badPageCursor, { try request.strictQuery("page") }) else { return afterCursor ? 2 : 1 }
        guard let page = WholeNumber.int(text), ((afterCursor ? 2 : 1)...1_000_000).contains(page) else { throw badPageCursor }
        return page
    }

    /// The API's reading of a paging parameter, its 422 replaced by `error` (the console names no field).
    static func paging<T>(_ error: APIError, _ read: () throws -> T) throws -> T {
        do {
            return try read()
        } catch let refused as APIError where refused.status == .unprocessableContent {
            throw error
        }
    }
}
