import GRDB
public import ReviewProtocol
public import ReviewRules

/// What one keyset page of the inbox is made from (see
/// ``NodeStore/inboxPage(visibleTo:filter:states:timed:runningAfter:runningLimited:clocklessAfter:limit:)``).
public struct InboxPageRows: Sendable {
    /// Under review with a due date, in (dueOn, id) order after the position asked for, at
    /// most `limit` (all of them when the position is unknown).
    public var running: [CaseRecord]
    /// Under review without a due date (clock stopped): all of them (they are few).
    public var stopped: [CaseRecord]
    /// Not under review (not yet accepted, or decided), by id after the position asked for, at
    /// most `limit`.
    public var clockless: [CaseRecord]
}

extension NodeStore {
    /// The rows one keyset page of the cases `user` may see needs, in one snapshot, counting
    /// nothing:
    /// - with `timed`, the running cases due after `runningAfter.dueOn` or due on it with an id
    ///   after `runningAfter.id` (all when nil), the first `limit` of them in (dueOn, id) order
    ///   (all of them without `runningLimited`), and every stopped case;
    /// - the clockless cases after the id `clocklessAfter` (from the first when nil).
    /// `runningAfter.dueOn` is `YYYY-MM-DD`.
    public func inboxPage(visibleTo user: UserRecord, filter: CaseFilter, states: [CaseState]?, timed: Bool,
                          runningAfter: (dueOn: String, id: String)?, runningLimited: Bool,
                          clocklessAfter: String?, limit: Int) async throws -> InboxPageRows {
        try await read { db in
            let base = CaseRecord.all().filtered(by: filter).visible(to: user).inStates(states)
            var running: [CaseRecord] = []
            var stopped: [CaseRecord] = []
            if timed {
                var query = base.underReview(true).filter(CaseRecord.Columns.dueOn != nil)
                if let after = runningAfter {
                    query = query.filter(CaseRecord.Columns.dueOn > after.dueOn
                                         || (CaseRecord.Columns.dueOn == after.dueOn && CaseRecord.Columns.id > after.id))
                }
                query = query.order(CaseRecord.Columns.dueOn, CaseRecord.Columns.id)
                running = try (runningLimited ? query.limit(limit) : query).fetchAll(db)
                stopped = try base.underReview(true).filter(CaseRecord.Columns.dueOn == nil).fetchAll(db)
            }
            var clockless = base.underReview(false)
            if let after = clocklessAfter { clockless = clockless.filter(CaseRecord.Columns.id > after) }
            return InboxPageRows(running: running, stopped: stopped,
                                 clockless: try clockless.order(CaseRecord.Columns.id).limit(limit).fetchAll(db))
        }
    }
}
