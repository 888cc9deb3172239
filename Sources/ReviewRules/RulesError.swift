import ReviewProtocol

/// Every error the rules module throws. `message` is one readable English line for logs and
/// the CLI; `code` is what callers switch on.
public struct RulesError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Code: String, Hashable, Sendable {
        /// A date fell in a year with no calendar file; never guessed from weekends.
        case calendarYearMissing
        /// A calendar or rules configuration file is unreadable or inconsistent.
        case configurationInvalid
        /// A negative count of working days.
        case negativeCount
        /// Clock events out of order (a stop before acceptance, a resume before its stop …).
        case clockEventOrder
        /// The clock is stopped, so there is no due date until the drafter resubmits.
        case clockStopped
        /// An event not allowed in the case's current state.
        case illegalTransition
        /// A holiday notice with a sentence that could not be read, or whose dates, day counts
        /// or weekdays disagree (``HolidayNoticeParser``).
        case noticeUnreadable
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func yearMissing(_ year: Int) -> RulesError {
        RulesError(.calendarYearMissing, "no working-day calendar for \(year): add Config/calendar/\(year).json with that year's State Council holiday schedule")
    }
}
