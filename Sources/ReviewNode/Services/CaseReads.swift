import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// The case reads the API and the console share: a case's detail, the case lists (the API's
/// id-ordered keyset pages and the console inbox's keyset pages, least time left first), the
/// opinion and its printable page, and a case's material. Each read checks access once, here:
/// a case `user` may not read is 404 (``Access/requireRead(_:_:)``).
struct CaseReads: Sendable {
    let services: NodeServices

    /// A case as lists show it, with its remaining working days as of today (Beijing).
    func summary(_ record: CaseRecord) -> CaseSummary {
        CaseSummary(record, calendar: services.calendar, today: services.today.date)
    }

    /// Everything about a case `user` may read (404 otherwise): the API's detail and the console's case page.
    func detail(_ caseId: String, for user: UserRecord) async throws -> CaseDetail {
        let calendar = services.calendar
        let today = services.today.date
        return try await services.store.read { db in
            let record = try CaseWorkflow.load(db, caseId)
            try Access.requireRead(user, record)
            return try CaseDetail.load(db, record, calendar: calendar, today: today)
        }
    }

    // MARK: The API's list

    /// A page of the case list: `next` is the `after` for the following page (absent when
    /// nothing follows; present when more may follow).
    struct CaseListPage: Encodable, Sendable {
        var cases: [CaseSummary]
        var next: String?
    }

    /// Up to `limit` cases `user` may see after the case id `after`, in id order, filtered.
    /// `overdue` is the review (Art 8), `revisionOverdue` the drafter's Art 9 revision; with
    /// these derived filters a request reads at most 10 pages' worth of rows and may answer a
    /// short page with a `next`. 403 for the operator (no case content).
    func list(for user: UserRecord, filter: CaseFilter, overdue: Bool?, revisionOverdue: Bool?, after: String?, limit: Int) async throws -> CaseListPage {
        guard user.role != .operator else { throw APIError.forbidden("the operator sees no case content") }
        // A consulted department answers consultations; it sees no case (nor does a platform).
        guard user.role != .consultee, user.role != .platform else { throw APIError.forbidden("a \(user.role.rawValue) sees no case") }
        var cases: [CaseSummary] = []
        var cursor = after
        var scanned = 0
        while scanned < limit * 10 {
            let rows = try await services.store.cases(visibleTo: user, filter: filter, after: cursor, limit: limit)
            for record in rows {
                scanned += 1
                cursor = record.id
                let summary = summary(record)
                if let overdue, summary.overdue != overdue { continue }
                if let revisionOverdue, summary.revisionOverdue != revisionOverdue { continue }
                cases.append(summary)
                if cases.count == limit { return CaseListPage(cases: cases, next: record.id) }
            }
            if rows.count < limit { return CaseListPage(cases: cases, next: nil) }
        }
        return CaseListPage(cases: cases, next: cursor)
    }

    /// Every case `user` may see, filtered, least time left first (the order of the inbox).
    func all(for user: UserRecord, _ filter: CaseFilter = CaseFilter(), states: [CaseState]? = nil) async throws -> [CaseSummary] {
        try await services.store.cases(visibleTo: user, filter: filter, states: states).map(summary).sorted { $0.sortKey < $1.sortKey }
    }

    // MARK: The opinion

    /// The opinion of a case `user` may read, with the case; 404 before it is issued.
    func opinion(_ caseId: String, for user: UserRecord) async throws -> (ReviewOpinion, CaseRecord) {
        try await services.store.read { db in
            let record = try CaseWorkflow.load(db, caseId)
            try Access.requireRead(user, record)
            guard let opinion = try NodeStore.opinion(db, caseId: caseId) else {
                throw APIError(.notFound, code: "opinion-not-found", message: "尚未出具标准化审查意见书")
            }
            return (try opinion.decoded(), record)
        }
    }

    /// The opinion as its printable page (template `opinion`): the API's `opinion.html` and the console's.
    func opinionPage(_ caseId: String, for user: UserRecord) async throws -> OpinionPage {
        let (opinion, record) = try await self.opinion(caseId, for: user)
        let configuration = services.configuration
        let (signerKey, issuer, itemNames) = try await services.store.read { db in
            (try NodeStore.opinion(db, caseId: record.id)?.signerPublicKey, try OpinionPage.issuerName(db, opinion, own: configuration),
             OpinionPage.itemNames(db, record))
        }
        return OpinionPage(opinion: opinion, caseId: record.id, issuerName: issuer, revisionDueOn: record.revisionDueOn,
                           signerPublicKey: signerKey, itemNames: itemNames)
    }

    // MARK: Materials

    /// One of a case's materials, byte-exact: its record (file name) and content. 404 for a
    /// case `user` may not read and for a digest the case does not hold.
    func material(_ digest: String, of caseId: String, for user: UserRecord) async throws -> (CaseMaterialRecord, Data) {
        try await services.store.read { db -> (CaseMaterialRecord, Data) in
            let record = try CaseWorkflow.load(db, caseId)
            try Access.requireRead(user, record)
            guard let found = try NodeStore.caseMaterial(db, caseId: caseId, sha256: digest) else {
                throw APIError(.notFound, code: "material-not-found", message: "材料不存在", field: "sha256")
            }
            return found
        }
    }
}
