import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import ReviewProtocol
import ReviewRules
import ReviewStore

// Steps the workflow's transactions share. All run inside the caller's transaction.
extension CaseWorkflow {
    static func load(_ db: StoreTransaction, _ caseId: String) throws -> CaseRecord {
        guard let record = try NodeStore.caseRecord(db, caseId) else { throw APIError.caseNotFound }
        return record
    }

    static func form(_ db: StoreTransaction, _ caseId: String, _ revision: Int) throws -> CaseForm {
        guard let row = try NodeStore.revision(db, caseId: caseId, revision) else {
            throw StoreError(.corrupt, "case \(caseId) has no revision \(revision)")
        }
        return try row.decodedForm()
    }

    static func materials(_ db: StoreTransaction, _ caseId: String) throws -> [MaterialRef] {
        try NodeStore.caseMaterials(db, caseId: caseId).map(\.reference)
    }

    /// Every referenced material must have been uploaded by `unit` (or already belong to one of
    /// its cases), with the declared size; another unit's digest answers as if it did not exist.
    static func checkMaterialsUploaded(_ db: StoreTransaction, _ materials: [MaterialRef], field: String, unit: String) throws {
        for (index, material) in materials.enumerated() {
            guard let digest = material.sha256?.lowercased(), !digest.isEmpty else {
                throw APIError.invalid("\(field)[\(index)].sha256", "请先上传材料“\(material.title ?? material.kind.chineseName)”并填写其SHA-256")
            }
            guard let bytes = try NodeStore.attachableBlobBytes(db, sha256: digest, unit: unit) else {
                throw APIError.invalid("\(field)[\(index)].sha256", "材料“\(material.title ?? material.kind.chineseName)”尚未上传", detail: "no uploaded material with SHA-256 \(digest)")
            }
            if let declared = material.bytes, declared != bytes {
                throw APIError.invalid("\(field)[\(index)].bytes", "材料大小与已上传文件不一致", detail: "declared \(declared) bytes, uploaded \(bytes)")
            }
        }
    }

    static func attach(_ db: StoreTransaction, _ materials: [MaterialRef], to caseId: String, on date: CivilDate) throws {
        for material in materials {
            guard let digest = material.sha256?.lowercased(),
                  let bytes = try NodeStore.blobBytes(db, sha256: digest)
            else { continue }
            let record = CaseMaterialRecord(caseId: caseId, kind: material.kind, title: material.title, fileName: material.fileName,
                                            sha256: digest, bytes: bytes, addedOn: date)
            try NodeStore.attach(db, material: record)
        }
    }

    /// `<node>-<year>-<sequence>`, the sequence counted per node and year.
    static func nextCaseId(_ db: StoreTransaction, nodeId: String, year: Int) throws -> String {
        let key = "caseSequence.\(year)"
        let next = try NodeStore.nextCounterValue(db, key: key)
        let padded = String(repeating: "0", count: max(0, 4 - String(next).count)) + String(next)
        return "\(nodeId)-\(year)-\(padded)"
    }

    static func nextRound(_ db: StoreTransaction, _ caseId: String, _ type: NoticeRecord.NoticeType) throws -> Int {
        try NodeStore.nextNoticeRound(db, caseId: caseId, type: type)
    }

    /// The deadline from the recorded clock; nil while stopped or when a calendar year is missing.
    static func due(of record: CaseRecord, _ calendar: WorkCalendar) -> CivilDate? {
        guard let clock = record.clock else { return nil }
        return try? clock.status(calendar: calendar).due
    }

    /// A clock whose events are out of order (the node's date moved backwards) is refused.
    static func validateClock(_ record: CaseRecord) throws {
        do {
            try record.clock?.validate()
        } catch let error as RulesError {
            throw APIError(.conflict, code: "clock-order", message: "审查计时记录顺序有误", detail: error.message)
        }
    }

    /// A resubmission or revision must be the same case: kind, level and drafting unit unchanged.
    /// Art 13: the date an adjustment or withdrawal takes effect, nil when the form gives
    /// none (the linter reports it). A value that is not a real date is refused (422), never
    /// dropped: the lateness check depends on it.
    static func effectiveDate(of policy: Policy) throws -> CivilDate? {
        guard let text = policy.effectiveDate?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard let date = CivilDate(iso: text) else {
            throw APIError.invalid("policy.effectiveDate", "生效日期“\(text.prefix(20))”不是有效日期,应为“年-月-日”格式(如2026-03-20)",
                                   detail: "'\(text.prefix(40))' is not a valid YYYY-MM-DD date")
        }
        return date
    }

