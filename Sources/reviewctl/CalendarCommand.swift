import ArgumentParser
import Foundation
import ReviewProtocol
import ReviewRules

struct CalendarCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calendar",
        abstract: "Working-day arithmetic on the State Council holiday schedule (Art 8, 9, 13).",
        subcommands: [Add.self, Sub.self, Due.self, Import.self]
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

extension CalendarCommand {
    /// `calendar import --year YYYY NOTICE.txt [--output FILE] [--yes]`: the year file from the
    /// State Council's notice. The reading is HolidayNoticeParser's (ReviewRules); this only
    /// shows it, asks, and writes.
    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Write a year's calendar file from the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知).",
            discussion: """
                NOTICE is the notice's text (UTF-8). Every sentence about rest days and make-up days must be read, \
                and its dates, weekdays and day counts must agree, or nothing is written (exit 2). The holidays \
                and make-up days are printed first. Without --output the file goes to the Config folder's \
                calendar/YYYY.json after you answer y (or with --yes); an existing file there is never replaced. \
                Exit 1 when not confirmed.
                """
        )
        @OptionGroup var config: ConfigOptions
        @Option(help: ArgumentHelp("The year the notice is for.", valueName: "yyyy")) var year: String
        @Argument(help: ArgumentHelp("The notice as UTF-8 text.", valueName: "notice.txt")) var notice: String
        @Option(help: ArgumentHelp("Write the year file here (replacing it) instead of the Config folder; no question asked.", valueName: "file"))
        var output: String?
        @Flag(help: "Write into the Config folder without asking (for scripts).") var yes = false

        func run() throws {
            guard let year = Int(year), (2000...2999).contains(year) else {
                throw CLIFailure("--year: '\(self.year)' is not a year")
            }
            guard let data = FileManager.default.contents(atPath: notice) else {
                throw CLIFailure("cannot read \(notice)")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw CLIFailure("\(notice) is not UTF-8 text")
            }
            let parsed = try HolidayNoticeParser.parse(text, year: year)
            let contents = Data(parsed.calendarYear.fileContents().utf8)

            let destination: URL
            if let output {
                destination = URL(fileURLWithPath: output)
            } else {
                let folder = try config.resolve().appendingPathComponent("calendar")
                destination = folder.appendingPathComponent("\(year).json")
                guard !FileManager.default.fileExists(atPath: destination.path) else {
                    throw CLIFailure("\(destination.path) already exists; remove it first, or write elsewhere with --output FILE")
                }
            }
            print(parsed.summary())
            if output == nil, !yes {
                print("写入 \(destination.path)？确认请输入 y：", terminator: "")
                fflush(nil)  // the question has no newline to flush it
                let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased()
                guard answer == "y" || answer == "yes" || answer == "是" else {
                    FileHandle.standardError.write(Data("reviewctl: not confirmed (answer y, or pass --yes); nothing written\n".utf8))
                    throw ExitCode(1)
                }
            }
            do {
                try contents.write(to: destination, options: .atomic)
            } catch {
                throw CLIFailure("cannot write \(destination.path): \(error.localizedDescription)")
            }
            if output == nil {
                // The Config folder must still load with the new year in it; else take it out again.
                do {
                    _ = try WorkCalendar.load(from: destination.deletingLastPathComponent())
                } catch {
                    try? FileManager.default.removeItem(at: destination)
                    throw error
                }
            }
            let file = parsed.calendarYear
            print("wrote \(destination.path): \(file.holidays.count) holidays, \(file.workdays.count) make-up working days")
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
