import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// A case as lists show it: with its remaining working days, always.
struct CaseSummary: Codable, Sendable {
    var id: String
    var title: String
    var documentNumber: String?
    var kind: CaseKind
    var level: PolicyLevel
    var state: CaseState
    var stateName: String
    var draftingUnit: String
    var submittedOn: CivilDate
    var acceptedOn: CivilDate?
    var dueOn: CivilDate?
    /// Working days left until `dueOn` (negative when overdue); frozen while the clock is
    /// stopped; nil before acceptance, after the opinion, or without a calendar.
    var remainingWorkdays: Int?
    var overdue: Bool
    var clockStopped: Bool
    /// Art 5: materials to be supplied by.
    var materialsDueOn: CivilDate?
    /// Art 13: applied for late.
    var lateApplication: Bool
    var effectiveDate: CivilDate?
    var opinionIssuedOn: CivilDate?
    /// Art 9: revise by.
    var revisionDueOn: CivilDate?
    var revisionOverdue: Bool
    var currentRevision: Int
    /// Art 15: working days of the review clock used at the county and at the city.
    var countyWorkdays: Int?
    var cityWorkdays: Int?

    init(_ record: CaseRecord, calendar: WorkCalendar, today: CivilDate) {
        id = record.id
        title = record.title
        documentNumber = record.documentNumber
        kind = record.kind
        level = record.level
        state = record.state
        stateName = record.state.chineseName
        draftingUnit = record.draftingUnit
        submittedOn = record.submittedOn
        acceptedOn = record.acceptedOn
        dueOn = record.dueOn
        materialsDueOn = record.materialsDueOn
        lateApplication = record.lateApplication
        effectiveDate = record.effectiveDate
        opinionIssuedOn = record.opinionIssuedOn
        revisionDueOn = record.revisionDueOn
        currentRevision = record.currentRevision
        countyWorkdays = record.countyWorkdays
        cityWorkdays = record.cityWorkdays
        clockStopped = record.state.isClockStopped
        let underReview = record.acceptedOn != nil && record.opinionIssuedOn == nil
        if underReview, let clock = record.clock, let status = try? clock.status(calendar: calendar) {
            if let due = status.due {
                remainingWorkdays = try? calendar.remainingWorkdays(today: today, due: due)
            } else {
                remainingWorkdays = status.remainingAtStop
            }
        } else {
            remainingWorkdays = nil
        }
        overdue = (remainingWorkdays ?? 0) < 0
            || (record.state == .awaitingMaterials && record.materialsDueOn.map { today > $0 } == true)
        let revisionOpen = [CaseState.opinionPassed, .opinionNotPassed, .revising].contains(record.state)
        revisionOverdue = revisionOpen && record.revisedOn == nil && record.revisionDueOn.map { today > $0 } == true
    }

    /// Sort key: least time left first; cases without a running clock last.
    var sortKey: (Int, String) { (remainingWorkdays ?? Int.max, id) }
}

/// Everything about one case: the summary, the current form, materials, notices, the opinion,
/// and the event timeline with the clock's stops.
struct CaseDetail: Codable, Sendable {
    struct NoticeView: Codable, Sendable {
        var type: NoticeRecord.NoticeType
        var round: Int
        var issuedBy: Tier
        var issuedOn: CivilDate
        var supplyBy: CivilDate?
        var revision: Int
        var answeredOn: CivilDate?
        var missingMaterials: [MaterialKind]?
        var findings: [Finding]?
        var repeatReasons: [String: String]?
    }

    struct EventView: Codable, Sendable {
        var seq: Int64
        var at: String
        var actor: String
        var action: String
        var payload: [String: String]
        var hash: String
    }

    var `case`: CaseSummary
    var form: CaseForm
    var materials: [MaterialRef]
    var clockStops: [ReviewClock.Stop]
    var preliminaryConclusion: String?
    var disagreement: String?
    var coordination: String?
    var launchDate: CivilDate?
    var launchConfirmedOn: CivilDate?
    var notices: [NoticeView]
    var opinion: ReviewOpinion?
    /// The signed bytes of the opinion and the city's signature over them: verifiable by
    /// anyone with the city node's public key.
    var opinionSignature: OpinionSignature?
    var events: [EventView]
    var forwardedOn: CivilDate?
    var cityCaseNumber: String?
    /// Messages about this case that the peer refused for their content (dead letters): the
    /// reviewer sees that forwarding (or an answer) failed and why; an operator retries or
    /// discards them.
    var deliveryFailures: [DeliveryFailure]
    /// Messages about this case the peer keeps answering `out-of-order` (after
    /// ``NodeStore/outOfOrderWaitAttempts`` tries, not dead letters): it lacks an earlier message of the case, as
    /// after a resync gap once it was restored from a backup. They are retried and wait for an
    /// operator; the reviewer sees why the case does not move on.
    var deliveryWaits: [DeliveryFailure] = []
    /// While the case waits for materials (Art 5): what is still missing after partial supplies.
    var missingMaterials: [MaterialKind]?
    /// Opinions a re-review superseded, oldest first (each kept with its number).
    var supersededOpinions: [ReviewOpinion]
    /// Art 13: the case this policy was launched under, and the later adjustments and
    /// withdrawals of this case's policy: the policy's whole life.
    var originalCaseId: String?
    var laterCases: [String]
    /// The 上线意见征询 the case carries (issue 18), when one was held.
    var consultation: ConsultationSummary?
    /// Art 6: the 座谈会/论证会 held on the case, county's first.
    var expertSessions: [ExpertSession]

