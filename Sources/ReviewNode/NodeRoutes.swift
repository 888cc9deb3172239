import Crypto
import CurlClient
import Foundation
import HTTPTypes
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// The JSON API under /api/v1 (see deploy/openapi.yaml). Every route needs a bearer token;
/// handlers check the role and the case's unit through ``Access`` and the workflow.
public struct NodeRoutes: Sendable {
    let services: NodeServices

    var workflow: CaseWorkflow { services.workflow }
    var jsonLimit: Int { services.configuration.maxJSONBytes }

    typealias Handler = @Sendable (NodeRoutes) -> @Sendable (Request, NodeRequestContext) async throws -> Response

    /// Every API route: method, path under /api/v1, handler. deploy/openapi.yaml documents
    /// exactly these (a test keeps the two in step).
    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.get, "me", { $0.me }),
        (.get, "users", { $0.listUsers }),
        (.post, "users", { $0.createUser }),
        (.post, "users/:userId/disable", { $0.disableUser }),
        (.post, "users/:userId/enable", { $0.enableUser }),
        (.post, "materials", { $0.uploadMaterial }),
        (.get, "cases", { $0.listCases }),
        (.post, "cases", { $0.submit }),
        (.get, "cases/:id", { $0.caseDetail }),
        (.get, "cases/:id/check", { $0.check }),
        (.get, "cases/:id/diff", { $0.diff }),
        (.get, "cases/:id/materials/:sha256", { $0.downloadMaterial }),
        (.post, "cases/:id/materials-notice", { $0.materialsNotice }),
        (.post, "cases/:id/materials", { $0.supplyMaterials }),
        (.post, "cases/:id/accept", { $0.accept }),
        (.post, "cases/:id/supplement-notice", { $0.supplementNotice }),
        (.post, "cases/:id/resubmit", { $0.resubmit }),
        (.post, "cases/:id/complete-preliminary", { $0.completePreliminary }),
        (.post, "cases/:id/forward", { $0.forward }),
        (.post, "cases/:id/opinion", { $0.issueOpinion }),
        (.get, "cases/:id/opinion", { $0.opinion }),
        (.get, "cases/:id/opinion.html", { $0.opinionPage }),
        (.post, "cases/:id/revise", { $0.revise }),
        (.post, "cases/:id/disagreement", { $0.disagreement }),
        (.post, "cases/:id/coordination", { $0.coordination }),
        (.post, "cases/:id/re-review", { $0.reReview }),
        (.post, "cases/:id/launch", { $0.launch }),
        (.post, "cases/:id/archive", { $0.archive }),
        (.post, "cases/:id/expert-sessions", { $0.recordExpertSession }),
        (.get, "cases/:id/expert-sessions", { $0.expertSessions }),
        (.get, "consultations", { $0.listConsultations }),
        (.post, "consultations", { $0.openConsultation }),
        (.get, "consultations/:consultationId", { $0.consultation }),
        (.post, "consultations/:consultationId/answer", { $0.answerConsultation }),
        (.post, "consultations/:consultationId/responses", { $0.respondConsultation }),
        (.post, "consultations/:consultationId/override", { $0.overrideConsultation }),
        (.get, "consultations/:consultationId/files/:sha256", { $0.consultationFile }),
        (.get, "federation/status", { $0.federationStatus }),
        (.post, "federation/links/:nodeId/check", { $0.checkLink }),
        (.post, "federation/links/:nodeId/audit", { $0.auditLink }),
        (.post, "federation/rekey", { $0.rekey }),
        (.get, "federation/keys", { $0.keys }),
        (.post, "federation/outbox/:messageId/retry", { $0.retryDeadLetter }),
        (.post, "federation/outbox/:messageId/discard", { $0.discardDeadLetter }),
        (.get, "ledger", { $0.ledgerJSON }),
        (.get, "ledger.csv", { $0.ledgerCSV }),
        (.get, "published", { $0.publishedFeed }),
        (.get, "published/:itemId", { $0.publishedItem }),
        (.get, "publication/consumers", { $0.listConsumers }),
        (.post, "publication/consumers", { $0.registerConsumer }),
        (.post, "publication/consumers/:consumerId/retry", { $0.retryConsumer }),
    ]

    /// The documented routes as `METHOD /api/v1/path` with OpenAPI-style `{parameters}`.
    public static var documentedRoutes: [String] {
        table.map { method, path, _ in
            let openAPIPath = path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            return "\(method.rawValue) /api/v1/\(openAPIPath)"
        }
    }

    func register(on api: RouterGroup<NodeRequestContext>) {
        for (method, path, handler) in Self.table {
            api.on(RouterPath(path), method: method, use: handler(self))
        }
    }

    func me(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(UserView(try context.requireUser()))
    }

    /// A case action with no body: authenticate, act, answer with the case detail.
    func act(_ context: NodeRequestContext, status: HTTPResponse.Status = .ok,
             _ perform: (UserRecord, String) async throws -> Void) async throws -> Response {
        let user = try context.requireUser()
        let caseId = try context.parameters.require("id")
        try await perform(user, caseId)
        return try await detail(caseId, user: user, status: status)
    }

    /// A case action with a JSON body, decoded strictly.
    func act<Body: Codable>(_ request: Request, _ context: NodeRequestContext, _ type: Body.Type, status: HTTPResponse.Status = .ok,
                            _ perform: (UserRecord, String, Body) async throws -> Void) async throws -> Response {
        let body = try await HTTPBody.decode(type, from: request, limit: jsonLimit)
        return try await act(context, status: status) { user, caseId in try await perform(user, caseId, body) }
    }

    // MARK: Users (operator)

    struct CreateUser: Codable {
        var name: String
        var role: Role
        var unit: String?
        /// YYYY-MM-DD: the token works through that day (Beijing time), then stops.
        var expiresOn: String?
    }

    struct CreatedUser: Codable {
        var user: UserView
        /// Shown once; only its hash is stored.
        var token: String
    }

    func listUsers(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try Access.requireRole(try context.requireUser(), .operator)
        let users = try await services.store.users()
        return try HTTPBody.json(["users": users.map(UserView.init)])
    }

    func createUser(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let operatorUser = try context.requireUser()
        try Access.requireRole(operatorUser, .operator)
        let body = try await HTTPBody.decode(CreateUser.self, from: request, limit: jsonLimit)
        let isCity = services.configuration.isCity
        let expiry = try body.expiresOn.map { text -> Date in
            guard let day = CivilDate(iso: text) else { throw APIError.invalid("expiresOn", "令牌有效期应为“年-月-日”格式(如2026-03-20)的日期") }
            guard day >= services.today.date else { throw APIError.invalid("expiresOn", "令牌有效期不能早于今天") }
            return day.endOfDayInBeijing
        }
        let (user, token) = try await services.store.write { db in
            do {
                let created = try NodeStore.createUser(db, name: body.name, role: body.role, unit: body.unit, isCityNode: isCity, tokenExpiresAt: expiry)
                try NodeStore.appendEvent(db, caseId: nil, actor: CaseWorkflow.actor(operatorUser), action: "createUser",
                                          payload: ["user": String(created.0.id ?? 0), "role": body.role.rawValue])
                return created
            } catch let error as StoreError {
                let field = error.message.components(separatedBy: ":").first
                throw APIError.invalid(field, "用户信息不完整或角色不适用于本节点", detail: error.message)
            }
        }
        return try HTTPBody.json(CreatedUser(user: UserView(user), token: token), status: .created)
    }

    func disableUser(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await setDisabled(true, request, context: context)
    }

    func enableUser(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await setDisabled(false, request, context: context)
    }

    /// Disabling takes effect at once: the token and every console session of the user stop.
    private func setDisabled(_ disabled: Bool, _ request: Request, context: NodeRequestContext) async throws -> Response {
        let operatorUser = try context.requireUser()
        try Access.requireRole(operatorUser, .operator)
        guard let userId = Int64(try context.parameters.require("userId")) else {
            throw APIError(.notFound, code: "user-not-found", message: "用户不存在", field: "userId")
        }
        guard userId != operatorUser.id || !disabled else { throw APIError.invalid("userId", "不能停用自己的账号") }
        let user = try await services.store.write { db in
            do {
                return try UserAdministration.setDisabled(db, userId: userId, disabled, actor: CaseWorkflow.actor(operatorUser))
            } catch let error as StoreError where error.code == .notFound {
                throw APIError(.notFound, code: "user-not-found", message: "用户不存在", field: "userId")
            }
        }
        return try HTTPBody.json(UserView(user))
    }

    // MARK: Materials

    struct UploadedMaterial: Codable {
        var sha256: String
        var bytes: Int
    }

    /// Raw bytes in; kept byte-exact under their SHA-256. `X-Content-SHA256`, when sent, must match.
    func uploadMaterial(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        // Drafters upload materials; consultees their answers' attachments; reviewers Art 6 session files.
        try Access.requireRole(user, .drafter, .consultee, .countyReviewer, .cityReviewer)
        let limit = services.configuration.maxMaterialBytes
        let data = try await HTTPBody.bytes(of: request, limit: limit)
        guard !data.isEmpty else { throw APIError.invalid("body", "上传的材料为空") }
        let digest = SHA256.hash(data: data).hexString
        if let declared = request.headers[.contentSHA256]?.lowercased(), declared != digest {
            throw APIError.invalid("X-Content-SHA256", "材料内容与声明的SHA-256不一致,请重新上传", detail: "declared \(declared), received bytes hash to \(digest)")
        }
        let blob = MaterialBlobRecord(sha256: digest, bytes: data.count, content: data, uploadedBy: user.id, createdAt: Date())
        guard let unit = user.role.isReviewer ? ExpertSessionWorkflow.reviewerUploadUnit : user.unit else {
            throw APIError.forbidden("a drafter without a unit cannot upload")
        }
        try await services.store.write { db in try NodeStore.storeUpload(db, blob, unit: unit) }
        return try HTTPBody.json(UploadedMaterial(sha256: digest, bytes: data.count), status: .created)
    }

    func downloadMaterial(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await material(try context.parameters.require("sha256").lowercased(), of: try context.parameters.require("id"), for: try context.requireUser())
    }

    /// One of a case's materials as a download, byte-exact, with its SHA-256 in a header.
    func material(_ digest: String, of caseId: String, for user: UserRecord) async throws -> Response {
        let (material, content) = try await services.store.read { db -> (CaseMaterialRecord, Data) in
            let record = try CaseWorkflow.load(db, caseId)
            try Access.requireRead(user, record)
            guard let found = try NodeStore.caseMaterial(db, caseId: caseId, sha256: digest) else {
                throw APIError(.notFound, code: "material-not-found", message: "材料不存在", field: "sha256")
            }
            return found
        }
        let name = (material.fileName ?? "\(digest).bin").addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? digest
        return HTTPBody.raw(content, contentType: "application/octet-stream", extraHeaders: [
            (.contentDisposition, "attachment; filename*=UTF-8''\(name)"),
            (.contentSHA256, digest),
        ])
    }

    // MARK: Cases

    func submit(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .drafter)
        let form = try await HTTPBody.decode(CaseForm.self, from: request, limit: jsonLimit)
        let record = try await workflow.submit(form, by: user)
        return try await detail(record.id, user: user, status: .created)
    }

    func listCases(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard user.role != .operator else { throw APIError.forbidden("the operator sees no case content") }
        let filter = try CaseFilter(request)
        func flag(_ name: String) throws -> Bool? {
            try request.query(name).map { value -> Bool in
                guard value == "true" || value == "false" else { throw APIError.invalid(name, "\(name) 应为 true 或 false") }
                return value == "true"
            }
        }
        // The filters and the fields agree: `overdue` is the review (Art 8), `revisionOverdue`
        // the drafter's Art 9 revision.
        let overdue = try flag("overdue")
        let revisionOverdue = try flag("revisionOverdue")
        let limit = try request.query("limit").map { value -> Int in
            guard let limit = Int(value), (1...1000).contains(limit) else { throw APIError.invalid("limit", "每页条数应为1至1000") }
            return limit
        } ?? 200
        let after = try request.query("after").map { value -> String in
            guard !value.isEmpty, value.count <= 64 else { throw APIError.invalid("after", "翻页位置无效", detail: "after is the previous page's next (a case id)") }
            return value
        }
        let calendar = services.calendar
        let today = services.today.date
        // Keyset pages in id order; only the rows read are summarized. With the derived
        // filters (overdue, revisionOverdue) a request reads at most 10 pages' worth of rows
        // and may answer a short page with a `next`.
        var cases: [CaseSummary] = []
        var cursor = after
        var scanned = 0
        var page = CaseListPage(cases: [], next: nil)
        scan: while true {
            guard scanned < limit * 10 else {
                page = CaseListPage(cases: cases, next: cursor)
                break
            }
            let rows = try await services.store.cases(visibleTo: user, filter: filter, after: cursor, limit: limit)
            for record in rows {
                scanned += 1
                cursor = record.id
                let summary = CaseSummary(record, calendar: calendar, today: today)
                if let overdue, summary.overdue != overdue { continue }
                if let revisionOverdue, summary.revisionOverdue != revisionOverdue { continue }
                cases.append(summary)
                if cases.count == limit {
                    page = CaseListPage(cases: cases, next: record.id)
                    break scan
                }
            }
            if rows.count < limit {
                page = CaseListPage(cases: cases, next: nil)
                break
            }
        }
        return try HTTPBody.json(page)
    }

    /// A page of the case list: `next` is the `after` for the following page (absent when
    /// nothing follows; present when more may follow).
    struct CaseListPage: Encodable, Sendable {
        var cases: [CaseSummary]
        var next: String?
    }

    /// The cases `user` may see, filtered, least time left first (the API's list and the console's inbox).
    /// `states`, when given, narrows the list in SQL (the console's "waiting on me").
    func cases(for user: UserRecord, _ filter: CaseFilter = CaseFilter(), states: [CaseState]? = nil) async throws -> [CaseSummary] {
        let records = try await services.store.cases(visibleTo: user, filter: filter, states: states)
        let today = services.today.date
        return records.map { CaseSummary($0, calendar: services.calendar, today: today) }.sorted { $0.sortKey < $1.sortKey }
    }

    func caseDetail(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await detail(try context.parameters.require("id"), user: try context.requireUser())
    }

    func detail(_ caseId: String, user: UserRecord, status: HTTPResponse.Status = .ok) async throws -> Response {
        try HTTPBody.json(try await loadDetail(caseId, for: user), status: status)
    }

    /// Everything about a case `user` may read (404 otherwise): the API's detail and the console's case page.
    func loadDetail(_ caseId: String, for user: UserRecord) async throws -> CaseDetail {
        let calendar = services.calendar
        let today = services.today.date
        return try await services.store.read { db in
            let record = try CaseWorkflow.load(db, caseId)
            try Access.requireRead(user, record)
            return try CaseDetail.load(db, record, calendar: calendar, today: today)
        }
    }

    func check(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let findings = try await workflow.check(try context.parameters.require("id"), by: try context.requireUser())
        return try HTTPBody.json(["findings": findings])
    }

    struct DiffView: Codable {
        var from: Int
        var to: Int
        var changes: [ElementDiff.Change]
    }

    func diff(_ request: Request, context: NodeRequestContext) async throws -> Response {
        func revision(_ name: String) throws -> Int? {
            try request.query(name).map { value in
                guard let number = Int(value) else { throw APIError.invalid(name, "修订版本号应为整数") }
                return number
            }
        }
        let (from, to, changes) = try await workflow.diff(try context.parameters.require("id"), from: try revision("from"), to: try revision("to"), by: try context.requireUser())
        return try HTTPBody.json(DiffView(from: from, to: to, changes: changes))
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

    /// Art 9 → Art 8: the issuing tier reviews a revision again (reviewer).
    func reReview(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try await act(context) { user, id in _ = try await workflow.beginReReview(id, by: user) }
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

    func resubmit(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let caseId = try context.parameters.require("id")
        let form = try await HTTPBody.decode(CaseForm.self, from: request, limit: jsonLimit)
        let (record, changes) = try await workflow.resubmit(caseId, form, by: user)
        return try HTTPBody.json(ResubmitResult(case: CaseSummary(record, calendar: services.calendar, today: services.today.date), changes: changes))
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
        let user = try context.requireUser()
        let record = try await workflow.forward(try context.parameters.require("id"), by: user)
        return try HTTPBody.json(["case": CaseSummary(record, calendar: services.calendar, today: services.today.date)])
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

    func loadOpinion(_ context: NodeRequestContext) async throws -> (ReviewOpinion, CaseRecord) {
        let user = try context.requireUser()
        let caseId = try context.parameters.require("id")
        return try await services.store.read { db in
            let record = try CaseWorkflow.load(db, caseId)
            try Access.requireRead(user, record)
            guard let opinion = try NodeStore.opinion(db, caseId: caseId) else {
                throw APIError(.notFound, code: "opinion-not-found", message: "尚未出具标准化审查意见书")
            }
            return (try opinion.decoded(), record)
        }
    }

    func opinion(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try HTTPBody.json(try await loadOpinion(context).0)
    }

    func opinionPage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let (opinion, record) = try await loadOpinion(context)
        let configuration = services.configuration
        let (signerKey, issuer, itemNames) = try await services.store.read { db in
            (try NodeStore.opinion(db, caseId: record.id)?.signerPublicKey, try OpinionPage.issuerName(db, opinion, own: configuration),
             OpinionPage.itemNames(db, record))
        }
        return services.renderer.page("opinion", OpinionPage(opinion: opinion, caseId: record.id, issuerName: issuer,
                                                             revisionDueOn: record.revisionDueOn, signerPublicKey: signerKey, itemNames: itemNames).view)
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

    // MARK: Federation

    func federationStatus(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard user.role == .operator || user.role.isReviewer || user.role == .supervisor else {
            throw APIError.forbidden("federation status is for operators, reviewers and supervisors")
        }
        let links = try await services.store.read { db in try Links.status(db) }
        return try HTTPBody.json(FederationStatusView(node: services.configuration.nodeId, fingerprint: services.identity.fingerprint, links: links))
    }

    struct FederationStatusView: Codable {
        var node: String
        var fingerprint: String
        var links: [Links.Status]
    }

    struct CheckResult: Codable {
        var nodeId: String
        var ok: Bool
        var milliseconds: Double
        var status: Int?
        var error: String?
    }

    /// Cross-checks the peer's event log now (operator): does it still hold every chain head it
    /// sent this node? 200 with `{nodeId, ok, checked, missing, peerChainIntact, problem}`.
    func auditLink(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try Access.requireRole(try context.requireUser(), .operator)
        return try HTTPBody.json(try await ChainAudit.check(peer: try context.parameters.require("nodeId"), services: services, logger: context.logger))
    }

    /// A signed ping round trip to the peer, with its latency.
    func checkLink(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try Access.requireRole(try context.requireUser(), .operator)
        return try HTTPBody.json(try await linkCheck(try context.parameters.require("nodeId")))
    }

    func linkCheck(_ nodeId: String) async throws -> CheckResult {
        guard let link = try await services.store.link(nodeId) else {
            throw APIError(.notFound, code: "link-not-found", message: "未找到该节点连接", field: "nodeId")
        }
        // A disabled link neither sends nor accepts messages: a check says so instead of pinging.
        guard link.enabled else { return CheckResult(nodeId: nodeId, ok: false, milliseconds: 0, status: nil, error: "the link is disabled") }
        let envelope = FederationEnvelope(id: UUID().uuidString.lowercased(), sender: services.configuration.nodeId, receiver: nodeId, type: .ping,
                                          caseId: nil, sequence: 0, sentAt: ISO8601DateFormatter().string(from: Date()),
                                          chainHead: try await services.store.chainHead(),
                                          payload: PingPayload(nonce: UUID().uuidString))
        let (body, signature) = try Outbox.signed(envelope, identity: services.identity)
        let started = ContinuousClock.now
        var result = CheckResult(nodeId: nodeId, ok: false, milliseconds: 0)
        do {
            let response = try await services.transport.send(frame: body, signature: signature, sender: services.configuration.nodeId, to: link.baseURL)
            result.status = response.status
            result.ok = response.status == 200
            if !result.ok { result.error = String(decoding: response.body.prefix(300), as: UTF8.self) }
        } catch {
            result.error = String(describing: error)
        }
        let elapsed = ContinuousClock.now - started
        result.milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        try await services.store.recordLinkCheck(nodeId: nodeId, at: Date(), milliseconds: result.ok ? result.milliseconds : nil)
        return result
    }

    /// The keyring: every key this node and its peers signed with, and when (any signed-in user:
    /// public keys are no secret, and whoever holds an opinion may verify it).
    func keys(_ request: Request, context: NodeRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let configuration = services.configuration
        return try HTTPBody.json(try await services.store.read { db in
            try Links.keyring(db, ownNodeId: configuration.nodeId, ownName: configuration.name, ownTier: configuration.tier)
        })
    }

    /// A dead letter queued again (operator).
    func retryDeadLetter(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .operator)
        let id = try context.parameters.require("messageId")
        let letter = try await services.store.write { db in
            do {
                return try DeadLetters.retry(db, id: id, actor: CaseWorkflow.actor(user))
            } catch let error as StoreError where error.code == .notFound {
                throw APIError(.notFound, code: "dead-letter-not-found", message: "未找到该条被拒收的消息", field: "messageId")
            }
        }
        services.outboxSignal.notify()
        return try HTTPBody.json(letter)
    }

    /// A dead letter given up (operator); the case's later messages are renumbered.
    func discardDeadLetter(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .operator)
        let id = try context.parameters.require("messageId")
        let identity = services.identity
        let letter = try await services.store.write { db in
            do {
                return try DeadLetters.discard(db, id: id, actor: CaseWorkflow.actor(user), identity: identity)
            } catch let error as StoreError where error.code == .notFound {
                throw APIError(.notFound, code: "dead-letter-not-found", message: "未找到该条被拒收的消息", field: "messageId")
            }
        }
        services.outboxSignal.notify()
        return try HTTPBody.json(letter)
    }

    struct RekeyRequest: Codable {
        /// How long peers keep accepting the old key; default 7 days.
        var graceHours: Double?
    }

    /// A new key pair without downtime (operator).
    func rekey(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try Access.requireRole(try context.requireUser(), .operator)
        let data = try await HTTPBody.bytes(of: request, limit: jsonLimit)
        let body = data.isEmpty ? RekeyRequest() : try HTTPBody.decode(RekeyRequest.self, data: data)
        let hours = body.graceHours ?? 168
        guard hours > 0, hours <= 8760 else { throw APIError.invalid("graceHours", "宽限期应为1至8760小时(一年)") }
        return try HTTPBody.json(try await KeyRotation.rotate(services: services, grace: hours * 3600))
    }

    // MARK: Ledger (Art 11)

    func ledgerFilter(_ request: Request, context: NodeRequestContext) throws -> CaseFilter {
        try Access.requireOversight(try context.requireUser())
        return try CaseFilter(request)
    }

    struct LedgerPage: Codable {
        /// How many cases the filter selects; only on a page read without `after` (counting
        /// is not repeated for every keyset page).
        var total: Int?
        var offset: Int
        var limit: Int
        var entries: [LedgerEntry]
        /// The `after` cursor for the next page; absent on the last page.
        var next: String?
    }

    /// A page of the ledger (`limit` 1–1000, default 50), filtered like the case list, in
    /// (submittedOn, id) order: after the `after` cursor (keyset, the way to page deep), or at
    /// `offset` (kept for existing clients).
    func ledgerJSON(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let filter = try ledgerFilter(request, context: context)
        let limit = try request.query("limit").map { value -> Int in
            guard let limit = Int(value), (1...1000).contains(limit) else { throw APIError.invalid("limit", "每页条数应为1至1000") }
            return limit
        } ?? 50
        let offset = try request.query("offset").map { value -> Int in
            guard let offset = Int(value), offset >= 0 else { throw APIError.invalid("offset", "偏移量应为非负整数") }
            return offset
        } ?? 0
        let after = try request.query("after").map { value -> LedgerEntry.Cursor in
            guard let cursor = LedgerEntry.Cursor(value) else { throw APIError.invalid("after", "翻页位置无效", detail: "after is YYYY-MM-DD:caseId, the previous page's next") }
            return cursor
        }
        if after != nil, offset != 0 { throw APIError.invalid("offset", "after 与 offset 不能同时使用") }
        // One more than the page: whether a next page exists.
        let total: Int?
        let entries: [LedgerEntry]
        if let after {
            total = nil
            entries = LedgerEntry.entries(try await services.store.ledger(filter, limit: limit + 1, after: (after.submittedOn, after.id)))
        } else {
            let (count, rows) = try await services.store.ledger(filter, limit: limit + 1, offset: offset)
            total = count
            entries = LedgerEntry.entries(rows)
        }
        let shown = Array(entries.prefix(limit))
        let page = LedgerPage(total: total, offset: offset, limit: limit, entries: shown,
                              next: entries.count > limit ? shown.last?.cursor.text : nil)
        return try HTTPBody.json(page)
    }

    /// The whole ledger (filtered) as CSV.
    /// Streamed in keyset pages of ``csvChunk`` cases, each read in its own snapshot: memory
    /// stays flat whatever the ledger's size (a case changed during the export shows as it was
    /// when its page was read).
    func ledgerCSV(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let filter = try ledgerFilter(request, context: context)
        let store = services.store
        let chunk = Self.csvChunk
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"ledger.csv\""
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            try await writer.write(ByteBuffer(bytes: LedgerEntry.csvHeader))
            var after: LedgerEntry.Cursor?
            while true {
                let rows = if let after { try await store.ledger(filter, limit: chunk, after: (after.submittedOn, after.id)) }
                    else { try await store.ledger(filter, limit: chunk).rows }
                let entries = LedgerEntry.entries(rows)
                if !entries.isEmpty { try await writer.write(ByteBuffer(bytes: LedgerEntry.csvRows(entries))) }
                guard entries.count == chunk, let last = entries.last else { break }
                after = last.cursor
            }
            try await writer.finish(nil)
        })
    }

    /// Cases per page of the streamed CSV export.
    static let csvChunk = 500
}
