import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// The console's inbox in keyset pages, in the order of ``CaseReads/all(for:_:states:)``
/// (least working days left first, then by id), reading only what a page needs and counting
/// nothing (issue 14):
/// - cases with a running clock come from SQL in (dueOn, id) order after the cursor: a due date
///   is a working day (``ReviewClock`` computes it so), so a later due date always leaves more
///   working days and the two orders agree;
/// - cases under review without a due date (clock stopped) are few, and all summarized;
/// - cases without a clock (not yet accepted, or decided) follow, by id.
/// A case under review whose calendar year is missing (no remaining days) goes after the
/// stopped ones rather than among the clockless by id; that is the only difference.
extension CaseReads {
    /// Where a page of the inbox ends: the last case shown and which part of the order it was in.
    struct InboxCursor: Sendable, Equatable {
        /// The last case's remaining working days (`Int.max` without any) when it was a timed
        /// case; nil when it was a clockless one.
        var remaining: Int?
        var id: String

        /// `t:<remaining>:<id>` or `c:<id>`, as the `after` query parameter carries it.
        var text: String { remaining.map { "t:\($0):\(id)" } ?? "c:\(id)" }

        init(remaining: Int?, id: String) {
            self.remaining = remaining
            self.id = id
        }

        /// Nil for anything but a cursor this node wrote, exactly: the id is a case id
        /// (``CaseIdentifier``), the remaining days a plain integer (`-3`, not `+3`, `03` or
        /// `-0`), and nothing follows (`c:220183-2026-0001:x` is refused).
        init?(_ text: String) {
            guard text.utf8.count <= 100 else { return nil }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            switch parts.first {
            case "t" where parts.count == 3:
                guard let remaining = Int(parts[1]), String(remaining) == parts[1], CaseIdentifier.isWellFormed(parts[2]) else { return nil }
                self.init(remaining: remaining, id: parts[2])
            case "c" where parts.count == 2:
                guard CaseIdentifier.isWellFormed(parts[1]) else { return nil }
                self.init(remaining: nil, id: parts[1])
            default: return nil
            }
        }
    }

    /// One page of the inbox: up to `limit` cases after `after`, and the cursor of the next
    /// page (nil on the last).
    func inbox(for user: UserRecord, _ filter: CaseFilter, states: [CaseState]?, after: InboxCursor?, limit: Int) async throws
        -> (cases: [CaseSummary], next: InboxCursor?) {
        // Past the timed cases, only clockless ones remain.
        let timed = after == nil || after?.remaining != nil
        // The running cases after the cursor are those due from the first day that leaves its
        // remaining working days (on that day itself: those with a larger id).
        var runningAfter: (dueOn: String, id: String)?
        var bounded = true
        if let after, let remaining = after.remaining {
            if let day = firstDue(leaving: remaining) {
                runningAfter = (day.description, after.id)
            } else {
                bounded = false
            }
        }
        // One more than the page in each part: whether a next page exists.
        let rows = try await services.store.inboxPage(visibleTo: user, filter: filter, states: states, timed: timed,
                                                      runningAfter: runningAfter, runningLimited: bounded,
                                                      clocklessAfter: after?.remaining == nil ? after?.id : nil, limit: limit + 1)
        let position = after.map { ($0.remaining ?? Int.max, $0.id) }
        let timedCases = (rows.running + rows.stopped).map(summary)
            .filter { summary in position.map { summary.sortKey > $0 } ?? true }
            .sorted { $0.sortKey < $1.sortKey }
        let all = timedCases + rows.clockless.map(summary)
        let page = Array(all.prefix(limit))
        guard all.count > limit, let last = page.last else { return (page, nil) }
        let lastIsTimed = page.count <= timedCases.count
        return (page, InboxCursor(remaining: lastIsTimed ? last.sortKey.0 : nil, id: last.id))
    }

    /// The first day `d` with `remainingWorkdays(today, d) >= remaining` (working days are
    /// counted in (today, d], so they grow by at most one a day and that day leaves exactly
    /// `remaining`); nil when the calendar lacks a year on the way.
    func firstDue(leaving remaining: Int) -> CivilDate? {
        let calendar = services.calendar
        let today = services.today.date
        // Beyond any review clock (a missing year, or a cursor not written here): no bound.
        guard (-10_000...10_000).contains(remaining) else { return nil }
        func left(_ day: CivilDate) -> Int? { try? calendar.remainingWorkdays(today: today, due: day) }
        // A working day is at most a few calendar days away, holidays included.
        let reach = 2 * abs(remaining) + 40
        var low = today.adding(days: -reach)
        var high = today.adding(days: reach)
        guard let lowLeft = left(low), lowLeft < remaining, let highLeft = left(high), highLeft >= remaining else { return nil }
        while high.dayNumber - low.dayNumber > 1 {
            let middle = CivilDate(dayNumber: (low.dayNumber + high.dayNumber) / 2)
            guard let middleLeft = left(middle) else { return nil }
            if middleLeft >= remaining { high = middle } else { low = middle }
        }
        return high
    }
}
