import Foundation
import ReviewProtocol
import ReviewRules
import ReviewTesting
import Testing

/// Expected dates were worked out by hand from the State Council notices and cross-checked
/// with the PyPI package chinesecalendar, the generator's source.
@Suite struct WorkCalendarTests {
    let calendar: WorkCalendar
    init() throws { calendar = try Fixtures.calendar() }

    private func d(_ text: String) -> CivilDate { Fixtures.date(text) }

    @Test func shipsEveryYearFrom2020To2026() {
        #expect(calendar.years == Set(2020...2026))
    }

    @Test(arguments: [
        // DESIGN §3 example: National Day 2024, make-up days 09-29 (Sun) and 10-12 (Sat).
        ("2024-09-27", 10, "2024-10-16"),
        ("2024-09-27", 1, "2024-09-29"),
        ("2024-09-30", 1, "2024-10-08"),
        ("2024-10-11", 1, "2024-10-12"),
        // Spring Festival 2024: holidays 02-10..02-17, make-up 02-04 and 02-18 (Sundays).
        ("2024-02-08", 1, "2024-02-09"),
        ("2024-02-08", 2, "2024-02-18"),
        // Spring Festival 2023: 01-21..01-27 off, make-up 01-28 (Sat).
        ("2023-01-20", 1, "2023-01-28"),
        // Spring Festival 2025: 01-28..02-04 off, make-up 01-26 (Sun) and 02-08 (Sat).
        ("2025-01-24", 5, "2025-02-07"),
        // Spring Festival 2026: 02-15..02-23 off, make-up 02-14 (Sat) and 02-28 (Sat).
        ("2026-02-13", 1, "2026-02-14"),
        ("2026-02-13", 2, "2026-02-24"),
        // 2020: the Spring Festival holiday extended to 02-02.
        ("2020-01-23", 1, "2020-02-03"),
        // Year boundary: 2026-01-01..03 off, 2026-01-04 (Sun) a make-up day.
        ("2025-12-31", 1, "2026-01-04"),
        ("2025-12-31", 2, "2026-01-05"),
        // National Day 2026: make-up 09-20 (Sun), 10-01..10-07 off.
        ("2026-09-18", 1, "2026-09-20"),
        ("2026-09-30", 1, "2026-10-08"),
        // Counting from a rest day, and n = 0.
        ("2024-10-05", 1, "2024-10-08"),
        ("2024-10-05", 0, "2024-10-05"),
    ])
    func addWorkdays(_ start: String, _ n: Int, _ expected: String) throws {
        #expect(try calendar.addWorkdays(d(start), n) == d(expected))
    }

    @Test(arguments: [
        ("2024-10-16", 10, "2024-09-27"),
        ("2024-01-02", 1, "2023-12-29"),
        ("2026-10-09", 1, "2026-10-08"),
        ("2024-02-19", 2, "2024-02-09"),
        ("2026-01-05", 1, "2026-01-04"),
        ("2026-01-05", 2, "2025-12-31"),
        ("2025-10-09", 5, "2025-09-25"),
        ("2026-01-01", 5, "2025-12-25"),
    ])
    func subWorkdays(_ start: String, _ n: Int, _ expected: String) throws {
        #expect(try calendar.subWorkdays(d(start), n) == d(expected))
    }

    @Test func aYearWithoutAFileIsAnErrorNeverAGuess() {
        for attempt in [
            { _ = try calendar.addWorkdays(d("2027-03-01"), 1) },
            { _ = try calendar.addWorkdays(d("2026-12-30"), 5) },  // runs into 2027
            { _ = try calendar.subWorkdays(d("2020-01-02"), 3) },  // runs into 2019
            { _ = try calendar.isWorkday(d("2019-06-03")) },
        ] as [() throws -> Void] {
            #expect { try attempt() } throws: { ($0 as? RulesError)?.code == .calendarYearMissing }
        }
        #expect(throws: RulesError.self) { try calendar.addWorkdays(d("2027-03-01"), 0) }
    }

    @Test func negativeCountIsRefused() {
        #expect { try calendar.addWorkdays(d("2024-01-02"), -1) } throws: { ($0 as? RulesError)?.code == .negativeCount }
        #expect { try calendar.subWorkdays(d("2024-01-02"), -3) } throws: { ($0 as? RulesError)?.code == .negativeCount }
    }

