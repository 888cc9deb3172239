import Crypto
import Foundation
import HTTPTypes
import ReviewProtocol
import ReviewRules
import ReviewStore

/// 上线意见征询 on the drafter's node (issue 18; work plan 二.(一).2, 二.(二).1): a drafter asks
/// departments for their opinion on a draft; each answers once; when all have answered the
/// node compiles materials (4) and (5) (Art 5), which the submission then carries.
/// Each action is one store transaction with its event.
struct ConsultationWorkflow: Sendable {
    let services: NodeServices

    var configuration: NodeConfiguration { services.configuration }

    /// One department to ask, and what about.
    struct Request: Codable, Sendable {
        var department: String
        /// Defaults to `general`.
        var topic: ConsultationTopic?
    }

    /// A consultation as the API and the console show it.
    struct View: Codable, Sendable {
        var consultation: ConsultationSummary
        var form: CaseForm
        var draftSha256: String?
        var caseId: String?
        /// Departments that have not answered by their deadline (reminders on the drafter's inbox).
        var overdueDepartments: [String]
        /// Departments whose 不同意 still blocks submission.
        var blockingDepartments: [String]
        var readyToSubmit: Bool
    }

    /// An answer as a consulted department gives it.
    struct Answer: Codable, Sendable {
        var answer: ConsultationAnswer
        var changes: [RequiredChange]?
        var reasons: String?
        var fairCompetition: FairCompetitionReview?
        var funding: FundingOpinion?
        var attachment: MaterialRef?
    }

    static func view(_ record: ConsultationRecord, today: CivilDate) throws -> View {
        let summary = try record.decodedSummary()
        let overdue = summary.departments.filter { $0.answer == nil && $0.isOverdue(today: today) }.map(\.department)
        return View(consultation: summary, form: try record.decodedForm(), draftSha256: record.draftSha256, caseId: record.caseId,
                    overdueDepartments: overdue, blockingDepartments: summary.unresolvedDisagreements,
                    readyToSubmit: record.caseId == nil && summary.isComplete && summary.unresolvedDisagreements.isEmpty)
    }

