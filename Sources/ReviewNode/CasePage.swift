import Foundation
import GRDB
import ReviewProtocol
import ReviewRules
import ReviewStore

extension NodeRoutes {
    /// One page of the cases `user` may see, in the order of ``cases(for:_:states:)`` (least
    /// working days left first, then by id), reading only what the page needs:
    /// - cases with a running clock come from SQL ordered by their stored due date: due dates
    ///   are working days, so a later due date always leaves more working days;
    /// - cases under review without a due date (clock stopped) are few, and all summarized;
    /// - cases without a clock (not yet accepted, or decided) follow, by id.
    /// A case under review whose calendar year is missing (no remaining days) goes after the
    /// stopped ones rather than among the clockless by id; that is the only difference.
    func casePage(for user: UserRecord, _ filter: CaseFilter, states: [CaseState]?, offset: Int, limit: Int) async throws -> (total: Int, cases: [CaseSummary]) {
        let calendar = services.calendar
        let today = services.today.date
        let (total, running, stopped, clockless) = try await services.store.read { db in
            let base = Self.visibleCases(user, filter, states: states)
            let underReview = Column("acceptedOn") != nil && Column("opinionIssuedOn") == nil
            let total = try base.fetchCount(db)
            let running = try base.filter(underReview && Column("dueOn") != nil).order(Column("dueOn"), Column("id")).limit(offset + limit).fetchAll(db)
            let stopped = try base.filter(underReview && Column("dueOn") == nil).fetchAll(db)
            let clocklessCount = try base.filter(!underReview).fetchCount(db)
            // Where the clockless cases begin in the whole order, and which of them this page shows.
            let start = total - clocklessCount
            let skip = max(0, offset - start)
            let take = offset + limit - max(offset, start)
            let clockless = take > 0
                ? try base.filter(!underReview).order(Column("id")).limit(take, offset: skip).fetchAll(db) : []
            return (total, running, stopped, clockless)
        }
        let summarize = { (record: CaseRecord) in CaseSummary(record, calendar: calendar, today: today) }
        // Every timed case before this page's end is here (the running ones up to offset + limit).
        let timed = (running.map(summarize) + stopped.map(summarize)).sorted { $0.sortKey < $1.sortKey }
        // A page past the timed cases: the clockless rows were read from their own offset.
        if offset >= timed.count { return (total, clockless.map(summarize)) }
        return (total, Array((timed + clockless.map(summarize)).dropFirst(offset).prefix(limit)))
    }
}
