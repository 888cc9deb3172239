import Foundation
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// The review workflow on one node (DESIGN §2–§4). Each action is one store transaction that
/// checks access and the case state, changes the case, and appends its event: a failure at
/// any point leaves nothing written.
struct CaseWorkflow: Sendable {
    let services: NodeServices

    var configuration: NodeConfiguration { services.configuration }
    var calendar: WorkCalendar { services.calendar }
    var tier: Tier { configuration.tier }

    // MARK: Submission (drafter)

    /// A drafter submits a case form whose materials were uploaded beforehand.
    func submit(_ form: CaseForm, by user: UserRecord) async throws -> CaseRecord {
        try Access.requireRole(user, .drafter)
        let today = services.today.date
        let policy = form.policy
        func required(_ value: String?, _ field: String, _ name: String) throws -> String {
            let text = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !text.isEmpty else { throw APIError.invalid(field, "请填写\(name)") }
            return text
        }
        let title = try required(policy.title, "policy.title", "政策文件标题")
        let unit = try required(policy.draftingUnit, "policy.draftingUnit", "政策制定部门")
        let division = try required(policy.divisionCode, "policy.divisionCode", "所属行政区划代码")
        guard unit == user.unit else {
            throw APIError.invalid("policy.draftingUnit", "政策制定部门“\(unit)”与账号所属单位“\(user.unit ?? "")”不一致")
        }
        // Art 8.1 / 8.2: a county node takes county policies; the city node takes its own.
        let expectedLevel: PolicyLevel = tier == .city ? .city : .county
        guard policy.level == expectedLevel else {
            let message = tier == .city ? "县(市)区级政策应向本级政数局提交,由其初审后报送市级" : "市级政策应向长春市政数局提交"
            throw APIError.invalid("policy.level", message, detail: "this \(tier.rawValue) node takes \(expectedLevel.rawValue)-level policies")
        }
        let effective = try Self.effectiveDate(of: policy)
        try Self.checkJurisdiction(division, node: configuration.nodeId, services.linter.configuration.divisions)
        // Art 13: accepted even when late, but marked.
        let late = policy.kind != .launch && effective.map { (try? calendar.isLateChangeApplication(appliedOn: today, effective: $0)) ?? false } == true
        let nodeId = configuration.nodeId
        let services = self.services
        return try await services.store.write { db in
            try Self.checkMaterialsUploaded(db, form.materials, field: "materials", unit: unit)
            let original = try Self.checkOriginalCase(db, policy, unit: unit)
            let id = try Self.nextCaseId(db, nodeId: nodeId, year: today.year)
            // Issue 18: the consultation's compiled materials (4) and (5) come without an upload.
            var form = form
            if let consultationId = form.consultationId {
                let (_, generated) = try ConsultationWorkflow.attach(db, consultationId: consultationId, unit: unit, to: id)
                form.materials.append(contentsOf: generated.filter { added in !form.materials.contains { $0.sha256?.lowercased() == added.sha256 } })
            }
            var record = CaseRecord(id: id, kind: policy.kind, level: policy.level, state: .submitted, title: title,
                                    documentNumber: policy.documentNumber, draftingUnit: unit, divisionCode: division, originNode: nodeId,
                                    submittedBy: user.id, submittedOn: today, effectiveDate: effective, lateApplication: late)
            record.originalCaseId = original
            let change = try CaseTransaction(db, services: services, inserting: record, by: .user(user))
            try NodeStore.insert(db, revision: RevisionRecord(caseId: id, revision: 1, form: try Self.canonicalJSON(form), createdOn: today, createdBy: user.id))
            try Self.attach(db, form.materials, to: id, on: today)
            var payload = ["kind": policy.kind.rawValue, "revision": "1", "late": String(late), "originalCase": original ?? ""]
            payload["consultation"] = form.consultationId
            try change.log("submit", payload)
            return change.record
        }
    }

    // MARK: Materials (Art 5, Art 13)

