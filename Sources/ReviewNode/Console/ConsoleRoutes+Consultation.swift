import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import ReviewProtocol
import ReviewStore

// 上线意见征询 (issue 18) in the console: the drafter opens and follows consultations, each
// consulted department answers its own; Art 6 expert sessions are recorded from the case page.
extension ConsoleRoutes {
    var consultations: ConsultationWorkflow { ConsultationWorkflow(services: services) }

    /// The consultations list: a drafter's (with the form to open one), or a department's requests.
    func consultationsPage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let today = services.today.date
        // Drafters and consultees only: the workflow's list checks.
        let views = try await consultations.list(by: user)
        var view = base(context, title: "上线意见征询")
        view["isDrafterPage"] = user.role == .drafter
        view["consultations"] = views.map { Self.consultationRow($0, for: user, today: today) }
        view["hasConsultations"] = !views.isEmpty
        view["workdays"] = services.configuration.consultationWorkdays
        if user.role == .drafter {
            let units = try await services.store.read { db in try NodeStore.consulteeDepartments(db) }
            view["departments"] = units.enumerated().map { index, unit in
                ["index": index, "name": unit, "topics": ConsultationTopic.allCases.map { ["value": $0.rawValue, "name": $0.chineseName, "selected": $0 == Self.defaultTopic(unit)] }] as [String: Any]
            }
            view["hasDepartments"] = !units.isEmpty
        }
        return renderer.page("consultations", view)
    }

    /// 财政局 is asked for 财政资金安排, 市场监管局 for 公平竞争审查, others for a general opinion (the drafter may change it).
    static func defaultTopic(_ unit: String) -> ConsultationTopic {
        if unit.contains("财政") { return .funding }
        if unit.contains("市场监督") || unit.contains("市场监管") { return .fairCompetition }
        return .general
    }

    static func consultationRow(_ consultation: ConsultationWorkflow.View, for user: UserRecord, today: CivilDate) -> [String: Any] {
        let summary = consultation.consultation
        let mine = summary.departments.first { $0.department == user.unit }
        let answered = summary.departments.filter { $0.answer != nil }.count
        let overdue = user.role == .consultee ? (mine.map { $0.answer == nil && $0.isOverdue(today: today) } ?? false) : !consultation.overdueDepartments.isEmpty
        var row: [String: Any] = [
            "id": summary.id, "title": summary.policyTitle, "openedOn": summary.openedOn.description,
            "dueOn": summary.departments.first?.dueOn.description ?? "—",
            "progress": "\(answered)/\(summary.departments.count)", "overdue": overdue, "rowClass": overdue ? "overdue-row" : "",
            "state": consultation.caseId != nil ? "已随申请提交" : summary.isComplete ? (consultation.blockingDepartments.isEmpty ? "已全部答复,可提交审查" : "有不同意见待处理") : "征询中",
        ]
        row["overdueDepartments"] = consultation.overdueDepartments.isEmpty ? nil : consultation.overdueDepartments.joined(separator: "、")
        row["myAnswer"] = mine?.answer?.chineseName
        row["draftingUnit"] = summary.draftingUnit
        return row
    }

    /// A drafter opens a consultation: the policy title, the draft document, the departments.
    func openConsultation(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try Access.requireRole(user, .drafter)
        let form = try await ConsoleForm.read(request, context, limit: services.configuration.maxMaterialBytes * 2)
        let title = try required(form, "title", "请填写政策文件标题")
        var caseForm: CaseForm
        if form.uploads("formFile").first != nil || form.value("formJSON") != nil {
            caseForm = try decodeUploadedForm(form)
        } else {
            caseForm = CaseForm(policy: Policy(title: title, draftingUnit: user.unit, divisionCode: services.configuration.nodeId,
                                               level: services.configuration.isCity ? .city : .county, kind: .launch), serviceItems: [], materials: [])
        }
        caseForm.policy.title = title
        var draft: String?
        if let file = form.uploads("draft").first {
            guard file.data.count <= services.configuration.maxMaterialBytes else {
                throw APIError(.contentTooLarge, code: "material-too-large", message: "送审稿超过大小上限", field: "draft")
            }
            let digest = SHA256.hash(data: file.data).hexString
            let blob = MaterialBlobRecord(sha256: digest, bytes: file.data.count, content: file.data, uploadedBy: user.id, createdAt: Date())
            if let unit = user.unit { try await services.store.write { db in try NodeStore.storeUpload(db, blob, unit: unit) } }
            draft = digest
        }
        let requests = try form.values("department").map { name -> ConsultationWorkflow.Request in
            let topic = try form.value("topic:" + name).map { value -> ConsultationTopic in
                guard let topic = ConsultationTopic(rawValue: value) else { throw APIError.invalid("topic", "未知的征询事项") }
                return topic
            }
            return .init(department: name, topic: topic)
        }
        let opened = try await consultations.open(form: caseForm, draftSha256: draft, requests: requests, by: user)
        return ConsoleRenderer.redirect("/console/consultations/\(opened.consultation.id)?flash=opened")
    }

    static let consultationFlashes = [
        "opened": "意见征询已发出,各部门将在答复期限内答复。", "answered": "答复已提交。", "responded": "采纳情况已记录。",
        "overridden": "理由已记录,可提交审查申请。",
    ]

    /// One consultation: every department's request and answer; the answer form for a
    /// department that has not answered; the drafter's responses, override and the compiled materials.
    func consultationPage(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("consultationId")
        let consultation = try await consultations.get(id, by: user)
        let today = services.today.date
        let summary = consultation.consultation
        var view = base(context, title: "意见征询 \(summary.id)")
        view["flash"] = request.query("flash").flatMap { Self.consultationFlashes[$0] }
        view["id"] = summary.id
        view["title"] = summary.policyTitle
        view["quotedTitle"] = BookTitle.quoted(summary.policyTitle)
        view["draftingUnit"] = summary.draftingUnit
        view["openedOn"] = summary.openedOn.description
        view["caseId"] = consultation.caseId
        view["isDrafterPage"] = user.role == .drafter
        let itemNames = consultation.form.serviceItems.map(\.itemName)
        view["departments"] = summary.departments.map { department -> [String: Any] in
            let overdue = department.isOverdue(today: today)
            var row: [String: Any] = [
                "department": department.department, "topic": department.topic.chineseName, "askedOn": department.askedOn.description,
                "dueOn": department.dueOn.description, "answeredOn": department.answeredOn?.description ?? "未答复",
                "answer": department.answer?.chineseName ?? "—", "overdue": overdue, "rowClass": overdue && department.answer == nil ? "overdue-row" : "",
                "late": overdue && department.answer != nil, "waitingOverdue": overdue && department.answer == nil,
                "disagree": department.answer == .disagree,
                "changes": (department.changes ?? []).map { change -> [String: Any] in
                    let place = [change.itemIndex.map { ConsoleVocabulary.item($0, itemNames: itemNames) }, change.element?.chineseName].compactMap { $0 }.joined(separator: " › ")
                    // Absent, not empty: Mustache shows a section for any string.
                    var row: [String: Any] = ["change": change.change]
                    row["place"] = place.isEmpty ? nil : place
                    return row
                },
                "canRespond": user.role == .drafter && department.answer != nil && consultation.caseId == nil,
            ]
            row["reasons"] = department.reasons
            row["answeredBy"] = department.answeredBy
            row["response"] = department.drafterResponse
            row["fairCompetition"] = department.fairCompetition.map { ["conclusion": $0.conclusion.chineseName, "basis": $0.basis] }
            row["funding"] = department.funding.map { ["conclusion": $0.conclusion, "basis": $0.basis, "source": $0.source ?? "—", "amount": $0.amount ?? "—"] }
            row["attachment"] = department.attachment.flatMap { file in
                file.sha256.map { ["name": file.fileName ?? file.title ?? "附件", "href": "/console/consultations/\(summary.id)/files/\($0)"] }
            }
            return row
        }
        view["overdueDepartments"] = consultation.overdueDepartments.isEmpty ? nil : consultation.overdueDepartments.joined(separator: "、")
        view["blockingDepartments"] = consultation.blockingDepartments.isEmpty ? nil : consultation.blockingDepartments.joined(separator: "、")
        view["overrideReason"] = summary.overrideReason
        view["canOverride"] = user.role == .drafter && consultation.caseId == nil && !consultation.blockingDepartments.isEmpty
        view["readyToSubmit"] = user.role == .drafter && consultation.readyToSubmit
        view["draftHref"] = consultation.draftSha256.map { "/console/consultations/\(summary.id)/files/\($0)" }
        view["recordHref"] = summary.recordSha256.map { "/console/consultations/\(summary.id)/files/\($0)" }
        view["opinionsHref"] = summary.opinionsSha256.map { "/console/consultations/\(summary.id)/files/\($0)" }
        view["recordSha256"] = summary.recordSha256
        view["opinionsSha256"] = summary.opinionsSha256
        if user.role == .consultee, consultation.caseId == nil, let mine = summary.departments.first(where: { $0.department == user.unit }), mine.answer == nil {
            view["answerForm"] = [
                "fairCompetition": mine.topic == .fairCompetition, "funding": mine.topic == .funding, "dueOn": mine.dueOn.description,
                "overdue": mine.isOverdue(today: today),
                "conclusions": FairCompetitionConclusion.allCases.map { ["value": $0.rawValue, "name": $0.chineseName] },
                "rows": (0..<Self.noteRows).map { ["row": $0] },
                "elementOptions": Element.allCases.map { ["value": $0.rawValue, "name": $0.chineseName] },
            ] as [String: Any]
        }
        return renderer.page("consultation", view)
    }

    /// The consultation's posted actions: `answer` (consultee), `respond` and `override` (drafter).
    func consultationAction(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let id = try context.parameters.require("consultationId")
        let action = try context.parameters.require("action")
        let form = try await ConsoleForm.read(request, context, limit: services.configuration.maxMaterialBytes * 2)
        switch action {
        case "answer":
            try Access.requireRole(user, .consultee)
            guard let answer = form.value("answer").flatMap(ConsultationAnswer.init(rawValue:)) else { throw APIError.invalid("answer", "请选择答复意见") }
            let changes = try Self.reviewerNotes(form).map { RequiredChange(itemIndex: $0.itemIndex, element: $0.element, change: $0.message) }
            var body = ConsultationWorkflow.Answer(answer: answer, changes: changes.isEmpty ? nil : changes, reasons: form.value("reasons"))
            if let conclusion = form.value("fairConclusion") {
                guard let value = FairCompetitionConclusion(rawValue: conclusion) else { throw APIError.invalid("fairConclusion", "请选择审查结论") }
                body.fairCompetition = FairCompetitionReview(conclusion: value, basis: form.value("fairBasis") ?? "")
            }
            if let conclusion = form.value("fundingConclusion") {
                body.funding = FundingOpinion(conclusion: conclusion, basis: form.value("fundingBasis") ?? "", source: form.value("fundingSource"),
                                              amount: form.value("fundingAmount"))
            }
            if let file = form.uploads("attachment").first, let unit = user.unit {
                guard file.data.count <= services.configuration.maxMaterialBytes else {
                    throw APIError(.contentTooLarge, code: "material-too-large", message: "附件超过大小上限", field: "attachment")
                }
                let digest = SHA256.hash(data: file.data).hexString
                let blob = MaterialBlobRecord(sha256: digest, bytes: file.data.count, content: file.data, uploadedBy: user.id, createdAt: Date())
                try await services.store.write { db in try NodeStore.storeUpload(db, blob, unit: unit) }
                body.attachment = MaterialRef(kind: .consultationRecord, title: file.fileName, fileName: file.fileName, sha256: digest, bytes: file.data.count)
            }
            _ = try await consultations.answer(id, body, by: user)
            return ConsoleRenderer.redirect("/console/consultations/\(id)?flash=answered")
        case "respond":
            _ = try await consultations.respond(id, department: try required(form, "department", "请选择部门"),
                                                response: form.value("response") ?? "", by: user)
            return ConsoleRenderer.redirect("/console/consultations/\(id)?flash=responded")
        case "override":
            _ = try await consultations.override(id, reason: form.value("reason") ?? "", by: user)
            return ConsoleRenderer.redirect("/console/consultations/\(id)?flash=overridden")
        default:
            throw APIError(.notFound, code: "not-found", message: "未知的操作", field: "action")
        }
    }

    func consultationFile(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let data = try await consultations.file(try context.parameters.require("consultationId"), sha256: try context.parameters.require("sha256"),
                                                by: try context.requireUser())
        return HTTPBody.consultationFile(data)
    }

    /// Art 6: the expert-session form on the case page (reviewers).
    func recordExpertSession(_ form: ConsoleForm, caseId: String, user: UserRecord) async throws {
        guard let kind = form.value("sessionForm").flatMap(ExpertSessionForm.init(rawValue:)) else { throw APIError.invalid("sessionForm", "请选择会议形式") }
        var participants: [SessionParticipant] = []
        for row in 0..<Self.participantRows {
            guard let name = form.value("participant.\(row).name") else { continue }
            guard let field = form.value("participant.\(row).field").flatMap(ParticipantField.init(rawValue:)) else {
                throw APIError.invalid("participant.\(row).field", "请选择参加人员的领域")
            }
            participants.append(SessionParticipant(name: name, unit: form.value("participant.\(row).unit") ?? "", field: field))
        }
        var attachments: [MaterialRef] = []
        var blobs: [MaterialBlobRecord] = []
        for file in form.uploads("sessionAttachment") {
            guard file.data.count <= services.configuration.maxMaterialBytes else {
                throw APIError(.contentTooLarge, code: "material-too-large", message: "附件超过大小上限", field: "sessionAttachment")
            }
            let digest = SHA256.hash(data: file.data).hexString
            blobs.append(MaterialBlobRecord(sha256: digest, bytes: file.data.count, content: file.data, uploadedBy: user.id, createdAt: Date()))
            attachments.append(MaterialRef(kind: .other, title: file.fileName, fileName: file.fileName, sha256: digest, bytes: file.data.count))
        }
        let toStore = blobs
        if !toStore.isEmpty, user.role.isReviewer {
            try await services.store.write { db in for blob in toStore { try NodeStore.storeUpload(db, blob, unit: ExpertSessionWorkflow.reviewerUploadUnit) } }
        }
        let input = ExpertSessionWorkflow.Input(form: kind, heldOn: form.value("heldOn") ?? "", participants: participants,
                                                minutes: form.value("minutes") ?? "", conclusions: form.value("conclusions") ?? "", attachments: attachments)
        _ = try await ExpertSessionWorkflow(services: services).record(caseId, input, by: user)
    }

    /// How many participant rows the session form offers.
    static let participantRows = 6

    /// The case page's consultation and session sections.
    static func consultationSections(_ detail: CaseDetail, view: inout [String: Any], itemNames: [String?]) {
        if let summary = detail.consultation {
            view["consultation"] = [
                "id": summary.id, "openedOn": summary.openedOn.description,
                "departments": summary.departments.map { department -> [String: Any] in
                    var row: [String: Any] = ["department": department.department, "topic": department.topic.chineseName,
                                              "askedOn": department.askedOn.description, "dueOn": department.dueOn.description,
                                              "answeredOn": department.answeredOn?.description ?? "未答复", "answer": department.answer?.chineseName ?? "—",
                                              "late": department.isOverdue(today: department.answeredOn ?? department.dueOn),
                                              "opinion": ConsultationPages.opinionText(department)]
                    row["response"] = department.drafterResponse
                    return row
                },
            ] as [String: Any]
            if let reason = summary.overrideReason { view["consultationOverride"] = reason }
        }
        view["expertSessions"] = detail.expertSessions.map { session -> [String: Any] in
            ["number": session.number, "form": session.form.chineseName, "tier": session.tier == .county ? "县级" : "市级",
             "heldOn": session.heldOn.description, "minutes": session.minutes, "conclusions": session.conclusions,
             "recordedBy": session.recordedBy,
             "participants": session.participants.map { ["name": $0.name, "unit": $0.unit, "field": $0.field.chineseName] },
             "attachments": session.attachments.map { ["name": $0.fileName ?? $0.title ?? "附件"] }]
        }
        view["hasExpertSessions"] = !detail.expertSessions.isEmpty
        view["participantRows"] = (0..<participantRows).map { ["row": $0] }
        view["sessionForms"] = ExpertSessionForm.allCases.map { ["value": $0.rawValue, "name": $0.chineseName] }
        view["participantFields"] = ParticipantField.allCases.map { ["value": $0.rawValue, "name": $0.chineseName] }
    }
}
