import Foundation
import HTTPTypes
import ReviewProtocol
import ReviewRules
import ReviewStore

/// Art 6: a reviewer (county or city) records a 座谈会 or 论证会 held on a case. It is an event on
/// the case and does not stop the Art 8 clock (only a supplement notice does); the opinion cites it.
struct ExpertSessionWorkflow: Sendable {
    let services: NodeServices

    /// The unit under which reviewers' uploads (session attachments) are kept: not a real
    /// unit's name, so no drafter can attach them.
    static let reviewerUploadUnit = "#reviewers"

    /// A session as the reviewer records it.
    struct Input: Codable, Sendable {
        var form: ExpertSessionForm
        /// YYYY-MM-DD, not after today.
        var heldOn: String
        var participants: [SessionParticipant]
        var minutes: String
        var conclusions: String
        /// Files the reviewer uploaded beforehand (POST /materials); each becomes a case material.
        var attachments: [MaterialRef]?
    }

    /// - Throws: 422 naming the field (date, participants, minutes, conclusions, attachments);
    ///   409 once the case is archived, or on a county node once it was forwarded.
    /// The most participants one session records.
    static let maximumParticipants = 200

    func record(_ caseId: String, _ input: Input, by user: UserRecord) async throws -> ExpertSession {
        let today = services.today.date
        guard let heldOn = CivilDate(iso: input.heldOn) else { throw APIError.invalid("heldOn", "会议日期应为“年-月-日”格式(如2026-03-20)") }
        guard heldOn <= today else { throw APIError.invalid("heldOn", "会议日期不能晚于今天") }
        guard !input.participants.isEmpty else { throw APIError.invalid("participants", "请填写参加人员") }
        guard input.participants.count <= Self.maximumParticipants else {
            throw APIError.invalid("participants", "参加人员不能超过\(Self.maximumParticipants)人")
        }
        var seen: Set<String> = []
        for (index, participant) in input.participants.enumerated() {
            if participant.name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw APIError.invalid("participants[\(index)].name", "请填写参加人员姓名") }
            if participant.unit.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw APIError.invalid("participants[\(index)].unit", "请填写参加人员所在单位") }
            if let problem = PlainText.problem(participant.name, maxLength: 50, multiline: false) { throw APIError.invalid("participants[\(index)].name", problem) }
            if let problem = PlainText.problem(participant.unit, maxLength: 100, multiline: false) { throw APIError.invalid("participants[\(index)].unit", problem) }
            guard seen.insert(participant.name + "\u{1}" + participant.unit).inserted else {
                throw APIError.invalid("participants[\(index)].name", "参加人员重复")
            }
        }
        if let problem = PlainText.problem(input.minutes, maxLength: 20_000) { throw APIError.invalid("minutes", problem) }
        if let problem = PlainText.problem(input.conclusions, maxLength: 5_000) { throw APIError.invalid("conclusions", problem) }
        let minutes = input.minutes.trimmingCharacters(in: .whitespacesAndNewlines)
        let conclusions = input.conclusions.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !minutes.isEmpty else { throw APIError.invalid("minutes", "请填写会议纪要") }
        guard !conclusions.isEmpty else { throw APIError.invalid("conclusions", "请填写会议结论") }
        let tier = services.configuration.tier
        let services = self.services
        return try await services.store.write { db in
            let change = try CaseTransaction(db, services: services, caseId: caseId, user: user, access: .reviewer)
            let record = change.record
            guard heldOn >= record.submittedOn else { throw APIError.invalid("heldOn", "会议日期不能早于申请日期(\(record.submittedOn))") }
            guard record.state != .archived, tier == .city || record.forwardedOn == nil else {
                throw APIError(.conflict, code: "illegal-transition", message: "案件当前状态为“\(record.state.chineseName)”,不能再记录座谈会或论证会",
                               detail: "expert sessions are recorded while this node reviews the case", state: record.state.rawValue)
            }
            var attachments: [MaterialRef] = []
            for (index, file) in (input.attachments ?? []).enumerated() {
                guard let digest = file.sha256?.lowercased(), let bytes = try NodeStore.uploadedBlobBytes(db, sha256: digest, unit: Self.reviewerUploadUnit) else {
                    throw APIError.invalid("attachments[\(index)].sha256", "附件尚未上传")
                }
                attachments.append(MaterialRef(kind: .other, title: file.title, fileName: file.fileName, sha256: digest, bytes: bytes))
            }
            let number = try NodeStore.nextExpertSessionNumber(db, caseId: caseId)
            let session = ExpertSession(number: number, tier: tier, form: input.form, heldOn: heldOn, participants: input.participants,
                                        minutes: minutes, conclusions: conclusions, attachments: attachments, recordedBy: user.name, recordedOn: today)
            try NodeStore.addExpertSession(db, caseId: caseId, number: number, body: try CaseWorkflow.canonicalJSON(session))
            // The attachments are kept with the case's materials (and so travel and archive with it).
            let asMaterials = attachments.map {
                MaterialRef(kind: .other, title: "\(input.form.chineseName)材料:\($0.title ?? $0.fileName ?? "附件")", fileName: $0.fileName, sha256: $0.sha256, bytes: $0.bytes)
            }
            try CaseWorkflow.attach(db, asMaterials, to: caseId, on: today)
            // Art 8: no clock change; a session is not a supplement notice.
            try change.log("recordExpertSession", ["number": String(number), "form": input.form.rawValue, "heldOn": heldOn.description,
                                                   "participants": String(input.participants.count)])
            return session
        }
    }
}
