import Foundation
import HTTPTypes
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// `/api/v1/cases/{id}/…`: the actions on a case. Each decodes its body strictly, calls the
/// ``CaseWorkflow`` action (which checks the role and the case's unit, once) and answers with
/// the case's detail (``CaseReads``) unless said otherwise.
struct CaseActionRoutes: RouteTable {
    let services: NodeServices
    static let mount = "cases/:id"

    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.post, "materials-notice", { $0.materialsNotice }),
        (.post, "materials", { $0.supplyMaterials }),
        (.post, "accept", { $0.accept }),
        (.post, "supplement-notice", { $0.supplementNotice }),
        (.post, "resubmit", { $0.resubmit }),
        (.post, "complete-preliminary", { $0.completePreliminary }),
        (.post, "forward", { $0.forward }),
        (.post, "opinion", { $0.issueOpinion }),
        (.post, "revise", { $0.revise }),
        (.post, "disagreement", { $0.disagreement }),
        (.post, "coordination", { $0.coordination }),
        (.post, "re-review", { $0.reReview }),
        (.post, "launch", { $0.launch }),
        (.post, "archive", { $0.archive }),
        (.post, "expert-sessions", { $0.recordExpertSession }),
    ]

    /// An action with no body: act, answer with the case detail.
    func act(_ context: NodeRequestContext, status: HTTPResponse.Status = .ok,
             _ perform: (UserRecord, String) async throws -> Void) async throws -> Response {
        let user = try context.requireUser()
        let caseId = try context.parameters.require("id")
        try await perform(user, caseId)
        return try HTTPBody.json(try await reads.detail(caseId, for: user), status: status)
    }

    /// An action with a JSON body, decoded strictly.
    func act<Body: Codable>(_ request: Request, _ context: NodeRequestContext, _ type: Body.Type, status: HTTPResponse.Status = .ok,
                            _ perform: (UserRecord, String, Body) async throws -> Void) async throws -> Response {
        let body = try await HTTPBody.decode(type, from: request, limit: jsonLimit)
        return try await act(context, status: status) { user, caseId in try await perform(user, caseId, body) }
    }

    func materialsNotice(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(context) { user, id in _ = try await workflow.materialsNotice(id, by: user) }
    }

    struct SupplyMaterials: Codable {
        var materials: [MaterialRef]
    }

    func supplyMaterials(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(request, context, SupplyMaterials.self) { user, id, body in _ = try await workflow.supplyMaterials(id, body.materials, by: user) }
    }

    func accept(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(context) { user, id in _ = try await workflow.accept(id, by: user) }
    }

    struct SupplementRequest: Codable {
        var findings: [Finding]
        /// Reasons for new findings on elements unchanged since the previous notice, keyed by
        /// element path (`serviceItems[0].validity`).
        var repeatReasons: [String: String]?
    }

    func supplementNotice(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(request, context, SupplementRequest.self) { user, id, body in
            _ = try await workflow.supplementNotice(id, findings: body.findings, reasons: body.repeatReasons ?? [:], by: user)
        }
    }

    struct ResubmitResult: Codable {
        var `case`: CaseSummary
        var changes: [ElementDiff.Change]
    }

    /// Answers with the case's summary and what changed since the notice.
    func resubmit(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let form = try await HTTPBody.decode(CaseForm.self, from: request, limit: jsonLimit)
        let (record, changes) = try await workflow.resubmit(try context.parameters.require("id"), form, by: try context.requireUser())
        return try HTTPBody.json(ResubmitResult(case: reads.summary(record), changes: changes))
    }

    struct Conclusion: Codable {
        var conclusion: String
    }

    func completePreliminary(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(request, context, Conclusion.self) { user, id, body in
            _ = try await workflow.completePreliminaryReview(id, conclusion: body.conclusion, by: user)
        }
    }

    /// Answers with the case's summary, not its whole detail: forwarding changes only the state,
    /// and the detail (form, materials, events) costs more to encode than the forward itself.
    func forward(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let record = try await workflow.forward(try context.parameters.require("id"), by: try context.requireUser())
        return try HTTPBody.json(["case": reads.summary(record)])
    }

    struct OpinionRequest: Codable {
        var outcome: OpinionOutcome
        var requiredChanges: [RequiredChange]?
        var remarks: String?
    }

    func issueOpinion(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(request, context, OpinionRequest.self, status: .created) { user, id, body in
            _ = try await workflow.issueOpinion(id, outcome: body.outcome, changes: body.requiredChanges ?? [], remarks: body.remarks, by: user)
        }
    }

    func revise(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(request, context, CaseForm.self) { user, id, form in _ = try await workflow.revise(id, form, by: user) }
    }

    struct Reason: Codable {
        var reason: String
    }

    func disagreement(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(request, context, Reason.self) { user, id, body in _ = try await workflow.recordDisagreement(id, reason: body.reason, by: user) }
    }

    struct Outcome: Codable {
        var outcome: String
    }

    func coordination(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(request, context, Outcome.self) { user, id, body in _ = try await workflow.recordCoordination(id, outcome: body.outcome, by: user) }
    }

    /// Art 9 → Art 8: the issuing tier reviews a revision again (reviewer).
    func reReview(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(context) { user, id in _ = try await workflow.beginReReview(id, by: user) }
    }

    struct Launch: Codable {
        var launchDate: String
    }

    func launch(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(request, context, Launch.self) { user, id, body in
            guard let date = CivilDate(iso: body.launchDate) else { throw APIError.invalid("launchDate", "上线日期应为“年-月-日”格式(如2026-03-20)") }
            _ = try await workflow.confirmLaunch(id, launchDate: date, by: user)
        }
    }

    func archive(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(context) { user, id in _ = try await workflow.archive(id, by: user) }
    }

    /// Art 6: a 座谈会/论证会 held on the case (reviewer); answers with the session.
    func recordExpertSession(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let body = try await HTTPBody.decode(ExpertSessionWorkflow.Input.self, from: request, limit: jsonLimit)
        let session = try await ExpertSessionWorkflow(services: services).record(try context.parameters.require("id"), body, by: try context.requireUser())
        return try HTTPBody.json(session, status: .created)
    }
}
