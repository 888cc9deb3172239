public import ReviewProtocol

/// Working days per the State Council's yearly schedule: weekends and statutory holidays are
/// rest days, make-up days (调休) are working days. Counting follows the usual rule that the
/// starting day is not counted. Asking about a date in a year without a loaded schedule
/// throws ``RulesError`` `.calendarYearMissing`; it never falls back to weekends.
public struct WorkCalendar: Sendable {
    private var holidays: Set<CivilDate> = []
    private var makeupWorkdays: Set<CivilDate> = []
    /// The years with a loaded schedule.
    public private(set) var years: Set<Int> = []
    /// Working days counted from the first loaded year's 1 January: `cumulative[i]` is the
    /// number of working days among the first `i + 1` days. Makes ``workdays(from:through:)``
    /// two lookups instead of a walk over every day between.
    private var cumulative: [Int32] = []
    private var firstDayNumber = 0

    /// - Throws: `.configurationInvalid` when two schedules name the same year.
    public init(years schedules: [CalendarYear]) throws {
        for schedule in schedules {
            guard !years.contains(schedule.year) else {
                throw RulesError(.configurationInvalid, "two calendar files for \(schedule.year)")
            }
            years.insert(schedule.year)
            holidays.formUnion(schedule.holidays.map(\.date))
            makeupWorkdays.formUnion(schedule.workdays.map(\.date))
        }
        guard let first = years.min(), let last = years.max() else { return }
        firstDayNumber = CivilDate(year: first, month: 1, day: 1)!.dayNumber
        let end = CivilDate(year: last, month: 12, day: 31)!.dayNumber
        cumulative.reserveCapacity(end - firstDayNumber + 1)
        var count: Int32 = 0
        for number in firstDayNumber...end {
            // Years between loaded ones count by weekends here, but are refused before use.
            if workday(CivilDate(dayNumber: number)) { count += 1 }
            cumulative.append(count)
        }
    }

    private func workday(_ date: CivilDate) -> Bool {
        if makeupWorkdays.contains(date) { return true }
        if holidays.contains(date) { return false }
        return !date.isWeekend
    }

    /// Whether `date` is a working day.
    public func isWorkday(_ date: CivilDate) throws -> Bool {
        guard years.contains(date.year) else { throw RulesError.yearMissing(date.year) }
        return workday(date)
    }

    /// The `n`-th working day strictly after `date`; `date` itself when `n` is 0.
    /// Example: 2024-09-27 + 10 = 2024-10-16.
    public func addWorkdays(_ date: CivilDate, _ n: Int) throws -> CivilDate {
        try step(from: date, count: n, direction: 1)
    }

    /// The `n`-th working day strictly before `date`; `date` itself when `n` is 0.
    public func subWorkdays(_ date: CivilDate, _ n: Int) throws -> CivilDate {
        try step(from: date, count: n, direction: -1)
    }

    /// The number of working days in the half-open interval (`from`, `through`]; negative,
    /// counting (`through`, `from`], when `through` is before `from`.
    /// - Throws: `.calendarYearMissing` for the first year between the two dates without a schedule.
    public func workdays(from: CivilDate, through: CivilDate) throws -> Int {
        if through < from { return -(try workdays(from: through, through: from)) }
        for year in from.year...through.year where !years.contains(year) { throw RulesError.yearMissing(year) }
        return Int(cumulative[through.dayNumber - firstDayNumber] - cumulative[from.dayNumber - firstDayNumber])
    }

    private func step(from date: CivilDate, count n: Int, direction: Int) throws -> CivilDate {
        guard n >= 0 else { throw RulesError(.negativeCount, "the number of working days must be 0 or more, got \(n)") }
        _ = try isWorkday(date)
        var day = date
        var remaining = n
        while remaining > 0 {
            day = day.adding(days: direction)
            if try isWorkday(day) { remaining -= 1 }
        }
        return day
    }
}
