public import Foundation
public import ReviewProtocol

/// One year of the State Council's holiday schedule (国务院办公厅关于某年部分节假日安排的通知),
/// as kept in `Config/calendar/YYYY.json`. Weekends are rest days unless listed in
/// `workdays` (调休 make-up days); dates in `holidays` are rest days whatever the weekday.
public struct CalendarYear: Codable, Hashable, Sendable {
    public struct Day: Codable, Hashable, Sendable {
        public var date: CivilDate
        /// The festival, e.g. 春节.
        public var name: String

        public init(date: CivilDate, name: String) {
            self.date = date
            self.name = name
        }
    }

    public var year: Int
    /// Where the schedule comes from (the notice's title and number).
    public var source: String
    public var holidays: [Day]
    public var workdays: [Day]

    public init(year: Int, source: String, holidays: [Day], workdays: [Day]) {
        self.year = year
        self.source = source
        self.holidays = holidays
        self.workdays = workdays
    }

    /// Decodes and validates a calendar file: every date in `year`, no date both a holiday
    /// and a make-up working day, make-up days only on weekends.
    /// - Throws: ``RulesError`` `.configurationInvalid` naming `fileName` and the problem.
    public static func decode(_ data: Data, fileName: String) throws -> CalendarYear {
        let calendarYear: CalendarYear
        do {
            calendarYear = try StrictJSONDecoder.decode(CalendarYear.self, from: data)
        } catch {
            throw RulesError(.configurationInvalid, "\(fileName): \(error)")
        }
        try calendarYear.validate(fileName: fileName)
        return calendarYear
    }

    func validate(fileName: String) throws {
        func fail(_ problem: String) -> RulesError {
            RulesError(.configurationInvalid, "\(fileName): \(problem)")
        }
        for day in holidays + workdays where day.date.year != year {
            throw fail("\(day.date) is not in \(year)")
        }
        let holidaySet = Set(holidays.map(\.date))
        for day in workdays {
            if holidaySet.contains(day.date) { throw fail("\(day.date) is listed both as a holiday and as a working day") }
            if !day.date.isWeekend { throw fail("make-up working day \(day.date) is not a Saturday or Sunday") }
        }
    }
}

