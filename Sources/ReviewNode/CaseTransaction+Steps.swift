import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

// The changes each message type stands for, made alike by the tier that acts (a local action),
// by the peer that applies its message (FederationReceiver's `Apply`) and by a restored node
// re-learning its own message (Resync). Each runs inside the caller's transaction and leaves
// saving (and the event's name) to the caller.
extension CaseTransaction {
    /// Art 8.2: the county hands the case to the city on `date`.
    mutating func forward(on date: CivilDate) throws {
        try move(.forward)
        record.forwardedOn = date
    }

    /// Art 8: supplement time is not counted; the clock stops on `date`.
    mutating func stopClock(on date: CivilDate) {
        record.clockStops.append(ReviewClock.Stop(stopped: date, resumed: nil))
    }

    /// The drafter's resubmission after a supplement notice: `form` becomes revision
    /// `revision`, the case's supplement notices are answered and its stopped clock runs again
    /// from `resumedOn` (a stop opened on the other tier's request too: the clock runs across
    /// tiers); the deadline follows. The state move is the caller's.
    mutating func resubmitted(revision: Int, form: CaseForm, createdOn: CivilDate, by user: Int64? = nil, resumedOn: CivilDate) throws {
        try addRevision(revision, form: form, createdOn: createdOn, by: user)
        try NodeStore.answerNotices(db, caseId: record.id, type: .supplement, on: resumedOn)
        if let last = record.clockStops.indices.last, record.clockStops[last].resumed == nil {
            record.clockStops[last].resumed = resumedOn
        }
        record.dueOn = CaseWorkflow.due(of: record, calendar)
    }

    /// Stores `form` as revision `revision` (created on `createdOn`, by user `user` when a
    /// drafter of this node wrote it) and makes it current; the summary fields follow.
    mutating func addRevision(_ revision: Int, form: CaseForm, createdOn: CivilDate, by user: Int64? = nil) throws {
        try CaseWorkflow.addRevision(db, &record, revision: revision, form: form, createdOn: createdOn, createdBy: user)
    }

    /// Art 9: a revision after the opinion starts the revising state unless already in it.
    mutating func beginRevisionUnlessRevising() throws {
        if record.state != .revising { try move(.beginRevision) }
    }

    /// Art 9: the drafter does not fully accept the opinion, for `reason`.
    mutating func recordDisagreement(_ reason: String) throws {
        try move(.recordDisagreement)
        record.disagreement = reason
    }

    /// Art 9: the coordination's outcome; the drafter revises accordingly.
    mutating func recordCoordination(_ outcome: String) throws {
        try move(.recordCoordination)
        record.coordination = outcome
    }

    /// Art 9 → Art 8: the city reviews a revision again, with a clock of its own from `date`.
    mutating func beginReReview(on date: CivilDate) throws {
        try move(.beginReReview)
        CaseWorkflow.restartClock(&record, on: date, calendar: calendar)
    }

    /// Records an issued opinion on the case, signed by `signerPublicKey`'s key, as judging the
    /// current revision: a re-review's opinion supersedes the previous one (which stays on
    /// record, marked on `supersededOn`). Art 9: the revision is due `revisionDue`.
    /// - Returns: the stored row and the number of the opinion it superseded, if any.
    @discardableResult
    mutating func recordOpinion(_ opinion: ReviewOpinion, bytes: Data, signature: Data, signerPublicKey: String, supersededOn: CivilDate,
                                revisionDue: CivilDate?) throws -> (OpinionRecord, superseded: String?) {
        let superseded = try NodeStore.supersedeOpinion(db, caseId: record.id, on: supersededOn)
        var row = OpinionRecord(caseId: record.id, number: opinion.number.description, year: opinion.number.year, sequence: opinion.number.sequence,
                                outcome: opinion.outcome, body: bytes, issuedOn: opinion.issuedOn)
        row.signature = signature
        row.signerPublicKey = signerPublicKey
        row.revision = record.currentRevision
        try NodeStore.insert(db, opinion: row)
        record.opinionIssuedOn = opinion.issuedOn
        record.revisionDueOn = revisionDue
        return (row, superseded)
    }

    /// Art 10 (Art 13 for a withdrawal): the launch (or the day the policy goes offline) on
    /// `launchDate`, confirmed on `confirmedOn`.
    mutating func confirmLaunch(_ launchDate: CivilDate, confirmedOn: CivilDate) throws {
        try move(record.kind == .withdrawal ? .confirmWithdrawal : .confirmLaunch)
        record.launchDate = launchDate
        record.launchConfirmedOn = confirmedOn
    }

    /// The other tier's launch confirmation carries the final content: a revision after a
    /// negative opinion (Art 9) happened there first, and a newer revision is stored here.
    /// - Returns: whether the revision was new here.
    @discardableResult
    mutating func catchUp(to revision: Int, form: CaseForm, createdOn: CivilDate) throws -> Bool {
        if record.state == .opinionNotPassed { try move(.beginRevision) }
        guard revision > record.currentRevision else { return false }
        try addRevision(revision, form: form, createdOn: createdOn)
        return true
    }
}

extension CaseRecord {
    /// The case a county forwarded (Art 8.2), as first stored from its message: at the city
    /// under final review (`origin` the county), or back at a restored county (`origin` itself).
    static func forwarded(_ body: CaseForwardedPayload, origin: String, state: CaseState, calendar: WorkCalendar) -> CaseRecord {
        var record = CaseRecord(
            id: body.caseId, kind: body.kind, level: .county, state: state, title: body.title, documentNumber: body.documentNumber,
            draftingUnit: body.draftingUnit, divisionCode: body.divisionCode, originNode: origin, submittedOn: body.submittedOn,
            effectiveDate: body.effectiveDate, lateApplication: body.lateApplication, currentRevision: body.revision,
            acceptedOn: body.clock.acceptedOn, clockStops: body.clock.stops.map { ReviewClock.Stop(stopped: $0.stopped, resumed: $0.resumed) },
            clockLimit: body.clock.limit, preliminaryConclusion: body.preliminaryConclusion)
        record.forwardedOn = body.forwardedOn
        record.dueOn = CaseWorkflow.due(of: record, calendar)
        return record
    }
}

extension CaseForwardedPayload {
    /// The county's supplement notices as stored with the forwarded case: its rounds as it
    /// issued them, reasons included; an older county's findings merged into one round.
    func countyNoticeRecords() throws -> [NoticeRecord] {
        if let rounds = countyNotices {
            return try rounds.map { county in
                NoticeRecord(id: nil, caseId: caseId, type: .supplement, round: county.notice.round, issuedBy: .county,
                             issuedOn: county.notice.issuedOn, supplyBy: county.notice.supplyBy, revision: county.revision,
                             body: try CaseWorkflow.canonicalJSON(county.notice), answeredOn: county.answeredOn)
            }
        }
        guard !countyFindings.isEmpty else { return [] }
        let notice = SupplementNotice(issuedBy: .county, round: 1, findings: countyFindings, issuedOn: forwardedOn, supplyBy: nil)
        return [NoticeRecord(id: nil, caseId: caseId, type: .supplement, round: 1, issuedBy: .county, issuedOn: forwardedOn,
                             supplyBy: nil, revision: revision, body: try CaseWorkflow.canonicalJSON(notice), answeredOn: forwardedOn)]
    }
}
