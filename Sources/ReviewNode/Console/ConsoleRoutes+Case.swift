import Foundation
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// The case page and the actions its forms post.
extension ConsoleRoutes {
    func casePage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let caseId = try context.parameters.require("id")
        let detail = try await reads.detail(caseId, for: user)
        var form = detail.form
        form.materials = detail.materials
        let findings = services.linter.check(form)
        let summary = detail.case
        let vocabulary = try await vocabulary()
        let itemNames = form.serviceItems.map(\.itemName)
        var view = base(context, title: summary.title)
        view["flash"] = request.query("flash").flatMap { flash in
            flash == "submitted" ? "申请已提交。" : ConsoleAction(rawValue: flash)?.notice(for: summary.kind)
        }
        var caseView = ConsoleView.row(summary)
        caseView["level"] = ConsoleVocabulary.level(summary.level)
        caseView["origin"] = summary.level == .county && services.configuration.isCity ? vocabulary.origin(ofCase: summary.id) : nil
        caseView["submittedOn"] = summary.submittedOn.description
        caseView["revision"] = summary.currentRevision
        caseView["lateApplication"] = summary.lateApplication
        // Absent keys, not empty strings: Mustache shows a section for any string.
        caseView["materialsDueOn"] = summary.materialsDueOn?.description
        caseView["revisionDueOn"] = summary.revisionDueOn?.description
        caseView["effectiveDate"] = summary.effectiveDate?.description
        caseView["forwardedOn"] = detail.forwardedOn?.description
        caseView["cityCaseNumber"] = detail.cityCaseNumber
        caseView["deliveryFailures"] = detail.deliveryFailures.map { failure -> [String: Any] in
            ["type": failure.type.chineseName, "reason": failure.reason, "attempts": failure.attempts,
             "since": failure.deadAt.map { ConsoleView.beijingTime($0) } ?? "—"]
        }
        caseView["deliveryWaits"] = detail.deliveryWaits.map { wait -> [String: Any] in
            ["type": wait.type.chineseName, "reason": wait.reason, "attempts": wait.attempts]
        }
        caseView["preliminaryConclusion"] = detail.preliminaryConclusion
        caseView["disagreement"] = detail.disagreement
        caseView["coordination"] = detail.coordination
        // A withdrawal's date is the day the policy goes offline (Art 13), not a launch.
        caseView[summary.kind == .withdrawal ? "offlineDate" : "launchDate"] = detail.launchDate?.description
        caseView["launchConfirmedOn"] = detail.launchConfirmedOn?.description
        caseView["isWithdrawal"] = summary.kind == .withdrawal
        caseView["countyWorkdays"] = summary.countyWorkdays.map(ConsoleVocabulary.workdays)
        caseView["cityWorkdays"] = summary.cityWorkdays.map(ConsoleVocabulary.workdays)
        view["case"] = caseView
        view["policy"] = [
            "documentNumber": form.policy.documentNumber ?? "—", "draftingUnit": form.policy.draftingUnit ?? "—",
            "divisionCode": form.policy.divisionCode ?? "—",
        ]
        view["materials"] = detail.materials.map { material -> [String: Any] in
            var row = ConsoleView.material(material)
            row["href"] = material.sha256.map { "/console/cases/\(caseId)/materials/\($0)" }
            return row
        }
        view["items"] = Self.elementTables(form, findings: findings)
        let general = findings.filter { $0.element == nil }
        view["generalFindings"] = general.map { ConsoleView.finding($0, itemNames: itemNames) }
        view["findingOptions"] = findings.enumerated().map { index, finding -> [String: Any] in
            ConsoleView.finding(finding, itemNames: itemNames).merging(["index": index]) { _, new in new }
        }
        view["findingCount"] = findings.count
        view["hasFindingOptions"] = !findings.isEmpty
        view["hasNotices"] = !detail.notices.isEmpty
        view["hasClockStops"] = !detail.clockStops.isEmpty
        view["notices"] = detail.notices.map { notice -> [String: Any] in
            var row: [String: Any] = [
                "type": notice.type == .materials ? "材料补正通知(第五条)" : "补正通知(第八条)",
                "round": notice.round, "issuedBy": notice.issuedBy == .city ? "市级" : "县级",
                "issuedOn": notice.issuedOn.description, "supplyBy": notice.supplyBy?.description ?? "—",
                "answeredOn": notice.answeredOn?.description ?? "未答复",
                "missing": (notice.missingMaterials ?? []).map(\.chineseName),
                "findings": (notice.findings ?? []).map { ConsoleView.finding($0, itemNames: itemNames) },
            ]
            row["hasFindings"] = !(notice.findings ?? []).isEmpty
            return row
        }
        let (from, to, changes) = try await workflow.diff(caseId, from: nil, to: nil, by: user)
        if from != to {
            view["diff"] = ["from": from, "to": to, "changes": changes.map { change -> [String: Any] in
                ["place": ConsoleVocabulary.place(change.path, itemNames: itemNames),
                 "before": ConsoleView.text(Self.jsonObject(change.before)), "after": ConsoleView.text(Self.jsonObject(change.after))]
            }] as [String: Any]
        }
        view["clockStops"] = detail.clockStops.map { ["stopped": $0.stopped.description, "resumed": $0.resumed?.description ?? "尚未恢复"] }
        view["events"] = detail.events.map { event -> [String: Any] in
            ["at": ConsoleVocabulary.time(iso: event.at), "actor": vocabulary.actor(event.actor),
                    "action": ConsoleVocabulary.event(event.action), "details": vocabulary.eventDetails(event.action, event.payload),
                    "clock": ["accept", "requestSupplement", "resubmit", "receiveSupplementRequest", "receiveResubmission"].contains(event.action)]
        }
        if let opinion = detail.opinion {
            var opinionView: [String: Any] = ["number": opinion.number.description, "outcome": opinion.outcome.chineseName,
                                              "issuedOn": opinion.issuedOn.description]
            opinionView["fingerprint"] = detail.opinionSignature?.fingerprint
            view["opinion"] = opinionView
        }
        let actions = ConsoleAction.offered(to: user, summary, tier: services.configuration.tier).filter { $0 != .expertSession }
        view["actions"] = Dictionary(uniqueKeysWithValues: actions.map { ($0.flag, true as Any) })
        view["hasActions"] = !actions.isEmpty
        view["materialKinds"] = MaterialKind.allCases.map { ["value": $0.rawValue, "name": $0.chineseName] }
        view["noteRows"] = (0..<Self.noteRows).map { ["row": $0] }
        view["elementOptions"] = Element.allCases.map { ["value": $0.rawValue, "name": $0.chineseName] }
        view["today"] = services.today.date.description
        view["canArchive"] = user.role.isReviewer || user.role == .supervisor
        Self.consultationSections(detail, view: &view, itemNames: itemNames)
        view["canRecordSession"] = user.role.isReviewer && summary.state != .archived && (services.configuration.isCity || detail.forwardedOn == nil)
        return renderer.page("case", view)
    }

    /// A diff side (canonical JSON text) as a value for ``ConsoleView/text(_:)``.
    static func jsonObject(_ json: String?) -> Any? {
        json.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8), options: [.fragmentsAllowed]) }
    }

    /// The form as tables: per service item, the four Art 7 groups with their elements, each
    /// with the findings about it.
    static func elementTables(_ form: CaseForm, findings: [Finding]) -> [[String: Any]] {
        let itemNames = form.serviceItems.map(\.itemName)
        return form.serviceItems.enumerated().map { index, item in
            let object = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(item))) as? [String: Any] ?? [:]
            let groups = ElementGroup.allCases.map { group -> [String: Any] in
                let rows = Element.allCases.filter { $0.group == group }.map { element -> [String: Any] in
                    let mine = findings.filter { $0.itemIndex == index && $0.element == element }
                    var value = ConsoleView.text(object[element.rawValue])
                    // Working-day limits carry their unit (Art 7: 兑现时限, 部门内部审批时限).
                    if ElementFields.input(element) == .integer, let days = object[element.rawValue] as? Int { value = ConsoleVocabulary.workdays(days) }
                    return ["name": element.chineseName, "value": value,
                            "findings": mine.map { ConsoleView.finding($0, itemNames: itemNames) }, "flagged": !mine.isEmpty]
                }
                return ["name": group.chineseName, "elements": rows]
            }
            return ["number": index + 1, "name": item.itemName ?? "(未命名事项)", "groups": groups]
        }
    }

    func downloadMaterial(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let digest = try context.parameters.require("sha256").lowercased()
        let (material, content) = try await reads.material(digest, of: try context.parameters.require("id"), for: try context.requireUser())
        return HTTPBody.download(content, sha256: digest, fileName: material.fileName)
    }

    func opinionPage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let page = try await reads.opinionPage(try context.parameters.require("id"), for: try context.requireUser())
        return renderer.page("opinion", page.view)
    }

    /// One posted action (``ConsoleAction``); back to the case page with a notice of what happened.
    func perform(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let caseId = try context.parameters.require("id")
        let form = try await ConsoleForm.read(request, context, limit: services.configuration.maxMaterialBytes * 8)
        guard let action = ConsoleAction(rawValue: try context.parameters.require("action")) else {
            throw APIError(.notFound, code: "not-found", message: "未知的操作", field: "action")
        }
        if let page = try await action.perform(self, caseId: caseId, form: form, context: context) { return page }
        return ConsoleRenderer.redirect("/console/cases/\(caseId)?flash=\(action.rawValue)")
    }

    /// How many free-text problems the notice and opinion forms offer.
    static let noteRows = 3

    /// The reviewer's own problems (`note.N.text`, with an optional item number and element):
    /// findings the linter cannot raise.
    static func reviewerNotes(_ form: ConsoleForm) throws -> [Finding] {
        try (0..<noteRows).compactMap { row -> Finding? in
            guard let text = form.value("note.\(row).text") else { return nil }
            let element = try form.value("note.\(row).element").map { value -> Element in
                guard let element = Element(rawValue: value) else { throw APIError.invalid("note.\(row).element", "未知的要素“\(value)”") }
                return element
            }
            let item = try form.value("note.\(row).item").map { value -> Int in
                guard let number = WholeNumber.int(value), number >= 1 else { throw APIError.invalid("note.\(row).item", "事项序号应为正整数") }
                return number - 1
            }
            guard element == nil || item != nil else { throw APIError.invalid("note.\(row).item", "指明要素时请填写事项序号") }
            let path = item.map { "serviceItems[\($0)]" + (element.map { ".\($0.rawValue)" } ?? "") } ?? "policy"
            return Finding(code: .reviewerNote, itemIndex: item, element: element, path: path, message: text)
        }
    }

    /// The one-shot rule wants reasons for `paths`: a page asking for them, carrying the
    /// reviewer's choices along.
    func reasonsPage(_ context: NodeRequestContext, caseId: String, form: ConsoleForm, paths: [String], message: String) -> Response {
        var view = base(context, title: "说明重复提出的理由")
        view["caseId"] = caseId
        view["message"] = message
        view["paths"] = paths.map { ["place": ConsoleVocabulary.place($0), "name": "reason:" + $0, "value": form.value("reason:" + $0) ?? ""] }
        view["carried"] = form.fields.filter { $0.key != "csrf" && !$0.key.hasPrefix("reason:") }
            .flatMap { key, values in values.map { ["name": key, "value": $0] } }
        return renderer.page("reasons", view, status: .unprocessableContent)
    }

    func required(_ form: ConsoleForm, _ field: String, _ message: String) throws -> String {
        guard let value = form.value(field) else { throw APIError.invalid(field, message) }
        return value
    }

    /// The checked findings (`finding` = index into the current check's findings).
    func selectedFindings(_ form: ConsoleForm, caseId: String, user: UserRecord) async throws -> [Finding] {
        let all = try await workflow.check(caseId, by: user)
        return try form.values("finding").map { value in
            guard let index = WholeNumber.int(value), all.indices.contains(index) else {
                throw APIError.invalid("finding", "所选问题已不存在,请刷新页面后重新选择")
            }
            return all[index]
        }
    }
}
