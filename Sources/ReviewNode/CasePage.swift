import Foundation
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
        let rows = try await services.store.casePage(visibleTo: user, filter: filter, states: states, offset: offset, limit: limit)
        let (total, running, stopped, clockless) = (rows.total, rows.running, rows.stopped, rows.clockless)
        let summarize = { (record: CaseRecord) in CaseSummary(record, calendar: calendar, today: today) }
        // Every timed case before this page's end is here (the running ones up to offset + limit).
        let timed = (running.map(summarize) + stopped.map(summarize)).sorted { $0.sortKey < $1.sortKey }
        // A page past the timed cases: the clockless rows were read from their own offset.
        if offset >= timed.count { return (total, clockless.map(summarize)) }
        return (total, Array((timed + clockless.map(summarize)).dropFirst(offset).prefix(limit)))
    }
}