    /// The one-shot notice of every missing material, with the supply deadline.
    func materialsNotice(_ caseId: String, by user: UserRecord) async throws -> (CaseRecord, NoticeRecord) {
        let today = services.today.date
        let supplyBy = try? calendar.addWorkdays(today, configuration.materialsSupplyWorkdays)
        return try await change(caseId, by: user, .reviewer) { change in
            let db = change.db
            let missing = MaterialsCheck.missing(kind: change.record.kind, materials: try Self.materials(db, caseId))
            guard !missing.isEmpty else {
                throw APIError(.conflict, code: "materials-complete", message: "报送材料齐全,无需补正", state: change.record.state.rawValue)
            }
            try change.move(.requestMaterials)
            change.record.materialsDueOn = supplyBy
            let round = try Self.nextRound(db, caseId, .materials)
            let body = MaterialsNotice(missing: missing, issuedOn: today, supplyBy: supplyBy ?? today)
            var notice = NoticeRecord(id: nil, caseId: caseId, type: .materials, round: round, issuedBy: change.tier, issuedOn: today,
                                      supplyBy: supplyBy, revision: change.record.currentRevision, body: try Self.canonicalJSON(body), answeredOn: nil)
            try NodeStore.insert(db, notice: &notice)
            try change.save("requestMaterials", ["missing": missing.map(\.rawValue).joined(separator: ","), "supplyBy": supplyBy?.description ?? ""])
            return (change.record, notice)
        }
    }

    /// The drafter supplies materials named in a materials notice (uploaded beforehand).
    func supplyMaterials(_ caseId: String, _ materials: [MaterialRef], by user: UserRecord) async throws -> CaseRecord {
        let today = services.today.date
        return try await change(caseId, by: user, .drafter) { change in
            let db = change.db
            guard !materials.isEmpty else { throw APIError.invalid("materials", "请至少提交一份材料") }
            // The state must allow a supply; the case moves on only once nothing is missing.
            let waiting = change.record.state
            try change.move(.supplyMaterials)
            try Self.checkMaterialsUploaded(db, materials, field: "materials", unit: change.record.draftingUnit)
            try Self.attach(db, materials, to: caseId, on: today)
            let stillMissing = MaterialsCheck.missing(kind: change.record.kind, materials: try Self.materials(db, caseId))
            if stillMissing.isEmpty {
                try NodeStore.answerNotices(db, caseId: caseId, type: .materials, on: today)
                change.record.materialsDueOn = nil
            } else {
                change.record.state = waiting
            }
            // A partial supply keeps the case waiting for the rest, and says what that is.
            try change.save(stillMissing.isEmpty ? "supplyMaterials" : "supplyMaterialsPartly",
                            ["sha256": materials.compactMap(\.sha256).joined(separator: ","), "stillMissing": stillMissing.map(\.rawValue).joined(separator: ",")])
            return change.record
        }
    }

    // MARK: Acceptance and review (Art 8)

    /// Acceptance starts the review clock and opens the review (preliminary on a county,
    /// final on the city for its own policies).
    func accept(_ caseId: String, by user: UserRecord) async throws -> CaseRecord {
        let today = services.today.date
        let calendar = self.calendar
        return try await change(caseId, by: user, .reviewer) { change in
            let missing = MaterialsCheck.missing(kind: change.record.kind, materials: try Self.materials(change.db, caseId))
            if change.record.state == .submitted, !missing.isEmpty {
                throw APIError(.conflict, code: "materials-missing", message: "报送材料不齐全,请先一次性告知补正",
                               state: change.record.state.rawValue, items: missing.map(\.chineseName))
            }
            try change.move(.accept)
            try change.move(.beginReview)
            change.record.acceptedOn = today
            change.record.clockStops = []
            change.record.dueOn = Self.due(of: change.record, calendar)
            try change.save("accept", ["acceptedOn": today.description, "dueOn": change.record.dueOn?.description ?? ""])
            return change.record
        }
    }