    /// A node takes only policies of its own jurisdiction (the division or one within it):
    /// the city would refuse another county's case when it is forwarded.
    static func checkJurisdiction(_ division: String, node: String, _ divisions: DivisionCatalogue) throws {
        guard divisions.contains(division, within: node) else {
            let name = divisions[division]?.name
            throw APIError.invalid("policy.divisionCode",
                                   name.map { "所属行政区划“\($0)”不属于本节点辖区,请向其所属政数局提交" } ?? "所属行政区划代码“\(division.prefix(12))”无法识别,请核对",
                                   detail: "division \(division.prefix(12)) does not lie within node \(node)")
        }
    }

    /// Stores `form` as the case's revision `revision` and makes it current (summary fields follow).
    static func addRevision(_ db: StoreTransaction, _ record: inout CaseRecord, revision: Int, form: CaseForm, createdOn: CivilDate,
                            createdBy: Int64? = nil) throws {
        try NodeStore.insert(db, revision: RevisionRecord(caseId: record.id, revision: revision, form: try canonicalJSON(form), createdOn: createdOn, createdBy: createdBy))
        record.currentRevision = revision
        followRevision(&record, form)
    }

    /// Art 8: a review clock of the statutory limit starting on `date` (a re-review's own clock).
    static func restartClock(_ record: inout CaseRecord, on date: CivilDate, calendar: WorkCalendar) {
        record.acceptedOn = date
        record.clockStops = []
        record.clockLimit = ReviewClock.statutoryLimit
        record.dueOn = due(of: record, calendar)
    }

    /// The case's summary fields (title, 文号, effective date) follow its current revision, so
    /// that lists and ledgers show what the case page shows.
    static func followRevision(_ record: inout CaseRecord, _ form: CaseForm) {
        if let title = form.policy.title?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty { record.title = title }
        let number = form.policy.documentNumber?.trimmingCharacters(in: .whitespacesAndNewlines)
        record.documentNumber = number?.isEmpty == false ? number : nil
        if let text = form.policy.effectiveDate, let date = CivilDate(iso: text.trimmingCharacters(in: .whitespaces)) { record.effectiveDate = date }
    }

    /// Art 10 and the work plan: a policy goes online only on a passed opinion, not before the
    /// opinion's date. Returns the elements changed since the revision the opinion judged
    /// (Art 9 revisions after a passed opinion are expected; they are recorded with the launch).
    /// - Throws: 409 `opinion-not-passed` or `no-opinion`; 422 `launchDate` before the opinion.
    static func checkLaunchable(_ db: StoreTransaction, _ record: CaseRecord, launchDate: CivilDate) throws -> [ElementDiff.Change] {
        guard let opinion = try NodeStore.opinion(db, caseId: record.id) else {
            throw APIError(.conflict, code: "no-opinion", message: "尚未出具标准化审查意见书,不得确认上线", state: record.state.rawValue)
        }
        guard opinion.outcome == .passed else {
            throw APIError(.conflict, code: "opinion-not-passed", message: "审查未通过的政策不得上线;请按审查意见修改后重新申请审查",
                           detail: "opinion \(opinion.number) did not pass", state: record.state.rawValue)
        }
        guard launchDate >= opinion.issuedOn else {
            throw APIError.invalid("launchDate", "\(record.kind == .withdrawal ? "下线" : "上线")日期不得早于审查意见书出具日期(\(opinion.issuedOn))",
                                   detail: "launchDate \(launchDate) is before the opinion of \(opinion.issuedOn)")
        }
        guard let judged = opinion.revision, judged != record.currentRevision else { return [] }
        return ElementDiff.changes(from: try form(db, record.id, judged), to: try form(db, record.id, record.currentRevision))
    }

