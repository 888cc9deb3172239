import Foundation
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// A case action of the console's case page: the form posts to
/// `/console/cases/{id}/actions/<rawValue>`, the template shows its form under
/// `actions.<flag>`, and after it the case page shows ``notice(for:)``. Who may take it is
/// ``rule`` (roles, and the state-machine events it stands for); ``perform(_:caseId:form:context:)``
/// calls the workflow. A new action is one case here and its form in `case.mustache`.
enum ConsoleAction: String, CaseIterable, Sendable {
    case accept
    case materialsNotice = "materials-notice"
    case supplementNotice = "supplement-notice"
    case completePreliminary = "complete-preliminary"
    case forward
    case opinion
    case coordination
    case reReview = "re-review"
    case archive
    case supplyMaterials = "supply-materials"
    case resubmit
    case revise
    case disagreement
    case launch
    /// Art 6: offered by its own rule (``ConsoleRoutes/casePage``'s `canRecordSession`), not by an event.
    case expertSession = "expert-session"

    /// The template's key (Mustache names without dashes).
    var flag: String { rawValue.replacingOccurrences(of: "-", with: "_") }

    /// The roles that may take the action, and the state-machine events it stands for.
    var rule: (roles: [Role], events: [CaseEvent]) {
        let reviewers: [Role] = [.countyReviewer, .cityReviewer]
        return switch self {
        case .accept: (reviewers, [.accept])
        case .materialsNotice: (reviewers, [.requestMaterials])
        case .supplementNotice: (reviewers, [.requestSupplement])
        case .completePreliminary: ([.countyReviewer], [.completePreliminaryReview])
        case .forward: ([.countyReviewer], [.forward])
        case .opinion: ([.cityReviewer], OpinionOutcome.allCases.map(CaseEvent.issueOpinion))
        // Art 9: the tier that issued the opinion (always the city for county policies) coordinates.
        case .coordination: ([.cityReviewer], [.recordCoordination])
        case .reReview: ([.cityReviewer], [.beginReReview])
        case .archive: (reviewers, [.archive])
        case .supplyMaterials: ([.drafter], [.supplyMaterials])
        case .resubmit: ([.drafter], [.resubmit])
        case .revise: ([.drafter], [.beginRevision])
        case .disagreement: ([.drafter], [.recordDisagreement])
        case .launch: ([.drafter], [.confirmLaunch, .confirmWithdrawal])
        case .expertSession: (reviewers, [])
        }
    }

    /// What the case page says once the action is done (Chinese).
    func notice(for kind: CaseKind) -> String {
        switch self {
        case .accept: "已受理,审查计时开始。"
        case .materialsNotice: "已一次性告知需补正的材料。"
        case .supplementNotice: "补正通知已发出,审查计时暂停。"
        case .completePreliminary: "初审已完成。"
        case .forward: "已报送市级审定。"
        case .opinion: "标准化审查意见书已出具。"
        case .coordination: "协调结果已记录。"
        case .reReview: "已开始重新审查,审查计时重新开始。"
        case .archive: "已归档。"
        case .supplyMaterials: "材料已补正。"
        case .resubmit: "已重新提交,审查计时恢复。"
        case .revise: "修改稿已提交。"
        case .disagreement: "异议已记录。"
        // A withdrawal's date is the day the policy goes offline (Art 13).
        case .launch: kind == .withdrawal ? "下线信息已确认。" : "上线信息已确认。"
        case .expertSession: "座谈会、论证会已记录,审查计时不受影响。"
        }
    }

    /// The actions whose forms the case page offers `user` now: the user's role may take them
    /// and the state machine allows one of their events.
    static func offered(to user: UserRecord, _ summary: CaseSummary, tier: Tier) -> [ConsoleAction] {
        let machine = ReviewStateMachine(context: .init(kind: summary.kind, level: summary.level, node: tier), state: summary.state)
        let allowed = machine.allowedEvents
        return allCases.filter { action in
            guard action.rule.roles.contains(user.role) else { return false }
            // Revising continues with further revisions.
            if action == .revise, summary.state == .revising { return true }
            return action.rule.events.contains { allowed.contains($0) }
        }
    }

