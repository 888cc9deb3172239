public import Foundation
public import GRDB
public import ReviewProtocol
public import ReviewRules

extension CaseRecord {
    /// The columns the case requests filter and order on.
    public enum Columns {
        public static let id = Column("id")
        public static let state = Column("state")
        public static let kind = Column("kind")
        public static let draftingUnit = Column("draftingUnit")
        public static let submittedOn = Column("submittedOn")
        public static let acceptedOn = Column("acceptedOn")
        public static let dueOn = Column("dueOn")
        public static let opinionIssuedOn = Column("opinionIssuedOn")
    }
}

extension CaseMaterialRecord {
    public enum Columns {
        public static let caseId = Column("caseId")
        public static let sha256 = Column("sha256")
        public static let addedOn = Column("addedOn")
        public static let kind = Column("kind")
    }
}

extension OpinionRecord {
    public enum Columns {
        public static let caseId = Column("caseId")
    }
}

/// The filters the case list, the ledger and the console share: year of submission, state,
/// kind and drafting unit (each nil: not filtered).
public struct CaseFilter: Sendable, Hashable {
    /// The calendar year of `submittedOn`, 2000...2100.
    public var year: Int?
    public var state: CaseState?
    public var kind: CaseKind?
    /// The drafting unit's name, exactly.
    public var unit: String?

    public init(year: Int? = nil, state: CaseState? = nil, kind: CaseKind? = nil, unit: String? = nil) {
        self.year = year
        self.state = state
        self.kind = kind
        self.unit = unit
    }
}

extension QueryInterfaceRequest where RowDecoder == CaseRecord {
    /// The cases `filter` selects.
    public func filtered(by filter: CaseFilter) -> Self {
        var query = self
        if let year = filter.year { query = query.submitted(in: year) }
        if let state = filter.state { query = query.filter(CaseRecord.Columns.state == state.rawValue) }
        if let kind = filter.kind { query = query.filter(CaseRecord.Columns.kind == kind.rawValue) }
        if let unit = filter.unit { query = query.filter(CaseRecord.Columns.draftingUnit == unit) }
        return query
    }

    /// Cases submitted in `year`: a range on the indexed column, not a LIKE.
    public func submitted(in year: Int) -> Self {
        filter(CaseRecord.Columns.submittedOn >= "\(year)-01-01" && CaseRecord.Columns.submittedOn <= "\(year)-12-31")
    }

    /// The cases `user` may list: a drafter only its own unit's; a consultee and the platform
    /// none; reviewers, supervisors and operators every case of the node (what they may open
    /// is checked per case).
    public func visible(to user: UserRecord) -> Self {
        switch user.role {
        case .drafter: filter(CaseRecord.Columns.draftingUnit == user.unit)
        // Consulted departments and the publication platform see no case.
        case .consultee, .platform: none()
        default: self
        }
    }

    /// Cases in one of `states` (nil: any state).
    public func inStates(_ states: [CaseState]?) -> Self {
        guard let states else { return self }
        return filter(states.map(\.rawValue).contains(CaseRecord.Columns.state))
    }

    /// Cases whose review clock has started and no opinion was issued yet (`true`), or the
    /// others (`false`).
    public func underReview(_ underReview: Bool) -> Self {
        let condition = CaseRecord.Columns.acceptedOn != nil && CaseRecord.Columns.opinionIssuedOn == nil
        return filter(underReview ? condition : !condition)
    }

    /// The ledger's order: by submission date, then case id.
    public func ledgerOrdered() -> Self {
        order(CaseRecord.Columns.submittedOn, CaseRecord.Columns.id)
    }
}

/// The rows the Art 11 ledger (台帐) is made from.
public struct LedgerRows: Sendable {
    /// The cases, by submission date and id.
    public var cases: [CaseRecord]
    /// Each case's materials, by case id.
    public var materials: [String: [CaseMaterialRecord]]
    /// How many materials notices (Art 5) and supplement notices (Art 8) each case had.
    public var noticeCounts: [String: (materials: Int, supplement: Int)]
    /// Each case's opinion, by case id.
    public var opinions: [String: OpinionRecord]
    /// Issue 18: the 上线意见征询 (``ConsultationSummary`` JSON) of the cases that carried one.
    public var consultations: [String: Data] = [:]
    /// Art 6: how many expert sessions each case had (absent: none).
    public var expertSessionCounts: [String: Int] = [:]
    /// Art 14 (city): the change each published case made to the feed (absent: not published).
    public var publications: [String: PublicationMark] = [:]
}

