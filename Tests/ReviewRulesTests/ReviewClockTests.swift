import ReviewProtocol
import ReviewRules
import ReviewTesting
import Testing

@Suite struct ReviewClockTests {
    let calendar: WorkCalendar
    init() throws { calendar = try Fixtures.calendar() }

    private func d(_ text: String) -> CivilDate { Fixtures.date(text) }
    private func stop(_ p: String, _ r: String?) -> ReviewClock.Stop { .init(stopped: d(p), resumed: r.map(d)) }

    @Test func withoutStopsTheDeadlineIsTenWorkingDays() throws {
        #expect(try ReviewClock(accepted: d("2024-09-27")).due(calendar: calendar) == d("2024-10-16"))
    }

    @Test func supplementTimeIsNotCounted() throws {
        // Art 8: used = working days in (A, P] = 09-29, 09-30, 10-08 → 3; due = R + 7.
        let clock = ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-10-08", "2024-10-15")])
        let status = try clock.status(calendar: calendar)
        #expect(status.usedWorkdays == 3)
        #expect(status.due == d("2024-10-24"))
    }

    @Test func twoRoundsOfStops() throws {
        let clock = ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-10-08", "2024-10-15"), stop("2024-10-17", "2024-10-21")])
        // 3 + (10-16, 10-17) 2 = 5 used; due = 10-21 + 5 = 10-28.
        #expect(try clock.due(calendar: calendar) == d("2024-10-28"))
    }

    @Test func stopOnTheAcceptanceDayUsesNothing() throws {
        let clock = ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-09-27", "2024-10-08")])
        #expect(try clock.status(calendar: calendar).usedWorkdays == 0)
        #expect(try clock.due(calendar: calendar) == d("2024-10-21"))
    }

    @Test func stopOnTheDueDayLeavesNothingAfterResumption() throws {
        let clock = ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-10-16", "2024-10-21")])
        #expect(try clock.status(calendar: calendar).usedWorkdays == 10)
        #expect(try clock.due(calendar: calendar) == d("2024-10-21"))
    }

    @Test func stopAfterTheDeadlineDoesNotExtendIt() throws {
        let clock = ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-10-18", "2024-10-25")])
        #expect(try clock.due(calendar: calendar) == d("2024-10-16"))
    }

    @Test func resumeOnTheSameDayAsTheStop() throws {
        let clock = ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-10-08", "2024-10-08")])
        #expect(try clock.due(calendar: calendar) == d("2024-10-16"))
    }

    @Test func stopAcrossSpringFestivalAndYearEnd() throws {
        // Accepted 2025-12-24; stopped 2025-12-26 (used 12-25, 12-26 = 2); resumed 2026-02-13.
        // 8 left: 02-14 (Sat, make-up), 02-24, 25, 26, 27, 28 (Sat, make-up), 03-02, 03-03.
        let clock = ReviewClock(accepted: d("2025-12-24"), stops: [stop("2025-12-26", "2026-02-13")])
        #expect(try clock.due(calendar: calendar) == d("2026-03-03"))
    }

    @Test func anOpenStopHasNoDueDate() throws {
        let clock = ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-10-08", nil)])
        let status = try clock.status(calendar: calendar)
        #expect(status.due == nil)
        #expect(status.stoppedSince == d("2024-10-08"))
        #expect(status.remainingAtStop == 7)
        #expect { try clock.due(calendar: calendar) } throws: { ($0 as? RulesError)?.code == .clockStopped }
    }

    @Test func eventsOutOfOrderAreRefusedWithTheirDates() {
        let cases: [(ReviewClock, String)] = [
            (ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-09-26", "2024-10-08")]), "before acceptance on 2024-09-27"),
            (ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-10-08", "2024-10-07")]), "resumption on 2024-10-07 is before its clock stop on 2024-10-08"),
            (ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-10-08", "2024-10-10"), stop("2024-10-09", "2024-10-11")]), "before the previous resumption on 2024-10-10"),
            (ReviewClock(accepted: d("2024-09-27"), stops: [stop("2024-10-08", nil), stop("2024-10-09", "2024-10-11")]), "no resumption"),
            (ReviewClock(accepted: d("2024-09-27"), limit: -1), "0 or more"),
        ]
        for (clock, fragment) in cases {
            #expect {
                try clock.validate()
            } throws: { error in
                guard let error = error as? RulesError else { return false }
                return error.message.contains(fragment)
            }
        }
    }

    @Test func aCustomLimit() throws {
        #expect(try ReviewClock(accepted: d("2024-09-27"), limit: 5).due(calendar: calendar) == d("2024-10-10"))
    }
}