    /// A drafter opens a consultation on a draft (its element form and, optionally, the
    /// uploaded draft document), asking `requests`' departments. Each must have a consultee account.
    /// - Throws: 422 naming the field for an empty title, no or repeated departments, a
    ///   department without a consultee account, or a draft document or a material (named by
    ///   its SHA-256) the unit did not upload.
    func open(form: CaseForm, draftSha256: String?, requests: [Request], by user: UserRecord) async throws -> View {
        try Access.requireRole(user, .drafter)
        guard let unit = user.unit else { throw APIError.forbidden("a drafter without a unit cannot consult") }
        let title = form.policy.title?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !title.isEmpty else { throw APIError.invalid("form.policy.title", "请填写政策文件标题") }
        if let drafting = form.policy.draftingUnit, drafting != unit {
            throw APIError.invalid("form.policy.draftingUnit", "政策制定部门“\(drafting)”与账号所属单位“\(unit)”不一致")
        }
        guard !requests.isEmpty else { throw APIError.invalid("departments", "请至少选择一个征询部门") }
        var seen = Set<String>()
        for (index, request) in requests.enumerated() {
            let name = request.department.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !name.isEmpty else { throw APIError.invalid("departments[\(index)].department", "请填写征询部门") }
            guard seen.insert(name).inserted else { throw APIError.invalid("departments[\(index)].department", "征询部门“\(name)”重复") }
            guard name != unit else { throw APIError.invalid("departments[\(index)].department", "不能向本单位征询意见") }
        }
        let today = services.today.date
        let due: CivilDate
        do { due = try services.calendar.addWorkdays(today, configuration.consultationWorkdays) } catch {
            throw APIError(.conflict, code: "calendar-missing", message: "尚未配置答复期限所在年度的工作日历,请联系运维管理员", detail: "\(error)")
        }
        var stored = form
        stored.policy.draftingUnit = unit
        stored.consultationId = nil
        let formData = try CaseWorkflow.canonicalJSON(stored)
        let nodeId = configuration.nodeId
        let record = try await services.store.write { db in
            for (index, request) in requests.enumerated() {
                guard try NodeStore.hasConsultee(db, department: request.department.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw APIError.invalid("departments[\(index)].department", "“\(request.department)”尚未开通征询部门账号,请联系运维管理员")
                }
            }
            // A material the form names by digest is one this unit uploaded (as the submission
            // will require); one named without a digest is still to come.
            for (index, material) in form.materials.enumerated() {
                guard let digest = material.sha256?.lowercased(), !digest.isEmpty else { continue }
                guard try NodeStore.attachableBlobBytes(db, sha256: digest, unit: unit) != nil else {
                    throw APIError.invalid("form.materials[\(index)].sha256", "材料“\(material.title ?? material.kind.chineseName)”尚未上传",
                                           detail: "no uploaded material with SHA-256 \(digest)")
                }
            }
            if let digest = draftSha256?.lowercased() {
                guard try NodeStore.attachableBlobBytes(db, sha256: digest, unit: unit) != nil else {
                    throw APIError.invalid("draftSha256", "政策文件送审稿尚未上传", detail: "no uploaded material with SHA-256 \(digest)")
                }
            }
            let id = try NodeStore.nextConsultationId(db, nodeId: nodeId, year: today.year)
            let departments = requests.map {
                ConsultedDepartment(department: $0.department.trimmingCharacters(in: .whitespacesAndNewlines), topic: $0.topic ?? .general,
                                    askedOn: today, dueOn: due)
            }
            let summary = ConsultationSummary(id: id, draftingUnit: unit, policyTitle: title, openedOn: today, departments: departments)
            let record = ConsultationRecord(id: id, unit: unit, createdBy: user.id, form: formData, draftSha256: draftSha256?.lowercased(),
                                            openedOn: today, summary: try CaseWorkflow.canonicalJSON(summary))
            try NodeStore.openConsultation(db, record, departments: departments.map(\.department))
            try NodeStore.appendEvent(db, caseId: nil, actor: CaseWorkflow.actor(user), action: "openConsultation",
                                      payload: ["consultation": id, "departments": departments.map(\.department).joined(separator: "、"), "dueOn": due.description])
            return record
        }
        return try Self.view(record, today: today)
    }

    /// The consultations `user` may see: a drafter its unit's, a consultee those asking its department.
    func list(by user: UserRecord) async throws -> [View] {
        let today = services.today.date
        switch user.role {
        case .drafter, .consultee:
            guard let unit = user.unit else { return [] }
            let role = user.role
            let records = try await services.store.read { db in
                role == .drafter ? try NodeStore.consultations(db, unit: unit) : try NodeStore.consultations(db, askingDepartment: unit)
            }
            return try records.map { try Self.view($0, today: today) }
        default:
            throw APIError.forbidden("only drafters and consultees take part in consultations")
        }
    }

    /// One consultation, if `user` may see it (404 otherwise).
    func get(_ id: String, by user: UserRecord) async throws -> View {
        let today = services.today.date
        let record = try await services.store.read { db in try Self.load(db, id, for: user) }
        return try Self.view(record, today: today)
    }

    static let notFound = APIError(.notFound, code: "consultation-not-found", message: "意见征询不存在", field: "id")

    static func load(_ db: StoreTransaction, _ id: String, for user: UserRecord) throws -> ConsultationRecord {
        guard let record = try NodeStore.consultation(db, id: id), let unit = user.unit else { throw notFound }
        switch user.role {
        case .drafter where record.unit == unit: return record
        case .consultee where try record.decodedSummary().departments.contains(where: { $0.department == unit }): return record
        default: throw notFound
        }
    }

    static func requireOpen(_ record: ConsultationRecord) throws {
        guard record.caseId == nil else {
            throw APIError(.conflict, code: "consultation-submitted", message: "该意见征询已随审查申请提交,不能再修改", detail: "submitted with case \(record.caseId ?? "")")
        }
    }