extension NodeStore {
    /// The cases `user` may see, narrowed by `filter` and `states` (unordered).
    public func cases(visibleTo user: UserRecord, filter: CaseFilter = CaseFilter(), states: [CaseState]? = nil) async throws -> [CaseRecord] {
        try await read { db in try CaseRecord.all().filtered(by: filter).visible(to: user).inStates(states).fetchAll(db) }
    }

    /// How many cases `filter` selects (``caseCount(_:_:)``: the cached tally unless the filter
    /// names a state, kind or unit), and the ledger rows of those at `offset` (a page of
    /// `limit`; all of them when `limit` is nil), in one snapshot.
    public func ledger(_ filter: CaseFilter, limit: Int? = nil, offset: Int = 0) async throws -> (total: Int, rows: LedgerRows) {
        try await read { db in
            (try Self.caseCount(db, filter), try Self.ledgerRows(db, filter, limit: limit, offset: offset))
        }
    }

    /// The ledger rows of up to `limit` cases `filter` selects after the `(submittedOn, id)`
    /// position `after` (keyset: one index seek however deep the page; no count).
    public func ledger(_ filter: CaseFilter, limit: Int, after: (submittedOn: String, id: String)) async throws -> LedgerRows {
        try await read { db in try Self.ledgerRows(db, filter, limit: limit, after: after) }
    }

    /// The ledger rows of the cases `filter` selects, oldest first (after `after`, when given);
    /// a page of them when `limit` is given (then only the page's materials, notices and
    /// opinions are read).
    public static func ledgerRows(_ db: Database, _ filter: CaseFilter, limit: Int? = nil, offset: Int = 0,
                                  after: (submittedOn: String, id: String)? = nil) throws -> LedgerRows {
        var query = CaseRecord.all().filtered(by: filter).ledgerOrdered()
        if let after {
            // A row value: SQLite seeks caseLedgerOrder to it (the equivalent OR of two
            // comparisons scanned the index from its start, 20-30 ms deep in 100,000 cases).
            query = query.filter(sql: "(submittedOn, id) > (?, ?)", arguments: [after.submittedOn, after.id])
        }
        if let limit { query = query.limit(limit, offset: offset) }
        let cases = try query.fetchAll(db)
        let ids = cases.map(\.id)
        let paged = limit != nil
        let materials = Dictionary(grouping: try (paged ? CaseMaterialRecord.filter(ids.contains(CaseMaterialRecord.Columns.caseId)) : CaseMaterialRecord.all())
            .fetchAll(db), by: \.caseId)
        var notices: [String: (materials: Int, supplement: Int)] = [:]
        let noticeSQL = paged
            ? "SELECT caseId, type, COUNT(*) AS n FROM notice WHERE caseId IN (\(ids.map { _ in "?" }.joined(separator: ","))) GROUP BY caseId, type"
            : "SELECT caseId, type, COUNT(*) AS n FROM notice GROUP BY caseId, type"
        for row in try Row.fetchAll(db, sql: noticeSQL, arguments: paged ? StatementArguments(ids) : []) {
            let id: String = row["caseId"]
            var counts = notices[id] ?? (0, 0)
            if row["type"] == "materials" { counts.materials = row["n"] } else { counts.supplement = row["n"] }
            notices[id] = counts
        }
        let opinions = Dictionary(uniqueKeysWithValues: try (paged ? OpinionRecord.filter(ids.contains(OpinionRecord.Columns.caseId)) : OpinionRecord.all())
            .fetchAll(db).map { ($0.caseId, $0) })
        var rows = LedgerRows(cases: cases, materials: materials, noticeCounts: notices, opinions: opinions)
        // One query each for the page's consultations and sessions (not one per case, not every session of the node).
        let marks = ids.map { _ in "?" }.joined(separator: ",")
        let consultationSQL = paged ? "SELECT caseId, summary FROM caseConsultation WHERE caseId IN (\(marks))" : "SELECT caseId, summary FROM caseConsultation"
        let sessionSQL = paged ? "SELECT caseId, COUNT(*) AS n FROM expertSession WHERE caseId IN (\(marks)) GROUP BY caseId"
            : "SELECT caseId, COUNT(*) AS n FROM expertSession GROUP BY caseId"
        let wanted = Set(ids)
        for row in try Row.fetchAll(db, sql: consultationSQL, arguments: paged ? StatementArguments(ids) : []) where wanted.contains(row["caseId"]) {
            rows.consultations[row["caseId"]] = row["summary"]
        }
        for row in try Row.fetchAll(db, sql: sessionSQL, arguments: paged ? StatementArguments(ids) : []) where wanted.contains(row["caseId"]) {
            rows.expertSessionCounts[row["caseId"]] = row["n"]
        }
        let publicationSQL = "SELECT caseId, itemId, sequence, change, effectiveOn FROM publishedChange" + (paged ? " WHERE caseId IN (\(marks))" : "")
        for row in try Row.fetchAll(db, sql: publicationSQL, arguments: paged ? StatementArguments(ids) : []) where wanted.contains(row["caseId"]) {
            guard let change = CaseKind(rawValue: row["change"]), let effectiveOn = CivilDate(row["effectiveOn"] as String) else {
                throw StoreError(.corrupt, "published change \(row["sequence"] as Int) has no readable change or date")
            }
            rows.publications[row["caseId"]] = PublicationMark(itemId: row["itemId"], sequence: row["sequence"], status: PublishedStatus(after: change),
                                                               effectiveOn: effectiveOn)
        }
        return rows
    }