    @Test func workdaysBetweenIsSignedAndHalfOpen() throws {
        #expect(try calendar.workdays(from: d("2024-09-27"), through: d("2024-10-16")) == 10)
        #expect(try calendar.workdays(from: d("2024-10-16"), through: d("2024-09-27")) == -10)
        #expect(try calendar.workdays(from: d("2024-10-01"), through: d("2024-10-07")) == 0)
        #expect(try calendar.remainingWorkdays(today: d("2024-10-16"), due: d("2024-10-16")) == 0)
        #expect(try calendar.remainingWorkdays(today: d("2024-10-18"), due: d("2024-10-16")) == -2)
    }

    @Test func art9RevisionAndArt13Lateness() throws {
        // Art 9: 5 working days from receiving the opinion.
        #expect(try calendar.revisionDue(opinionReceived: d("2024-09-27")) == d("2024-10-10"))
        // Art 13: effective 2026-01-01 → apply by 2025-12-25.
        #expect(try calendar.latestChangeApplication(effective: d("2026-01-01")) == d("2025-12-25"))
        #expect(try !calendar.isLateChangeApplication(appliedOn: d("2025-12-25"), effective: d("2026-01-01")))
        #expect(try calendar.isLateChangeApplication(appliedOn: d("2025-12-26"), effective: d("2026-01-01")))
    }

    @Test func calendarFilesAreValidated() {
        func decode(_ json: String) -> RulesError? {
            do { _ = try CalendarYear.decode(Data(json.utf8), fileName: "2030.json"); return nil } catch { return error as? RulesError }
        }
        #expect(decode(#"{"year":2030,"source":"x","holidays":[{"date":"2030-10-01","name":"国庆节"}],"workdays":[{"date":"2030-09-29","name":"国庆节"}]}"#) == nil)
        #expect(decode(#"{"year":2030,"source":"x","holidays":[{"date":"2031-01-01","name":"元旦"}],"workdays":[]}"#)?.message.contains("not in 2030") == true)
        #expect(decode(#"{"year":2030,"source":"x","holidays":[],"workdays":[{"date":"2030-10-02","name":"国庆节"}]}"#)?.message.contains("not a Saturday or Sunday") == true)
        #expect(decode(#"{"year":2030,"source":"x","holidays":[{"date":"2030-09-29","name":"a"}],"workdays":[{"date":"2030-09-29","name":"b"}]}"#)?.message.contains("both") == true)
        #expect(decode(#"{"year":2030,"source":"x","holidays":[],"workday":[]}"#)?.message.contains("2030.json") == true)
        let schedule = CalendarYear(year: 2030, source: "x", holidays: [], workdays: [])
        #expect(throws: RulesError.self) { try WorkCalendar(years: [schedule, schedule]) }
    }

    @Test func anOperatorAddsNextYearByHand() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("calendar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"year":2027,"source":"hand","holidays":[{"date":"2027-01-01","name":"元旦"}],"workdays":[]}"#.utf8)
            .write(to: folder.appendingPathComponent("2027.json"))
        try Data("notes".utf8).write(to: folder.appendingPathComponent("README.txt"))
        let calendar = try WorkCalendar.load(from: folder)
        #expect(throws: RulesError.self) { try calendar.addWorkdays(d("2026-12-31"), 1) }  // 2026 is not in this folder
        #expect(try calendar.addWorkdays(d("2027-01-01"), 1) == d("2027-01-04"))
        try Data(#"{"year":2028,"source":"hand","holidays":[],"workdays":[]}"#.utf8).write(to: folder.appendingPathComponent("2029.json"))
        #expect(throws: RulesError.self) { try WorkCalendar.load(from: folder) }
    }

    /// The counted-ahead totals give what walking day by day gives, across years and holidays.
    @Test func countingMatchesAWalkOverEveryDay() throws {
        let calendar = try Fixtures.calendar()
        var state: UInt64 = 7
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
        let first = CivilDate(year: 2020, month: 1, day: 1)!.dayNumber
        let span = CivilDate(year: 2026, month: 12, day: 31)!.dayNumber - first + 1
        for _ in 0..<300 {
            let (a, b) = (CivilDate(dayNumber: first + next(span)), CivilDate(dayNumber: first + next(span)))
            var walked = 0
            var day = min(a, b)
            while day < max(a, b) {
                day = day.adding(days: 1)
                if try calendar.isWorkday(day) { walked += 1 }
            }
            #expect(try calendar.workdays(from: a, through: b) == (a <= b ? walked : -walked), "\(a) → \(b)")
        }
        #expect(throws: RulesError.self) { try calendar.workdays(from: CivilDate(year: 2026, month: 12, day: 1)!, through: CivilDate(year: 2027, month: 1, day: 5)!) }
        #expect(throws: RulesError.self) { try calendar.workdays(from: CivilDate(year: 2019, month: 12, day: 1)!, through: CivilDate(year: 2020, month: 1, day: 5)!) }
    }
}
