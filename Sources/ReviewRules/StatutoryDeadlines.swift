public import ReviewProtocol

extension WorkCalendar {
    /// Art 9: the drafter revises within 5 working days of receiving the opinion.
    public static let revisionWorkdays = 5
    /// Art 13: an adjustment or withdrawal is applied for 5 working days before it takes effect.
    public static let changeLeadWorkdays = 5

    /// Art 9: the last day for the drafter's revision, for an opinion received on `received`.
    public func revisionDue(opinionReceived received: CivilDate) throws -> CivilDate {
        try addWorkdays(received, Self.revisionWorkdays)
    }

    /// Art 13: the last day to apply for an adjustment or withdrawal effective on `effective`.
    public func latestChangeApplication(effective: CivilDate) throws -> CivilDate {
        try subWorkdays(effective, Self.changeLeadWorkdays)
    }

    /// Art 13: an application made after ``latestChangeApplication(effective:)`` is accepted
    /// but marked late.
    public func isLateChangeApplication(appliedOn: CivilDate, effective: CivilDate) throws -> Bool {
        appliedOn > (try latestChangeApplication(effective: effective))
    }

    /// Working days left from `today` to `due`: working days in (today, due]; 0 on the due
    /// day; negative (the working days past it) once overdue.
    public func remainingWorkdays(today: CivilDate, due: CivilDate) throws -> Int {
        try workdays(from: today, through: due)
    }
}
