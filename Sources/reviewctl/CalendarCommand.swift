import ArgumentParser
import ReviewProtocol
import ReviewRules

struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Working-day arithmetic on the State Council holiday schedule (Art 8, 9, 13).",
        subcommands: [Add.self, Sub.self, Due.self]
    )

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the N-th working day after DATE.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "YYYY-MM-DD") var date: String
        // .allUnrecognized so that a negative count reaches the range check instead of
        // being taken for an option.
        @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Working days, 0 or more.", valueName: "n")) var count: [String] = []

        func run() throws {
            let calendar = try config.calendar()
            print(try calendar.addWorkdays(parseDate(date, "DATE"), parseCount(single(count))))
        }
    }

    struct Sub: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the N-th working day before DATE.")
        @OptionGroup var config: ConfigOptions
        @Argument(help: "YYYY-MM-DD") var date: String
        // .allUnrecognized so that a negative count reaches the range check instead of
        // being taken for an option.
        @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Working days, 0 or more.", valueName: "n")) var count: [String] = []

        func run() throws {
            let calendar = try config.calendar()
            print(try calendar.subWorkdays(parseDate(date, "DATE"), parseCount(single(count))))
        }
    }

    struct Due: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the review deadline: LIMIT working days from acceptance, not counting clock stops (Art 8).",
            discussion: "Give each clock stop as --stopped P --resumed R, in order. Working days used before a stop on P are those in (A, P]; the clock runs on from R."
        )
        @OptionGroup var config: ConfigOptions
        @Option(help: ArgumentHelp("Acceptance date (受理日).", valueName: "date")) var accepted: String
        @Option(help: ArgumentHelp("Date a supplement notice stopped the clock; repeatable.", valueName: "date")) var stopped: [String] = []
        @Option(help: ArgumentHelp("Date the drafter resubmitted; repeatable, pairs with --stopped in order.", valueName: "date")) var resumed: [String] = []
        @Option(help: ArgumentHelp("Working days allowed.", valueName: "n")) var limit: String = String(ReviewClock.statutoryLimit)

        func run() throws {
            let calendar = try config.calendar()
            let acceptedDate = try parseDate(accepted, "--accepted")
            let stopDates = try stopped.map { try parseDate($0, "--stopped") }
            let resumeDates = try resumed.map { try parseDate($0, "--resumed") }
            guard resumeDates.count <= stopDates.count else {
                throw CLIFailure("--resumed \(resumeDates[stopDates.count]) has no --stopped before it")
            }
            let stops = stopDates.enumerated().map { index, date in
                ReviewClock.Stop(stopped: date, resumed: index < resumeDates.count ? resumeDates[index] : nil)
            }
            let clock = ReviewClock(accepted: acceptedDate, limit: try parseCount(limit, "--limit"), stops: stops)
            print(try clock.due(calendar: calendar))
        }
    }
}

func parseDate(_ text: String, _ name: String) throws -> CivilDate {
    guard let date = CivilDate(iso: text) else {
        throw CLIFailure("\(name): '\(text)' is not a date; expected YYYY-MM-DD")
    }
    return date
}

func parseCount(_ text: String, _ name: String = "N") throws -> Int {
    guard let value = Int(text) else { throw CLIFailure("\(name): '\(text)' is not a whole number") }
    guard value >= 0 else { throw CLIFailure("\(name): must be 0 or more, got \(value)") }
    return value
}

/// The one positional N of `add`/`sub`.
func single(_ values: [String]) throws -> String {
    guard values.count == 1 else {
        throw CLIFailure(values.isEmpty ? "missing N (working days)" : "expected one N, got \(values.joined(separator: " "))")
    }
    return values[0]
}