    /// The standardization check of the current revision against the case's materials.
    func check(_ caseId: String, by user: UserRecord) async throws -> [Finding] {
        let (form, _) = try await currentForm(caseId, by: user)
        return services.linter.check(form)
    }

    /// The current revision's form (with the case's actual materials) and its revision number.
    func currentForm(_ caseId: String, by user: UserRecord) async throws -> (CaseForm, Int) {
        try await services.store.read { db in
            let record = try Self.load(db, caseId)
            try Access.requireRead(user, record)
            var form = try Self.form(db, caseId, record.currentRevision)
            form.materials = try Self.materials(db, caseId)
            return (form, record.currentRevision)
        }
    }

    /// The one-shot supplement notice (Art 8): stops the clock.
    func supplementNotice(_ caseId: String, findings: [Finding], reasons: [String: String], by user: UserRecord) async throws -> (CaseRecord, NoticeRecord) {
        guard !findings.isEmpty else { throw APIError.invalid("findings", "补正通知至少应包含一项需补正的内容") }
        let today = services.today.date
        let supplyBy = try? calendar.addWorkdays(today, configuration.supplementSupplyWorkdays)
        let calendar = self.calendar
        return try await change(caseId, by: user, .reviewer) { change in
            let (db, tier) = (change.db, change.tier)
            try Self.checkPlaces(of: findings, in: try Self.form(db, caseId, change.record.currentRevision))
            try change.move(.requestSupplement)
            // The one-shot rule, against this tier's previous supplement notice.
            let previous = try NodeStore.lastSupplementNotice(db, caseId: caseId, issuedBy: tier)
            if let previous {
                let previousNotice = try JSONDecoder().decode(SupplementNotice.self, from: previous.body)
                let needing = OneShotRule.pathsNeedingReason(
                    findings: findings, previousFindings: previousNotice.findings,
                    previousForm: try Self.form(db, caseId, previous.revision),
                    currentForm: try Self.form(db, caseId, change.record.currentRevision), reasons: reasons)
                if !needing.isEmpty {
                    throw APIError(.unprocessableContent, code: "one-shot-rule",
                                   message: "以下要素自上次补正通知以来未修改,新增问题须记录理由(一次性告知原则)",
                                   field: "repeatReasons", items: needing)
                }
            }
            let round = try Self.nextRound(db, caseId, .supplement)
            let body = SupplementNotice(issuedBy: tier, round: round, findings: findings, issuedOn: today, supplyBy: supplyBy,
                                        repeatReasons: reasons.filter { !$0.value.trimmingCharacters(in: .whitespaces).isEmpty })
            var notice = NoticeRecord(id: nil, caseId: caseId, type: .supplement, round: round, issuedBy: tier, issuedOn: today,
                                      supplyBy: supplyBy, revision: change.record.currentRevision, body: try Self.canonicalJSON(body), answeredOn: nil)
            try NodeStore.insert(db, notice: &notice)
            change.stopClock(on: today)
            try Self.validateClock(change.record)
            change.record.dueOn = Self.due(of: change.record, calendar)
            try change.save("requestSupplement", ["round": String(round), "findings": String(findings.count), "clockStopped": today.description])
            if tier == .city, change.record.originNode != change.configuration.nodeId {
                try change.send(.supplementRequested, to: change.record.originNode, SupplementRequestedPayload(notice: body, revision: change.record.currentRevision))
            }
            return (change.record, notice)
        }
    }