    /// Up to `limit` cases `user` may see, narrowed by `filter`, in id order after the case id
    /// `after` (keyset: one index seek however deep the page).
    public func cases(visibleTo user: UserRecord, filter: CaseFilter, after: String?, limit: Int) async throws -> [CaseRecord] {
        try await read { db in
            var query = CaseRecord.all().filtered(by: filter).visible(to: user)
            if let after { query = query.filter(CaseRecord.Columns.id > after) }
            return try query.order(CaseRecord.Columns.id).limit(limit).fetchAll(db)
        }
    }

    /// Records the outcome of a link check: when, and the round trip in milliseconds (nil when
    /// the peer did not answer 200).
    public func recordLinkCheck(nodeId: String, at date: Date, milliseconds: Double?) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE link SET lastCheckAt = ?, lastCheckMilliseconds = ? WHERE nodeId = ?", arguments: [date, milliseconds, nodeId])
        }
    }

    /// The link to `nodeId`, if there is one.
    public func link(_ nodeId: String) async throws -> LinkRecord? {
        try await read { db in try NodeStore.link(db, nodeId) }
    }

    /// The newest event's hash (what a message's `chainHead` carries).
    public func chainHead() async throws -> String {
        try await read { db in try Self.chainHead(db) }
    }

    /// Every user, by id.
    public func users() async throws -> [UserRecord] {
        try await read { db in try UserRecord.order(UserRecord.Columns.id).fetchAll(db) }
    }
}

extension NodeStore {
    /// Every user, by id, inside a transaction.
    public static func users(_ db: Database) throws -> [UserRecord] {
        try UserRecord.order(UserRecord.Columns.id).fetchAll(db)
    }

    /// The case's material with digest `sha256` and its bytes; nil when the case has no such material.
    public static func caseMaterial(_ db: Database, caseId: String, sha256: String) throws -> (CaseMaterialRecord, Data)? {
        guard let material = try CaseMaterialRecord.filter(CaseMaterialRecord.Columns.caseId == caseId && CaseMaterialRecord.Columns.sha256 == sha256).fetchOne(db),
              let blob = try MaterialBlobRecord.fetchOne(db, key: sha256)
        else { return nil }
        return (material, blob.content)
    }

    /// The case's 标准化审查意见书, if one was issued (or received).
    public static func opinion(_ db: Database, caseId: String) throws -> OpinionRecord? {
        try OpinionRecord.fetchOne(db, key: caseId)
    }
}