    /// Art 13: an adjustment or withdrawal may name the case its policy was launched under; that
    /// case must be on this node, of the same drafting unit, and online (launch confirmed or
    /// archived after it). A new policy names none.
    static func checkOriginalCase(_ db: StoreTransaction, _ policy: Policy, unit: String) throws -> String? {
        guard let id = policy.originalCaseId?.trimmingCharacters(in: .whitespaces), !id.isEmpty else { return nil }
        guard policy.kind != .launch else { throw APIError.invalid("policy.originalCaseId", "新政策上线申请无需填写原上线案件编号") }
        guard let original = try NodeStore.caseRecord(db, id), original.draftingUnit == unit,
              original.kind != .withdrawal, original.state == .launchConfirmed || (original.state == .archived && original.launchDate != nil)
        else { throw APIError.invalid("policy.originalCaseId", "原上线案件“\(id.prefix(30))”不存在、不属于本单位或尚未确认上线") }
        return id
    }

    static func checkSameCase(_ form: CaseForm, _ record: CaseRecord) throws {
        _ = try effectiveDate(of: form.policy)
        if form.policy.kind != record.kind { throw APIError.invalid("policy.kind", "不得变更申请类型") }
        if form.policy.level != record.level { throw APIError.invalid("policy.level", "不得变更政策层级") }
        if form.policy.draftingUnit?.trimmingCharacters(in: .whitespaces) != record.draftingUnit {
            throw APIError.invalid("policy.draftingUnit", "不得变更政策制定部门")
        }
    }

    /// The case's materials (those whose digest passes `include`) as references and the blobs
    /// to attach, for forwarding (the outbox references the stored blobs, it copies no bytes).
    static func transferredMaterials(_ db: StoreTransaction, _ caseId: String, include: (String) -> Bool = { _ in true }) throws
        -> ([TransferredMaterial], [Outbox.MaterialAttachment]) {
        var references: [TransferredMaterial] = []
        var attachments: [Outbox.MaterialAttachment] = []
        for material in try NodeStore.caseMaterials(db, caseId: caseId) where include(material.sha256) {
            guard let bytes = try NodeStore.blobBytes(db, sha256: material.sha256) else {
                throw StoreError(.corrupt, "material \(material.sha256) of case \(caseId) has no bytes")
            }
            references.append(TransferredMaterial(reference: material.reference, attachment: attachments.count))
            attachments.append(Outbox.MaterialAttachment(sha256: material.sha256, bytes: bytes))
        }
        return (references, attachments)
    }

    static func clockState(_ record: CaseRecord, accepted: CivilDate) -> ClockState {
        ClockState(acceptedOn: accepted, limit: record.clockLimit,
                   stops: record.clockStops.map { ClockStopState(stopped: $0.stopped, resumed: $0.resumed) })
    }

    static func actor(_ user: UserRecord) -> String { "user:\(user.id ?? 0):\(user.name)" }

    static func canonicalJSON(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// `value`'s canonical JSON with the one ``CaseForm`` it holds written as `form`, that form's
    /// stored canonical JSON, instead of encoded (the bytes are the same: a nested value's
    /// canonical JSON is its canonical JSON alone). Nil when `value` does not hold exactly one form.
    static func canonicalJSON(_ value: some Encodable, form: Data) throws -> Data? {
        let placeholder = "rvw-form-\(UUID().uuidString)"
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.userInfo[CaseForm.placeholderKey] = placeholder
        let json = try encoder.encode(value)
        let marker = Data("\"\(placeholder)\"".utf8)
        // memchr and memcmp: Data's generic `firstRange(of:)` compared byte by byte through the
        // collection protocols (3.5 % of a county's samples while forwarding).
        let found = json.withUnsafeBytes { bytes in
            marker.withUnsafeBytes { needle -> (first: Int, more: Bool)? in
                guard let first = offset(of: needle, in: bytes, from: 0) else { return nil }
                return (first, offset(of: needle, in: bytes, from: first + needle.count) != nil)
            }
        }
        guard let found, !found.more else { return nil }
        let start = json.startIndex + found.first, end = start + marker.count
        var spliced = Data(capacity: json.count - marker.count + form.count)
        spliced.append(json[..<start])
        spliced.append(form)
        spliced.append(json[end...])
        return spliced
    }

    /// Where `needle` first occurs in `haystack` at or after offset `start` (byte offsets), or nil.
    private static func offset(of needle: UnsafeRawBufferPointer, in haystack: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = haystack.baseAddress, let pattern = needle.baseAddress, !needle.isEmpty else { return nil }
        var from = start
        while haystack.count - from >= needle.count {
            guard let hit = memchr(base + from, Int32(needle[0]), haystack.count - from - needle.count + 1) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            if memcmp(base + at, pattern, needle.count) == 0 { return at }
            from = at + 1
        }
        return nil
    }
}