    /// A reviewer's findings name places in the case's form: a service item it has (by
    /// `itemIndex` and by any `serviceItems[n]` in `path`, the same one when both are given), and
    /// a path of at most 300 characters.
    /// - Throws: 422 naming `findings[k].itemIndex` or `findings[k].path`.
    static func checkPlaces(of findings: [Finding], in form: CaseForm) throws {
        for (index, finding) in findings.enumerated() {
            if let item = finding.itemIndex, !form.serviceItems.indices.contains(item) {
                throw APIError.invalid("findings[\(index)].itemIndex", "事项序号超出要素表的事项数(共\(form.serviceItems.count)项)")
            }
            guard finding.path.count <= 300 else { throw APIError.invalid("findings[\(index)].path", "问题位置过长") }
            if let range = finding.path.range(of: "serviceItems[") {
                let digits = finding.path[range.upperBound...].prefix { $0 != "]" }
                guard let item = Int(digits), form.serviceItems.indices.contains(item), finding.itemIndex.map({ $0 == item }) ?? true else {
                    throw APIError.invalid("findings[\(index)].path", "问题位置与要素表的事项不符")
                }
            }
        }
    }

    /// The drafter's resubmission after a supplement notice: a new revision; the clock restarts.
    func resubmit(_ caseId: String, _ form: CaseForm, by user: UserRecord) async throws -> (CaseRecord, [ElementDiff.Change]) {
        let today = services.today.date
        return try await change(caseId, by: user, .drafter) { change in
            let db = change.db
            try Self.checkSameCase(form, change.record)
            try change.move(.resubmit)
            let previous = try Self.form(db, caseId, change.record.currentRevision)
            try Self.checkMaterialsUploaded(db, form.materials, field: "materials", unit: change.record.draftingUnit)
            try Self.attach(db, form.materials, to: caseId, on: today)
            try change.resubmitted(revision: change.record.currentRevision + 1, form: form, createdOn: today, by: user.id, resumedOn: today)
            try Self.validateClock(change.record)
            try change.save("resubmit", ["revision": String(change.record.currentRevision), "clockResumed": today.description])
            // Answering the city: the resubmission travels up.
            if change.record.state == .forwarded, let city = try Outbox.cityLink(db) {
                let listed = Set(form.materials.compactMap { $0.sha256?.lowercased() })
                let (newMaterials, attachments) = try Self.transferredMaterials(db, caseId, include: listed.contains)
                try change.send(.caseResubmitted, to: city.nodeId,
                                CaseResubmittedPayload(revision: change.record.currentRevision, form: form, materials: newMaterials, resumedOn: today),
                                attachments: attachments)
            }
            return (change.record, ElementDiff.changes(from: previous, to: form))
        }
    }

    /// The element diff between two revisions this node holds (the city holds a forwarded case
    /// from the revision it received); by default the latest and the one before it.
    func diff(_ caseId: String, from: Int?, to: Int?, by user: UserRecord) async throws -> (Int, Int, [ElementDiff.Change]) {
        try await services.store.read { db in
            let record = try Self.load(db, caseId)
            try Access.requireRead(user, record)
            let held = try NodeStore.revisionNumbers(db, caseId: caseId)
            let to = to ?? held.last ?? record.currentRevision
            let from = from ?? held.last { $0 < to } ?? to
            for (field, value) in [("from", from), ("to", to)] where !held.contains(value) {
                throw APIError.invalid(field, "本节点保存的修订版本为\(held.map(String.init).joined(separator: "、"))")
            }
            return (from, to, ElementDiff.changes(from: try Self.form(db, caseId, from), to: try Self.form(db, caseId, to)))
        }
    }

    /// County: the preliminary review is done; the case waits to be forwarded (Art 8.2).
    func completePreliminaryReview(_ caseId: String, conclusion: String, by user: UserRecord) async throws -> CaseRecord {
        let conclusion = conclusion.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !conclusion.isEmpty else { throw APIError.invalid("conclusion", "请填写初审意见") }
        return try await change(caseId, by: user, .reviewer) { change in
            try change.move(.completePreliminaryReview)
            change.record.preliminaryConclusion = conclusion
            try change.save("completePreliminaryReview", ["conclusion": conclusion])
            return change.record
        }
    }

