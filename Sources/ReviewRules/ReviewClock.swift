public import ReviewProtocol

/// The Art 8 review clock: `limit` working days from acceptance, stopped while the drafter
/// supplements (Art 8: supplement time is not counted). Working days used before a stop on
/// P are those in (A, P]; after a resumption on R the clock runs on from R.
public struct ReviewClock: Hashable, Sendable, Codable {
    /// One clock stop: a supplement notice issued on `stopped`, answered on `resumed`.
    public struct Stop: Hashable, Sendable, Codable {
        public var stopped: CivilDate
        /// nil while the drafter has not answered.
        public var resumed: CivilDate?

        public init(stopped: CivilDate, resumed: CivilDate?) {
            self.stopped = stopped
            self.resumed = resumed
        }
    }

    /// Art 8: the review is due within 10 working days of acceptance.
    public static let statutoryLimit = 10

    public var accepted: CivilDate
    /// Working days allowed, 10 unless configured otherwise.
    public var limit: Int
    /// Stops in the order they happened; only the last may be open.
    public var stops: [Stop]

    public init(accepted: CivilDate, limit: Int = ReviewClock.statutoryLimit, stops: [Stop] = []) {
        self.accepted = accepted
        self.limit = limit
        self.stops = stops
    }

    /// Where the clock stands.
    public struct Status: Hashable, Sendable {
        /// Working days counted so far (up to the last stop, or up to the due date).
        public var usedWorkdays: Int
        /// The deadline; nil while the clock is stopped.
        public var due: CivilDate?
        /// The open stop's date while the clock is stopped.
        public var stoppedSince: CivilDate?
        /// Working days left when the clock stopped (only meaningful while stopped).
        public var remainingAtStop: Int
    }

    /// Checks the order of events: no stop before acceptance, no resume before its stop, no
    /// stop before the previous resume, only the last stop open, limit not negative.
    /// - Throws: ``RulesError`` `.clockEventOrder` or `.negativeCount` naming the dates.
    public func validate() throws {
        guard limit >= 0 else { throw RulesError(.negativeCount, "the review limit must be 0 or more working days, got \(limit)") }
        var previous = accepted
        for (index, stop) in stops.enumerated() {
            if stop.stopped < previous {
                let what = index == 0 ? "acceptance on \(accepted)" : "the previous resumption on \(previous)"
                throw RulesError(.clockEventOrder, "clock stop on \(stop.stopped) is before \(what)")
            }
            guard let resumed = stop.resumed else {
                if index != stops.count - 1 {
                    throw RulesError(.clockEventOrder, "clock stop on \(stop.stopped) has no resumption but is followed by another stop")
                }
                break
            }
            if resumed < stop.stopped {
                throw RulesError(.clockEventOrder, "resumption on \(resumed) is before its clock stop on \(stop.stopped)")
            }
            previous = resumed
        }
    }

    /// Computes the clock's state against `calendar`.
    /// - Throws: the errors of ``validate()``, and `.calendarYearMissing` for any date the
    ///   count has to look at.
    public func status(calendar: WorkCalendar) throws -> Status {
        try validate()
        var used = 0
        var segmentStart = accepted
        for stop in stops {
            let counted = try calendar.workdays(from: segmentStart, through: stop.stopped)
            if used + counted > limit {
                // The deadline passed before this stop; a later stop cannot extend it.
                let due = try calendar.addWorkdays(segmentStart, limit - used)
                return Status(usedWorkdays: limit, due: due, stoppedSince: nil, remainingAtStop: 0)
            }
            used += counted
            guard let resumed = stop.resumed else {
                return Status(usedWorkdays: used, due: nil, stoppedSince: stop.stopped, remainingAtStop: limit - used)
            }
            segmentStart = resumed
        }
        let due = try calendar.addWorkdays(segmentStart, limit - used)
        return Status(usedWorkdays: used, due: due, stoppedSince: nil, remainingAtStop: limit - used)
    }

    /// The deadline.
    /// - Throws: `.clockStopped` while the last stop is open, plus the errors of ``status(calendar:)``.
    public func due(calendar: WorkCalendar) throws -> CivilDate {
        let status = try status(calendar: calendar)
        guard let due = status.due else {
            throw RulesError(.clockStopped, "the clock is stopped since \(status.stoppedSince.map(String.init(describing:)) ?? "?") with \(status.remainingAtStop) working days left; it has no due date until the drafter resubmits")
        }
        return due
    }
}

extension ReviewClock {
    /// Working days counted from acceptance through `date`, not counting stops: how much of
    /// the limit one tier used (Art 15). Stops after `date` are ignored; no deadline cap.
    public func workdaysUsed(through date: CivilDate, calendar: WorkCalendar) throws -> Int {
        var total = 0
        var segmentStart = accepted
        for stop in stops where stop.stopped <= date {
            total += max(0, try calendar.workdays(from: segmentStart, through: stop.stopped))
            guard let resumed = stop.resumed, resumed <= date else { return total }
            segmentStart = resumed
        }
        return total + max(0, try calendar.workdays(from: segmentStart, through: date))
    }
}