    /// A consulted department answers, once. 修改后同意 needs its changes, 不同意 its reasons;
    /// 公平竞争审查 and 财政资金安排 requests need their typed answer. Late answers are taken (and shown late).
    /// - Throws: 422 naming the field; 409 when already answered or already submitted.
    func answer(_ id: String, _ answer: Answer, by user: UserRecord) async throws -> View {
        try Access.requireRole(user, .consultee)
        guard let department = user.unit else { throw APIError.forbidden("a consultee without a department") }
        let reasons = answer.reasons?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let reasons, let problem = PlainText.problem(reasons, maxLength: 5_000) { throw APIError.invalid("reasons", problem) }
        if let changes = answer.changes {
            guard changes.count <= 200 else { throw APIError.invalid("changes", "修改意见不能超过200条") }
            for (index, change) in changes.enumerated() {
                if let problem = PlainText.problem(change.change, maxLength: 2_000) { throw APIError.invalid("changes[\(index)].change", problem) }
            }
        }
        switch answer.answer {
        case .agree: break
        case .agreeWithChanges:
            guard let changes = answer.changes, !changes.isEmpty else { throw APIError.invalid("changes", "修改后同意时请逐项列明需修改的内容") }
            for (index, change) in changes.enumerated() where change.change.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw APIError.invalid("changes[\(index)].change", "请填写修改内容")
            }
        case .disagree:
            guard let reasons, !reasons.isEmpty else { throw APIError.invalid("reasons", "不同意时请说明理由") }
        }
        if let review = answer.fairCompetition, review.basis.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw APIError.invalid("fairCompetition.basis", "请填写公平竞争审查依据")
        }
        if let funding = answer.funding {
            if funding.conclusion.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw APIError.invalid("funding.conclusion", "请填写财政资金安排结论") }
            if funding.basis.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw APIError.invalid("funding.basis", "请填写财政资金安排依据") }
            if let amount = funding.amount, !FundingOpinion.isValidAmount(amount) {
                throw APIError.invalid("funding.amount", "资金额度应为数字加单位“元”或“万元”(如500万元)")
            }
        }
        let today = services.today.date
        let services = self.services
        let record = try await services.store.write { db in
            var record = try Self.load(db, id, for: user)
            try Self.requireOpen(record)
            var summary = try record.decodedSummary()
            guard let index = summary.departments.firstIndex(where: { $0.department == department }) else { throw Self.notFound }
            guard summary.departments[index].answer == nil else {
                throw APIError(.conflict, code: "already-answered", message: "本部门已答复该意见征询", detail: "answered on \(summary.departments[index].answeredOn?.description ?? "")")
            }
            let form = try record.decodedForm()
            for (changeIndex, change) in (answer.changes ?? []).enumerated() {
                if let item = change.itemIndex, !form.serviceItems.indices.contains(item) {
                    throw APIError.invalid("changes[\(changeIndex)].itemIndex", "事项序号超出范围")
                }
            }
            switch summary.departments[index].topic {
            case .fairCompetition where answer.fairCompetition == nil:
                throw APIError.invalid("fairCompetition", "请填写公平竞争审查结论及依据")
            case .funding where answer.funding == nil:
                throw APIError.invalid("funding", "请填写财政资金安排意见")
            default: break
            }
            var attachment = answer.attachment
            if let file = attachment {
                guard let digest = file.sha256?.lowercased(), let bytes = try NodeStore.uploadedBlobBytes(db, sha256: digest, unit: department) else {
                    throw APIError.invalid("attachment.sha256", "附件尚未上传")
                }
                attachment?.sha256 = digest
                attachment?.bytes = bytes
                attachment?.kind = summary.departments[index].topic == .general ? .consultationRecord : .fairCompetitionAndFunding
            }
            var entry = summary.departments[index]
            entry.answer = answer.answer
            entry.answeredOn = today
            entry.answeredBy = user.name
            entry.changes = answer.answer == .agreeWithChanges ? answer.changes : nil
            entry.reasons = reasons?.isEmpty == false ? reasons : nil
            entry.fairCompetition = answer.fairCompetition
            entry.funding = answer.funding
            entry.attachment = attachment
            summary.departments[index] = entry
            try Self.compileIfComplete(db, &summary, unit: record.unit)
            record.summary = try CaseWorkflow.canonicalJSON(summary)
            try NodeStore.saveConsultation(db, record)
            try NodeStore.appendEvent(db, caseId: nil, actor: CaseWorkflow.actor(user), action: "answerConsultation",
                                      payload: ["consultation": id, "department": department, "answer": answer.answer.rawValue,
                                                "late": String(entry.isOverdue(today: today))])
            _ = services
            return record
        }
        return try Self.view(record, today: today)
    }

    /// The drafter records how it responded to a department's answer (采纳情况); a response to a
    /// 不同意 resolves it.
    func respond(_ id: String, department: String, response: String, by user: UserRecord) async throws -> View {
        let response = response.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !response.isEmpty else { throw APIError.invalid("response", "请填写对该部门意见的采纳情况") }
        if let problem = PlainText.problem(response, maxLength: 5_000) { throw APIError.invalid("response", problem) }
        return try await amend(id, by: user, action: "respondConsultation", payload: ["consultation": id, "department": department]) { summary in
            guard let index = summary.departments.firstIndex(where: { $0.department == department }) else {
                throw APIError.invalid("department", "“\(department)”不是该意见征询的征询部门")
            }
            guard summary.departments[index].answer != nil else {
                throw APIError(.conflict, code: "not-answered", message: "该部门尚未答复", detail: "\(department) has not answered")
            }
            summary.departments[index].drafterResponse = response
        }
    }

    /// The drafter submits despite a 不同意, with its reason on record (shown in material (4) and to the reviewers).
    func override(_ id: String, reason: String, by user: UserRecord) async throws -> View {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw APIError.invalid("reason", "请说明不同意见未采纳仍提交审查的理由") }
        if let problem = PlainText.problem(reason, maxLength: 5_000) { throw APIError.invalid("reason", problem) }
        return try await amend(id, by: user, action: "overrideConsultation", payload: ["consultation": id, "reason": reason]) { summary in
            guard summary.departments.contains(where: { $0.answer == .disagree }) else {
                throw APIError(.conflict, code: "no-disagreement", message: "没有部门答复不同意,无需说明", detail: "no department disagreed")
            }
            summary.overrideReason = reason
        }
    }

    /// A drafter's change to an open consultation in one transaction: `change` edits the record,
    /// materials (4)/(5) are compiled again when every department has answered, and the event is logged.
    /// - Throws: 403 not a drafter, 404 not the unit's, 409 already submitted, or what `change` throws.
    private func amend(_ id: String, by user: UserRecord, action: String, payload: [String: String],
                       _ change: @escaping @Sendable (inout ConsultationSummary) throws -> Void) async throws -> View {
        try Access.requireRole(user, .drafter)
        let today = services.today.date
        let record = try await services.store.write { db in
            var record = try Self.load(db, id, for: user)
            try Self.requireOpen(record)
            var summary = try record.decodedSummary()
            try change(&summary)
            try Self.compileIfComplete(db, &summary, unit: record.unit)
            record.summary = try CaseWorkflow.canonicalJSON(summary)
            try NodeStore.saveConsultation(db, record)
            try NodeStore.appendEvent(db, caseId: nil, actor: CaseWorkflow.actor(user), action: action, payload: payload)
            return record
        }
        return try Self.view(record, today: today)
    }

    /// The bytes of a file of consultation `id` (a generated page, the draft or an attachment), if `user` may see it.
    func file(_ id: String, sha256: String, by user: UserRecord) async throws -> Data {
        try await services.store.read { db in
            let record = try Self.load(db, id, for: user)
            let summary = try record.decodedSummary()
            let known = [summary.recordSha256, summary.opinionsSha256, record.draftSha256] + summary.departments.map { $0.attachment?.sha256 }
            guard known.contains(sha256.lowercased()), let content = try NodeStore.blobContent(db, sha256: sha256.lowercased()) else {
                throw APIError(.notFound, code: "material-not-found", message: "材料不存在", field: "sha256")
            }
            return content
        }
    }

    /// When every department has answered: (re)generates materials (4) and (5) as pages kept
    /// byte-exact, owned by `unit` so its submission may carry them.
    static func compileIfComplete(_ db: StoreTransaction, _ summary: inout ConsultationSummary, unit: String) throws {
        guard summary.isComplete else { return }
        summary.recordSha256 = nil
        summary.opinionsSha256 = nil
        for page in [ConsultationPages.record(summary), ConsultationPages.opinions(summary)] {
            let data = Data(page.utf8)
            let digest = SHA256.hash(data: data).hexString
            try NodeStore.storeUpload(db, MaterialBlobRecord(sha256: digest, bytes: data.count, content: data, uploadedBy: nil, createdAt: Date()), unit: unit)
            if summary.recordSha256 == nil { summary.recordSha256 = digest } else { summary.opinionsSha256 = digest }
        }
    }

    /// At submission (inside its transaction): checks the consultation named by the form and
    /// returns the materials it adds; links it to `caseId`.
    /// - Throws: 422 at `consultationId` when unknown; 409 when incomplete, blocked by a
    ///   不同意, or already submitted.
    static func attach(_ db: StoreTransaction, consultationId: String, unit: String, to caseId: String) throws -> (ConsultationSummary, [MaterialRef]) {
        guard var record = try NodeStore.consultation(db, id: consultationId), record.unit == unit else {
            throw APIError.invalid("consultationId", "意见征询不存在", detail: "no consultation \(consultationId) of this unit")
        }
        try requireOpen(record)
        let summary = try record.decodedSummary()
        guard summary.isComplete, let recordDigest = summary.recordSha256, let opinionsDigest = summary.opinionsSha256 else {
            let waiting = summary.departments.filter { $0.answer == nil }.map(\.department)
            throw APIError(.conflict, code: "consultation-incomplete", message: "意见征询尚有部门未答复:\(waiting.joined(separator: "、"))",
                           detail: "waiting for \(waiting.joined(separator: ", "))")
        }
        let blocking = summary.unresolvedDisagreements
        guard blocking.isEmpty else {
            throw APIError(.conflict, code: "consultation-disagreement",
                           message: "\(blocking.joined(separator: "、"))不同意,请先协调解决并记录采纳情况,或说明理由后再提交",
                           detail: "unresolved disagreement from \(blocking.joined(separator: ", "))")
        }
        var materials = [
            MaterialRef(kind: .consultationRecord, title: "政策制定意见征求情况(\(summary.id))", fileName: "意见征求情况-\(summary.id).html",
                        sha256: recordDigest, bytes: try NodeStore.uploadedBlobBytes(db, sha256: recordDigest, unit: unit)),
            MaterialRef(kind: .fairCompetitionAndFunding, title: "公平竞争审查、财政资金安排意见(\(summary.id))", fileName: "公平竞争审查及财政资金安排意见-\(summary.id).html",
                        sha256: opinionsDigest, bytes: try NodeStore.uploadedBlobBytes(db, sha256: opinionsDigest, unit: unit)),
        ]
        for department in summary.departments {
            guard var attachment = department.attachment else { continue }
            attachment.title = "\(department.department)意见附件" + (attachment.title.map { ":\($0)" } ?? "")
            materials.append(attachment)
        }
        record.caseId = caseId
        try NodeStore.saveConsultation(db, record)
        try NodeStore.setCaseConsultation(db, caseId: caseId, summary: record.summary)
        return (summary, materials)
    }
}