    /// County: forward the case to the city (Art 8.2). The message goes into the outbox in the
    /// same transaction; the delivery service sends it.
    func forward(_ caseId: String, by user: UserRecord) async throws -> CaseRecord {
        let today = services.today.date
        let divisions = services.linter.configuration.divisions
        return try await change(caseId, by: user, .reviewer) { change in
            let db = change.db
            // A disabled link still queues: the message goes once an operator enables it.
            guard let city = try Outbox.cityLink(db) else {
                throw APIError(.conflict, code: "no-city-link", message: "尚未与市级节点建立连接,无法报送", detail: "import the city's link card first")
            }
            // The city refuses a case outside this county's jurisdiction: say so now.
            try Self.checkJurisdiction(change.record.divisionCode, node: change.configuration.nodeId, divisions)
            try change.forward(on: today)
            try change.save("forward", ["to": city.nodeId])
            let record = change.record
            // Each round as it was issued, with its reasons (Art 15 counts rounds and elements).
            let notices = try NodeStore.supplementNotices(db, caseId: caseId)
                .map { CountyNotice(notice: try JSONDecoder().decode(SupplementNotice.self, from: $0.body), revision: $0.revision, answeredOn: $0.answeredOn) }
            let findings = notices.flatMap(\.notice.findings)
            guard let accepted = record.acceptedOn else { throw StoreError(.corrupt, "forwarded case \(caseId) was never accepted") }
            let (materials, attachments) = try Self.transferredMaterials(db, caseId)
            // The form goes as this node stored it (canonical JSON), not decoded and encoded again.
            guard let revision = try NodeStore.revision(db, caseId: caseId, record.currentRevision) else {
                throw StoreError(.corrupt, "case \(caseId) has no revision \(record.currentRevision)")
            }
            let payload = CaseForwardedPayload(
                caseId: caseId, kind: record.kind, title: record.title, documentNumber: record.documentNumber, draftingUnit: record.draftingUnit,
                divisionCode: record.divisionCode, submittedOn: record.submittedOn, effectiveDate: record.effectiveDate,
                lateApplication: record.lateApplication, revision: record.currentRevision, form: .standIn,
                materials: materials, countyFindings: findings,
                preliminaryConclusion: record.preliminaryConclusion ?? "", clock: Self.clockState(record, accepted: accepted), forwardedOn: today)
            var withRounds = payload
            withRounds.countyNotices = notices
            // Issue 18 and Art 6: the consultation and the county's expert sessions travel with the case.
            withRounds.consultation = try NodeStore.caseConsultation(db, caseId: caseId).map { try JSONDecoder().decode(ConsultationSummary.self, from: $0) }
            let sessions = try NodeStore.expertSessions(db, caseId: caseId).map { try JSONDecoder().decode(ExpertSession.self, from: $0) }
            withRounds.expertSessions = sessions.isEmpty ? nil : sessions
            try change.send(.caseForwarded, to: city.nodeId, withRounds, attachments: attachments, form: revision.form)
            return change.record
        }
    }

    // MARK: Opinion (Art 8) and after (Art 9, 10)