    struct DeliveryFailure: Codable, Sendable {
        var messageId: String
        var type: FederationMessageType
        var peer: String
        var attempts: Int
        /// The peer's refusal code, e.g. message-too-large.
        var code: String?
        /// What went wrong, in Chinese, for the reviewer.
        var reason: String
        var deadAt: Date?

        init(_ message: OutboxRecord) {
            messageId = message.id
            type = message.type
            peer = message.peer
            attempts = message.attempts
            deadAt = message.deadAt
            code = Self.code(in: message.lastError)
            reason = Self.chineseReason(code)
        }

        /// The refusal code in the peer's error body, as the outbox recorded it.
        static func code(in lastError: String?) -> String? {
            guard let text = lastError, let range = text.range(of: #""code":""#) else { return nil }
            return String(text[range.upperBound...].prefix { $0 != "\"" })
        }

        static func chineseReason(_ code: String?) -> String {
            switch code {
            case "message-too-large": "报送内容(含材料)超过对方节点的接收上限"
            case "not-your-case": "对方节点认为该案件不属于本节点辖区"
            case "case-exists": "对方节点已有同一编号的案件"
            case "illegal-transition": "对方节点上该案件的状态不允许此项处理"
            case "stale-message": "消息发出时间过久,已超出对方节点的有效期"
            case "material-digest-mismatch": "材料内容与其校验值不一致"
            case "out-of-order": "对方节点缺少本案此前的消息(多见于对方从备份恢复之后),暂不能处理本条"
            default: "对方节点拒收该消息"
            }
        }
    }

    struct OpinionSignature: Codable, Sendable {
        var opinion: Data
        var signature: Data
        var signerPublicKey: String
        var fingerprint: String
    }

    static func load(_ db: StoreTransaction, _ record: CaseRecord, calendar: WorkCalendar, today: CivilDate) throws -> CaseDetail {
        let decoder = JSONDecoder()
        // Dead letters and messages waiting out of order, from one read of the case's queue.
        let undelivered = try NodeStore.undeliveredMessages(db, caseId: record.id)
        let notices = try NodeStore.notices(db, caseId: record.id).map { notice in
            var view = NoticeView(type: notice.type, round: notice.round, issuedBy: notice.issuedBy, issuedOn: notice.issuedOn,
                                  supplyBy: notice.supplyBy, revision: notice.revision, answeredOn: notice.answeredOn)
            switch notice.type {
            case .materials:
                view.missingMaterials = try decoder.decode(MaterialsNotice.self, from: notice.body).missing
            case .supplement:
                let body = try decoder.decode(SupplementNotice.self, from: notice.body)
                view.findings = body.findings
                view.repeatReasons = body.repeatReasons
            }
            return view
        }
        let events = try NodeStore.events(db, caseId: record.id).map { event in
            EventView(seq: event.seq ?? 0, at: event.at, actor: event.actor, action: event.action,
                      payload: (try? decoder.decode([String: String].self, from: Data(event.payload.utf8))) ?? [:], hash: event.hash)
        }
        let opinionRow = try NodeStore.opinion(db, caseId: record.id)
        let signature = opinionRow.flatMap { row in
            row.signature.map { OpinionSignature(opinion: row.body, signature: $0, signerPublicKey: row.signerPublicKey ?? "",
                                                 fingerprint: NodeIdentity.fingerprint(ofPublicKey: row.signerPublicKey ?? "")) }
        }
        return CaseDetail(
            case: CaseSummary(record, calendar: calendar, today: today),
            form: try CaseWorkflow.form(db, record.id, record.currentRevision),
            materials: try CaseWorkflow.materials(db, record.id),
            clockStops: record.clockStops,
            preliminaryConclusion: record.preliminaryConclusion,
            disagreement: record.disagreement,
            coordination: record.coordination,
            launchDate: record.launchDate,
            launchConfirmedOn: record.launchConfirmedOn,
            notices: notices,
            opinion: try opinionRow?.decoded(),
            opinionSignature: signature,
            events: events,
            forwardedOn: record.forwardedOn,
            cityCaseNumber: record.cityCaseNumber,
            deliveryFailures: undelivered.filter { $0.deadAt != nil }.map(DeliveryFailure.init),
            deliveryWaits: undelivered.filter(\.isWaitingOnPeer).map(DeliveryFailure.init),
            missingMaterials: record.state == .awaitingMaterials || record.state == .submitted
                ? MaterialsCheck.missing(kind: record.kind, materials: try CaseWorkflow.materials(db, record.id)) : nil,
            supersededOpinions: try NodeStore.supersededOpinions(db, caseId: record.id).compactMap { try? decoder.decode(ReviewOpinion.self, from: $0) },
            originalCaseId: record.originalCaseId,
            laterCases: try NodeStore.laterCases(db, of: record.id),
            consultation: try NodeStore.caseConsultation(db, caseId: record.id).map { try decoder.decode(ConsultationSummary.self, from: $0) },
            expertSessions: try NodeStore.expertSessions(db, caseId: record.id).map { try decoder.decode(ExpertSession.self, from: $0) })
    }
}

/// A user as the API shows it: never the token hash.
struct UserView: Codable, Sendable {
    var id: Int64
    var name: String
    var role: Role
    var roleName: String
    var unit: String?
    var disabled: Bool
    /// ISO 8601; absent when the token never expires.
    var tokenExpiresAt: String?

    init(_ user: UserRecord) {
        id = user.id ?? 0
        name = user.name
        role = user.role
        roleName = user.role.chineseName
        unit = user.unit
        disabled = user.disabled
        tokenExpiresAt = user.tokenExpiresAt?.formatted(.iso8601)
    }
}