    /// Takes the action through the workflow (which checks the role and the case, once) with
    /// the posted `form`; nil when done, or a page to show instead (Art 8's one-shot rule
    /// asking for reasons).
    func perform(_ console: ConsoleRoutes, caseId: String, form: ConsoleForm, context: NodeRequestContext) async throws -> Response? {
        let user = try context.requireUser()
        let workflow = console.workflow
        switch self {
        case .accept: _ = try await workflow.accept(caseId, by: user)
        case .materialsNotice: _ = try await workflow.materialsNotice(caseId, by: user)
        case .supplementNotice:
            let findings = try await console.selectedFindings(form, caseId: caseId, user: user) + (try ConsoleRoutes.reviewerNotes(form))
            guard !findings.isEmpty else { throw APIError.invalid("finding", "请至少选择或填写一项需补正的问题") }
            var reasons: [String: String] = [:]
            for (key, values) in form.fields where key.hasPrefix("reason:") {
                if let reason = values.first?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty { reasons[String(key.dropFirst(7))] = reason }
            }
            do {
                _ = try await workflow.supplementNotice(caseId, findings: findings, reasons: reasons, by: user)
            } catch let error as APIError where error.body.code == "one-shot-rule" {
                // Art 8's one-shot rule: ask for the reasons, keeping everything chosen.
                return console.reasonsPage(context, caseId: caseId, form: form, paths: error.body.items ?? [], message: error.body.message)
            }
        case .completePreliminary:
            _ = try await workflow.completePreliminaryReview(caseId, conclusion: try console.required(form, "conclusion", "请填写初审结论"), by: user)
        case .forward: _ = try await workflow.forward(caseId, by: user)
        case .opinion:
            guard let outcome = form.value("outcome").flatMap(OpinionOutcome.init(rawValue:)) else {
                throw APIError.invalid("outcome", "请选择审查结论")
            }
            var changes = try await (console.selectedFindings(form, caseId: caseId, user: user) + ConsoleRoutes.reviewerNotes(form)).map {
                RequiredChange(itemIndex: $0.itemIndex, element: $0.element, change: $0.message + ($0.suggestion.map { "(建议:\($0))" } ?? ""))
            }
            changes += (form.value("changes") ?? "").split(whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .map { RequiredChange(itemIndex: nil, element: nil, change: $0) }
            _ = try await workflow.issueOpinion(caseId, outcome: outcome, changes: changes, remarks: form.value("remarks"), by: user)
        case .coordination:
            _ = try await workflow.recordCoordination(caseId, outcome: try console.required(form, "outcome", "请填写协调结果"), by: user)
        case .archive: _ = try await workflow.archive(caseId, by: user)
        case .expertSession: try await console.recordExpertSession(form, caseId: caseId, user: user)
        case .reReview: _ = try await workflow.beginReReview(caseId, by: user)
        case .supplyMaterials:
            let materials = try await console.storeMaterials(form, into: [], by: user)
            guard !materials.isEmpty else { throw APIError.invalid("materials", "请选择要补正的材料文件") }
            _ = try await workflow.supplyMaterials(caseId, materials, by: user)
        case .resubmit, .revise:
            var caseForm = try console.decodeUploadedForm(form)
            let (current, _) = try await workflow.currentForm(caseId, by: user)
            caseForm.materials = try await console.storeMaterials(form, into: caseForm.materials.isEmpty ? current.materials : caseForm.materials, by: user)
            if self == .resubmit { _ = try await workflow.resubmit(caseId, caseForm, by: user) } else { _ = try await workflow.revise(caseId, caseForm, by: user) }
        case .disagreement:
            _ = try await workflow.recordDisagreement(caseId, reason: try console.required(form, "reason", "请说明未采纳审查意见的理由"), by: user)
        case .launch:
            guard let date = form.value("launchDate").flatMap(CivilDate.init(iso:)) else {
                throw APIError.invalid("launchDate", "上线日期应为“年-月-日”格式(如2026-03-20)")
            }
            _ = try await workflow.confirmLaunch(caseId, launchDate: date, by: user)
        }
        return nil
    }
}