    /// City: the 标准化审查意见书, numbered per node and year.
    func issueOpinion(_ caseId: String, outcome: OpinionOutcome, changes: [RequiredChange], remarks: String?, by user: UserRecord) async throws -> (CaseRecord, OpinionRecord) {
        if outcome == .notPassed, changes.isEmpty {
            throw APIError.invalid("requiredChanges", "审查不通过时应逐项列明需修改的要素及修改要求")
        }
        for (index, change) in changes.enumerated() where change.change.trimmingCharacters(in: .whitespaces).isEmpty {
            throw APIError.invalid("requiredChanges[\(index)].change", "请填写修改要求")
        }
        let today = services.today.date
        let configuration = self.configuration
        let revisionDue = try? calendar.revisionDue(opinionReceived: today)
        let (calendar, identity) = (self.calendar, services.identity)
        return try await change(caseId, by: user, .reviewer) { change in
            let db = change.db
            try change.move(.issueOpinion(outcome))
            let form = try Self.form(db, caseId, change.record.currentRevision)
            for (index, change) in changes.enumerated() {
                if let item = change.itemIndex, !form.serviceItems.indices.contains(item) {
                    throw APIError.invalid("requiredChanges[\(index)].itemIndex", "事项序号超出范围")
                }
            }
            let sequence = try NodeStore.nextOpinionSequence(db, year: today.year)
            let number = OpinionNumber(prefix: configuration.opinionPrefix, year: today.year, sequence: sequence)
            var opinion = ReviewOpinion(number: number, outcome: outcome, policyTitle: change.record.title, draftingUnit: change.record.draftingUnit,
                                        requiredChanges: changes, remarks: remarks, issuedOn: today, issuerNode: configuration.nodeId)
            // Art 6: the expert sessions held on the case are cited in the opinion's basis.
            let sessions = try NodeStore.expertSessions(db, caseId: caseId).map { try JSONDecoder().decode(ExpertSession.self, from: $0) }
            if !sessions.isEmpty { opinion.basis = sessions.map(\.citation) }
            let opinionBytes = try Self.canonicalJSON(opinion)
            // Signed, so that anyone with the city's public key can verify it later. Art 9: for a
            // drafter on this node, received the day it is issued.
            let signature = try identity.sign(opinionBytes)
            let (opinionRecord, superseded) = try change.recordOpinion(opinion, bytes: opinionBytes, signature: signature, signerPublicKey: identity.publicKeyBase64,
                                                                       supersededOn: today, revisionDue: revisionDue)
            var record: CaseRecord = change.record
            if let clock = record.clock {
                let total = try? clock.workdaysUsed(through: today, calendar: calendar)
                let county = try record.forwardedOn.map { try clock.workdaysUsed(through: $0, calendar: calendar) }
                record.countyWorkdays = record.level == .county ? county : 0
                record.cityWorkdays = total.map { $0 - (record.countyWorkdays ?? 0) }
            }
            change.record = record
            try change.save("issueOpinion", ["number": number.description, "outcome": outcome.rawValue, "supersedes": superseded ?? ""])
            if record.originNode != configuration.nodeId {
                try change.send(.opinionIssued, to: record.originNode,
                                OpinionIssuedPayload(opinion: opinionBytes, signature: signature, signerPublicKey: identity.publicKeyBase64,
                                                     countyWorkdays: record.countyWorkdays, cityWorkdays: record.cityWorkdays))
            }
            return (change.record, opinionRecord)
        }
    }

    /// Art 9: the drafter's revision after the opinion (a new revision of the form).
    func revise(_ caseId: String, _ form: CaseForm, by user: UserRecord) async throws -> CaseRecord {
        let today = services.today.date
        return try await change(caseId, by: user, .drafter) { change in
            try Self.checkSameCase(form, change.record)
            try change.beginRevisionUnlessRevising()
            try Self.checkMaterialsUploaded(change.db, form.materials, field: "materials", unit: change.record.draftingUnit)
            try Self.attach(change.db, form.materials, to: caseId, on: today)
            try change.addRevision(change.record.currentRevision + 1, form: form, createdOn: today, by: user.id)
            change.record.revisedOn = today
            let late = change.record.revisionDueOn.map { today > $0 } ?? false
            try change.save("revise", ["revision": String(change.record.currentRevision), "late": String(late)])
            try change.tellIssuer(.caseRevised, CaseRevisedPayload(revision: change.record.currentRevision, form: form, revisedOn: today))
            return change.record
        }
    }

    /// Art 9: the drafter does not fully accept the opinion.
    func recordDisagreement(_ caseId: String, reason: String, by user: UserRecord) async throws -> CaseRecord {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw APIError.invalid("reason", "请说明未采纳审查意见的理由") }
        let today = services.today.date
        return try await change(caseId, by: user, .drafter) { change in
            try change.recordDisagreement(reason)
            try change.save("recordDisagreement", ["reason": reason])
            // Art 9: the tier that issued the opinion coordinates; the disagreement goes up.
            try change.tellIssuer(.disagreementRecorded, DisagreementRecordedPayload(reason: reason, recordedOn: today))
            return change.record
        }
    }

    /// Art 9: the reviewer records the outcome of coordination; the drafter revises accordingly.
    func recordCoordination(_ caseId: String, outcome: String, by user: UserRecord) async throws -> CaseRecord {
        let outcome = outcome.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !outcome.isEmpty else { throw APIError.invalid("outcome", "请填写协调结果") }
        let today = services.today.date
        return try await change(caseId, by: user, .reviewer) { change in
            // Art 9: the tier that issued the opinion records the coordination result.
            if change.tier == .county, change.record.forwardedOn != nil {
                throw APIError(.conflict, code: "coordination-at-issuer", message: "该案件的审查意见书由市级政数局出具,协调结果由市级政数局记录",
                               state: change.record.state.rawValue)
            }
            try change.recordCoordination(outcome)
            try change.save("recordCoordination", ["outcome": outcome])
            if change.tier == .city, change.record.level == .county {
                try change.send(.coordinationRecorded, to: change.record.originNode, CoordinationRecordedPayload(outcome: outcome, recordedOn: today))
            }
            return change.record
        }
    }

    /// Art 9 → Art 8: the tier that issued the opinion reviews a revision made after it again,
    /// with a clock of its own (10 working days from today); its new opinion will supersede the
    /// old one. A county is told, and its case waits for the new opinion.
    /// - Throws: 409 when nothing changed since the opinion, or the state does not allow it.
    func beginReReview(_ caseId: String, by user: UserRecord) async throws -> CaseRecord {
        let today = services.today.date
        return try await change(caseId, by: user, .reviewer) { change in
            try change.beginReReview(on: today)
            guard let opinion = try NodeStore.opinion(change.db, caseId: caseId), let judged = opinion.revision, change.record.currentRevision > judged else {
                throw APIError(.conflict, code: "nothing-to-review", message: "审查意见书出具后尚无修改内容,无需重新审查", state: change.record.state.rawValue)
            }
            try change.save("beginReReview", ["revision": String(change.record.currentRevision), "previousOpinion": opinion.number,
                                              "dueOn": change.record.dueOn?.description ?? ""])
            if change.record.level == .county {
                try change.send(.reReviewStarted, to: change.record.originNode, ReReviewStartedPayload(revision: change.record.currentRevision, startedOn: today))
            }
            return change.record
        }
    }

    /// Art 10: the final content (the current revision) and the launch date; for a withdrawal,
    /// the date the policy goes offline.
    func confirmLaunch(_ caseId: String, launchDate: CivilDate, by user: UserRecord) async throws -> CaseRecord {
        let today = services.today.date
        return try await change(caseId, by: user, .drafter) { change in
            try change.confirmLaunch(launchDate, confirmedOn: today)
            let changed = try Self.checkLaunchable(change.db, change.record, launchDate: launchDate)
            // The differences from the content the opinion passed are shown in the record.
            try change.save(change.record.kind == .withdrawal ? "confirmWithdrawal" : "confirmLaunch",
                            ["launchDate": launchDate.description, "finalRevision": String(change.record.currentRevision),
                             "changedSinceOpinion": changed.map(\.path).joined(separator: ",")])
            let revision = change.record.currentRevision
            try change.tellIssuer(.launchConfirmed, LaunchConfirmedPayload(revision: revision, form: try Self.form(change.db, caseId, revision),
                                                                           launchDate: launchDate, confirmedOn: today))
            return change.record
        }
    }

    /// Art 11: into the archive.
    func archive(_ caseId: String, by user: UserRecord) async throws -> CaseRecord {
        try await change(caseId, by: user, .reviewer) { change in
            try change.move(.archive)
            try change.save("archive")
            return change.record
        }
    }
}
