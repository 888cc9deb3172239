import Foundation
import ReviewProtocol

/// A State Council holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知), read in full by
/// ``HolidayNoticeParser``: every holiday period with its rest days and make-up working days.
public struct HolidayNotice: Hashable, Sendable {
    /// One item of the notice, e.g. “六、国庆节、中秋节：10月1日至8日放假调休，共8天。9月28日（周日）、
    /// 10月11日（周六）上班。”
    public struct Period: Hashable, Sendable {
        /// The festivals the item names, in the notice's order (e.g. `["国庆节", "中秋节"]`).
        public var names: [String]
        /// Every rest day of the period, in date order, each under the festival it is recorded
        /// as. Days outside the notice's year (an 元旦 period from 12月31日) are included here.
        public var holidays: [CalendarYear.Day]
        /// The make-up working days (调休上班) of the period, in date order.
        public var workdays: [CalendarYear.Day]

        /// The name the period's days are recorded under: 国庆节 when named, else the first.
        public var recordedName: String { names.contains("国庆节") ? "国庆节" : names[0] }
    }

    /// The year the notice is for.
    public var year: Int
    /// The notice's number when the text gives it, e.g. `国办发明电〔2023〕7号`.
    public var documentNumber: String?
    /// The items, in the notice's order.
    public var periods: [Period]
    /// Sentences that were recognised but set no rest day, e.g. “鼓励各单位结合带薪年休假等制度落实，
    /// 安排职工在除夕（2月9日）休息”; shown to the operator, not written into the calendar.
    public var advisories: [String]

    /// What the year file's `source` says: the notice's title, and its number when known.
    public var source: String {
        "国务院办公厅关于\(year)年部分节假日安排的通知" + (documentNumber.map { "（\($0)）" } ?? "")
    }

    /// The schedule as a `Config/calendar/YYYY.json` year: the rest days and make-up days that
    /// fall in ``year``, sorted by date. Days of another year are left out (see ``otherYearDays``).
    public var calendarYear: CalendarYear {
        let holidays = periods.flatMap(\.holidays).filter { $0.date.year == year }.sorted { $0.date < $1.date }
        let workdays = periods.flatMap(\.workdays).filter { $0.date.year == year }.sorted { $0.date < $1.date }
        return CalendarYear(year: year, source: source, holidays: holidays, workdays: workdays)
    }

    /// Rest days and make-up days the notice sets in another year (the year before, for an 元旦
    /// period starting on 12月31日). They belong in that year's file, which this import does not
    /// change; ``summary()`` tells the operator so.
    public var otherYearDays: [(day: CalendarYear.Day, isWorkday: Bool)] {
        let rest = periods.flatMap(\.holidays).map { (day: $0, isWorkday: false) }
        let work = periods.flatMap(\.workdays).map { (day: $0, isWorkday: true) }
        return (rest + work).filter { $0.day.date.year != year }.sorted { $0.day.date < $1.day.date }
    }

    /// The schedule in Chinese for the operator to check against the notice before it is
    /// written: one line per period (rest days with their weekdays, the day count, the make-up
    /// days), the totals, then anything recognised but not written.
    public func summary() -> String {
        var lines = [source]
        for period in periods {
            var line = period.names.joined(separator: "、") + "："
            if let first = period.holidays.first, let last = period.holidays.last {
                line += first.date == last.date
                    ? "\(chineseDate(first.date))放假"
                    : "\(chineseDate(first.date))至\(chineseDate(last.date))放假"
                line += "，共\(period.holidays.count)天"
            }
            let others = period.holidays.filter { $0.name != period.recordedName }
            if !others.isEmpty {
                line += "（其中" + others.map { "\(chineseDate($0.date, weekday: false))记为\($0.name)" }.joined(separator: "、") + "）"
            }
            if !period.workdays.isEmpty {
                line += "；" + period.workdays.map { chineseDate($0.date) }.joined(separator: "、") + "上班"
            }
            lines.append(line + "。")
        }
        let file = calendarYear
        lines.append("合计：\(year)年放假\(file.holidays.count)天，调休上班\(file.workdays.count)天。")
        for advisory in advisories {
            lines.append("提示（不计入日历）：\(advisory)")
        }
        for (day, isWorkday) in otherYearDays {
            lines.append("不在\(year)年、未写入本文件：\(chineseDate(day.date))\(isWorkday ? "上班" : "放假")（\(day.name)），请核对\(day.date.year).json。")
        }
        return lines.joined(separator: "\n")
    }

    /// `1月1日（周五）`, with the year in front when it is not ``year``.
    func chineseDate(_ date: CivilDate, weekday: Bool = true) -> String {
        let names = ["一", "二", "三", "四", "五", "六", "日"]
        return (date.year == year ? "" : "\(date.year)年") + "\(date.month)月\(date.day)日"
            + (weekday ? "（周\(names[date.isoWeekday - 1])）" : "")
    }
}

/// Reads the State Council General Office's yearly notice on the holiday arrangement
/// (国务院办公厅关于YYYY年部分节假日安排的通知) into a ``HolidayNotice``, and refuses any text it
/// cannot read fully.
///
/// Understood, in full-width or half-width punctuation, with or without the item numbers (一、二、…):
/// - the title, the document number (国办发明电〔…〕N号), the opening “现将YYYY年元旦、春节…和国庆节
///   放假调休日期的具体安排通知如下”, the closing paragraph from “节假日期间”, the signature and date;
/// - an item “FESTIVAL[、FESTIVAL]：…” whose sentences are
///   - a holiday: “1月1日（周五）放假，与周末连休”, “1月1日（周三）放假1天，不调休”,
///     “2月10日至17日放假调休，共8天”, “1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天”,
///     “2022年12月31日至2023年1月2日放假调休，共3天”;
///   - make-up working days: “2月14日（周六）、2月28日（周六）上班”;
///   - an encouragement that sets no holiday: “鼓励各单位…安排职工在除夕（2月9日）休息”.
///
/// Refused, with ``RulesError`` `.noticeUnreadable` and one line naming the notice's line and
/// what could not be read: any other sentence in an item; a line outside the items that speaks
/// of rest days, make-up days or dates; a date that does not exist (2月30日); a weekday note
/// （周X / 星期X） or lunar note （农历除夕, 农历正月初七 …） that is not that date's; a 共N天 or 放假N天
/// that disagrees with the range; a range ending before it starts; a make-up day that is not a
/// Saturday or Sunday, or that is also a rest day; a date given twice; “与周末连休” beside no weekend;
/// “不调休” with make-up days; a title or opening of another year, or one that names festivals the
/// items do not give (or the other way round); a date more than a year away, or an item with no
/// rest day in the year.
///
/// Naming follows the shipped files (from the chinesecalendar package): every day of an item gets
/// its festival's name; in an item of two festivals, 国庆节 (or else the first named) is the name of
/// every day and make-up day, except the other festival's own day (中秋节: the 15th of the 8th lunar
/// month) unless that is also 国庆节's own day (10月1日). “与周末连休” adds no day: the weekend is a
/// rest day anyway.
public enum HolidayNoticeParser {
    /// Reads `text`, the notice for `year`.
    /// - Throws: ``RulesError`` `.noticeUnreadable` with one line: “notice line N: …”.
    public static func parse(_ text: String, year: Int) throws -> HolidayNotice {
        var reader = NoticeReader(year: year)
        try reader.read(text)
        return try reader.finish()
    }
}

// MARK: - Reading

private struct NoticeReader {
    let year: Int
    var documentNumber: String?
    var periods: [HolidayNotice.Period] = []
    var advisories: [String] = []
    /// The festivals the opening names, with its line number.
    var openingNames: (names: [String], line: Int)?
    var lineNumber = 0
    var currentLine = ""

    init(year: Int) { self.year = year }

    func fail(_ problem: String) -> RulesError {
        RulesError(.noticeUnreadable, "notice line \(lineNumber): \(problem)")
    }

    mutating func read(_ text: String) throws {
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            lineNumber = index + 1
            currentLine = rawLine.trimmingCharacters(in: .whitespaces)
            for piece in Self.splitItems(Self.normalize(rawLine)) where !piece.isEmpty {
                try readLine(piece)
            }
        }
    }

    /// Half-width punctuation for full-width, ASCII digits for full-width ones, no spaces.
    static func normalize(_ line: Substring) -> [Character] {
        var out: [Character] = []
        for character in line where !character.isWhitespace {
            switch character {
            case "（": out.append("(")
            case "）": out.append(")")
            case "：": out.append(":")
            case "，": out.append(",")
            case "；": out.append(";")
            case "。": out.append(".")
            default:
                let scalars = character.unicodeScalars
                if scalars.count == 1, let scalar = scalars.first, (0xFF10...0xFF19).contains(scalar.value),
                   let digit = Unicode.Scalar(scalar.value - 0xFF10 + 0x30) {
                    out.append(Character(digit))
                } else {
                    out.append(character)
                }
            }
        }
        return out
    }

    /// A normalized sentence as the notice writes it, with full-width punctuation, for messages.
    static func shown(_ sentence: [Character]) -> String {
        let fullWidth: [Character: Character] = ["(": "（", ")": "）", ":": "：", ",": "，", ";": "；"]
        return String(sentence.map { fullWidth[$0] ?? $0 })
    }

    /// Splits a paragraph holding several numbered items (“…上班。二、春节：…”) before each number.
    static func splitItems(_ line: [Character]) -> [[Character]] {
        var pieces: [[Character]] = []
        var start = 0
        var index = 1
        while index < line.count {
            if line[index - 1] == ".", Self.ordinalLength(line, from: index) != nil {
                pieces.append(Array(line[start..<index]))
                start = index
            }
            index += 1
        }
        pieces.append(Array(line[start...]))
        return pieces
    }

    /// The length of an item number “十二、” at `index`, or nil.
    static func ordinalLength(_ line: [Character], from index: Int) -> Int? {
        var end = index
        while end < line.count, "一二三四五六七八九十".contains(line[end]) { end += 1 }
        guard end > index, end < line.count, line[end] == "、" else { return nil }
        return end - index + 1
    }

    mutating func readLine(_ line: [Character]) throws {
        let text = String(line)
        if let (names, body) = try itemHead(line) {
            try readItem(names: names, body: body)
        } else if text.contains("部分节假日安排的通知") {
            if let stated = Self.number(after: "关于", in: text), stated != year {
                throw fail("the title is for \(stated), not \(year): “\(currentLine)”")
            }
        } else if text.contains("通知如下") {
            try readOpening(text)
        } else if text.hasPrefix("国办发明电") {
            documentNumber = text
        } else if text.hasPrefix("节假日期间") || text == "国务院办公厅" || text == "(此件公开发布)" || Self.isIssueDate(line) {
            return
        } else if ["放假", "上班", "调休", "休息", "连休"].contains(where: text.contains) || Self.mentionsDate(line) {
            throw fail("cannot read “\(currentLine)”")
        }
    }

    /// `(names, body)` when the line is an item “[一、]NAME[、NAME]：body”; nil when it is no item
    /// (the addressees' line “各省、自治区…：”, a web page's “来源：中国政府网”). Unnumbered, every name
    /// must be 元旦 or end in 节 or 日. A numbered line that is no item is an error.
    func itemHead(_ line: [Character]) throws -> ([String], [Character])? {
        let ordinal = Self.ordinalLength(line, from: 0) ?? 0
        guard let colon = line.firstIndex(of: ":"), colon > ordinal else {
            if ordinal > 0 { throw fail("cannot read the item “\(currentLine)”: expected a festival and ‘：’") }
            return nil
        }
        let names = String(line[ordinal..<colon]).split(separator: "、", omittingEmptySubsequences: false).map(String.init)
        let body = Array(line[(colon + 1)...])
        let wellFormed = !body.isEmpty && names.allSatisfy { name in
            !name.isEmpty && name.allSatisfy { !$0.isPunctuation && !$0.isSymbol && !$0.isNumber && !$0.isASCII }
        }
        let festivalLike = names.allSatisfy { $0 == "元旦" || $0.hasSuffix("节") || $0.hasSuffix("日") }
        guard wellFormed, ordinal > 0 || festivalLike else {
            if ordinal > 0 { throw fail("cannot read the item “\(currentLine)”") }
            return nil
        }
        return (names, body)
    }

    mutating func readOpening(_ text: String) throws {
        guard let range = text.range(of: "现将") else { return }
        let rest = text[range.upperBound...]
        guard let yearEnd = rest.firstIndex(of: "年"), let stated = Int(rest[..<yearEnd]) else { return }
        guard stated == year else { throw fail("the notice is for \(stated), not \(year): “\(currentLine)”") }
        let afterYear = rest[rest.index(after: yearEnd)...]
        guard let end = afterYear.range(of: "放假") else { return }
        let names = afterYear[..<end.lowerBound]
            .split(whereSeparator: { $0 == "、" || $0 == "和" })
            .map(String.init)
        if !names.isEmpty { openingNames = (names, lineNumber) }
    }

    static func number(after marker: String, in text: String) -> Int? {
        guard let range = text.range(of: marker) else { return nil }
        let digits = text[range.upperBound...].prefix(while: \.isASCIIDigit)
        return Int(digits)
    }

    /// “2023年10月25日” alone on a line: the date the notice was issued.
    static func isIssueDate(_ line: [Character]) -> Bool {
        var cursor = Cursor(line)
        guard cursor.number() != nil, cursor.eat("年"), cursor.number() != nil, cursor.eat("月"),
              cursor.number() != nil, cursor.eat("日") else { return false }
        return cursor.atEnd
    }

    /// Whether the line has a month and day of the notice's own year (“5月6日”, not “2025年11月4日”).
    static func mentionsDate(_ line: [Character]) -> Bool {
        for index in line.indices where line[index].isASCIIDigit {
            guard index == 0 || !(line[index - 1].isASCIIDigit || line[index - 1] == "年") else { continue }
            var cursor = Cursor(line)
            cursor.position = index
            if cursor.number() != nil, cursor.eat("月") { return true }
        }
        return false
    }

    // MARK: Items

    mutating func readItem(names: [String], body: [Character]) throws {
        let item = String(names.joined(separator: "、"))
        var ranges: [(first: CivilDate, last: CivilDate)] = []
        var workdays: [CivilDate] = []
        var noMakeupDays = false
        let sentences = body.split(separator: ".").map(Array.init)
        for sentence in sentences {
            let text = Self.shown(sentence)
            if text.hasPrefix("鼓励") {
                advisories.append(text)
            } else if text.contains("放假") {
                let holiday = try readHoliday(sentence)
                ranges.append((holiday.first, holiday.last))
                noMakeupDays = noMakeupDays || holiday.noMakeupDays
            } else if text.hasSuffix("上班") {
                workdays += try readMakeupDays(sentence)
            } else {
                throw fail("\(item): cannot read “\(text)”")
            }
        }
        guard !ranges.isEmpty else { throw fail("\(item): no rest days given (expected “…放假”)") }
        if noMakeupDays, !workdays.isEmpty { throw fail("\(item): says 不调休 but gives make-up working days") }

        let principal = HolidayNotice.Period(names: names, holidays: [], workdays: []).recordedName
        var holidays: [CalendarYear.Day] = []
        for range in ranges {
            for number in range.first.dayNumber...range.last.dayNumber {
                let date = CivilDate(dayNumber: number)
                var name = principal
                if names.count > 1, !Self.isOwnDay(of: principal, date),
                   let other = names.first(where: { $0 != principal && Self.isOwnDay(of: $0, date) }) {
                    name = other
                }
                holidays.append(CalendarYear.Day(date: date, name: name))
            }
        }
        let period = HolidayNotice.Period(
            names: names,
            holidays: holidays.sorted { $0.date < $1.date },
            workdays: workdays.sorted().map { CalendarYear.Day(date: $0, name: principal) }
        )
        guard period.holidays.contains(where: { $0.date.year == year }) else {
            throw fail("\(item): no rest day in \(year)")
        }
        let earlier = Set(periods.flatMap { $0.holidays.map(\.date) + $0.workdays.map(\.date) })
        var seen = Set<CivilDate>()
        for date in period.holidays.map(\.date) + period.workdays.map(\.date) {
            guard !earlier.contains(date), seen.insert(date).inserted else {
                throw fail("\(item): \(date) is given twice (as a rest day or make-up day)")
            }
        }
        periods.append(period)
    }

    struct Holiday {
        var first: CivilDate
        var last: CivilDate
        var noMakeupDays: Bool
    }

    /// “1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天”.
    func readHoliday(_ sentence: [Character]) throws -> Holiday {
        let text = Self.shown(sentence)
        var cursor = Cursor(sentence)
        guard let first = try readDate(&cursor, month: nil, year: year, in: text) else {
            throw fail("cannot read “\(text)”: expected a date such as 1月1日 before 放假")
        }
        var last = first
        if cursor.eat("至") {
            guard let end = try readDate(&cursor, month: first.month, year: first.year, in: text) else {
                throw fail("cannot read the end of the range in “\(text)”")
            }
            last = end
        }
        guard first <= last else { throw fail("“\(text)”: the range ends before it starts") }
        guard cursor.eat("放假") else { throw fail("cannot read “\(text)”: expected 放假 after the dates") }
        let days = last.dayNumber - first.dayNumber + 1
        var declared: [Int] = []
        var noMakeupDays = false
        var joinsWeekend = false
        if let count = cursor.number() {
            guard cursor.eat("天") else { throw fail("cannot read “\(text)”: expected 天 after 放假\(count)") }
            declared.append(count)
        }
        _ = cursor.eat("调休")
        while cursor.eat(",") {
            if cursor.eat("共") {
                guard let count = cursor.number(), cursor.eat("天") else { throw fail("cannot read the day count in “\(text)”") }
                declared.append(count)
            } else if cursor.eat("与周末连休") {
                joinsWeekend = true
            } else if cursor.eat("不调休") {
                noMakeupDays = true
            } else {
                throw fail("cannot read “\(text)” from “\(cursor.rest)”")
            }
        }
        guard cursor.atEnd else { throw fail("cannot read “\(text)” from “\(cursor.rest)”") }
        for count in declared where count != days {
            throw fail("“\(text)”: says \(count) days but \(first) to \(last) is \(days)")
        }
        if joinsWeekend, !first.adding(days: -1).isWeekend, !last.adding(days: 1).isWeekend {
            throw fail("“\(text)”: says 与周末连休 but \(first) to \(last) is next to no weekend")
        }
        return Holiday(first: first, last: last, noMakeupDays: noMakeupDays)
    }

    /// “2月14日（周六）、2月28日（周六）上班”.
    func readMakeupDays(_ sentence: [Character]) throws -> [CivilDate] {
        let text = Self.shown(sentence)
        var cursor = Cursor(sentence)
        var dates: [CivilDate] = []
        repeat {
            guard let date = try readDate(&cursor, month: dates.last?.month, year: year, in: text) else {
                throw fail("cannot read “\(text)”: expected a date such as 2月14日（周六） before 上班")
            }
            guard date.isWeekend else {
                throw fail("“\(text)”: make-up working day \(date) is a \(Self.englishWeekday(date)); it must be a Saturday or Sunday")
            }
            dates.append(date)
        } while cursor.eat("、") || cursor.eat(",")
        guard cursor.eat("上班"), cursor.atEnd else { throw fail("cannot read “\(text)” from “\(cursor.rest)”") }
        return dates
    }

    /// `[YYYY年][M月]D日` with its notes in brackets, checked; nil when no date starts here. The month
    /// may be left out (a range's end “至23日”) only when `month` is given.
    func readDate(_ cursor: inout Cursor, month defaultMonth: Int?, year defaultYear: Int, in text: String) throws -> CivilDate? {
        let start = cursor.position
        guard var number = cursor.number() else { return nil }
        var year = defaultYear
        var explicitYear = false
        if cursor.eat("年") {
            year = number
            explicitYear = true
            guard let next = cursor.number() else { throw fail("cannot read the date in “\(text)”") }
            number = next
        }
        let month: Int
        let day: Int
        if cursor.eat("月") {
            month = number
            guard let next = cursor.number(), cursor.eat("日") else { throw fail("cannot read the date in “\(text)”") }
            day = next
        } else if cursor.eat("日"), let defaultMonth, !explicitYear {
            month = defaultMonth
            day = number
        } else {
            cursor.position = start
            return nil
        }
        let written = String(cursor.characters[start..<cursor.position])
        guard let date = CivilDate(year: year, month: month, day: day) else {
            throw fail("“\(written)” is not a date (in “\(text)”)")
        }
        guard abs(date.year - self.year) <= 1 else {
            throw fail("“\(written)” is not in \(self.year) (in “\(text)”)")
        }
        if cursor.eat("(") {
            guard let close = cursor.characters[cursor.position...].firstIndex(of: ")") else {
                throw fail("cannot read “\(text)”: a bracket is not closed")
            }
            let note = String(cursor.characters[cursor.position..<close])
            cursor.position = close + 1
            for part in note.split(whereSeparator: { $0 == "、" || $0 == "," }) {
                try checkNote(String(part), date: date, written: written, text: text)
            }
        }
        return date
    }

    /// A weekday （周五, 星期五） or lunar （农历除夕, 农历正月初七） note, which must be the date's.
    func checkNote(_ note: String, date: CivilDate, written: String, text: String) throws {
        if let weekday = Self.weekday(note) {
            guard weekday == date.isoWeekday else {
                throw fail("“\(written)（\(note)）”: \(date) is a \(Self.englishWeekday(date)), not \(note) (in “\(text)”)")
            }
        } else if let lunar = Lunar.parse(note) {
            guard lunar.matches(date) else {
                throw fail("“\(written)（\(note)）”: \(date) is not \(note) (in “\(text)”)")
            }
        } else {
            throw fail("cannot read the note “（\(note)）” after “\(written)” (in “\(text)”)")
        }
    }

    static let weekdayNames: [Character: Int] = ["一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7]

    /// ISO weekday of “周五”, “星期五”, “礼拜五”.
    static func weekday(_ note: String) -> Int? {
        for prefix in ["周", "星期", "礼拜"] where note.hasPrefix(prefix) {
            let rest = note.dropFirst(prefix.count)
            if rest.count == 1, let first = rest.first { return weekdayNames[first] }
        }
        return nil
    }

    static func englishWeekday(_ date: CivilDate) -> String {
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"][date.isoWeekday - 1]
    }

    /// Whether `date` is the festival's own day: 元旦 1月1日, 劳动节 5月1日, 国庆节 10月1日, 春节 正月初一,
    /// 端午节 五月初五, 中秋节 八月十五. Other names have no own day here.
    static func isOwnDay(of festival: String, _ date: CivilDate) -> Bool {
        switch festival {
        case "元旦": return date.month == 1 && date.day == 1
        case "劳动节": return date.month == 5 && date.day == 1
        case "国庆节": return date.month == 10 && date.day == 1
        case "春节": return Lunar(month: 1, day: 1).matches(date)
        case "端午节": return Lunar(month: 5, day: 5).matches(date)
        case "中秋节": return Lunar(month: 8, day: 15).matches(date)
        default: return false
        }
    }

    // MARK: The whole notice

    func finish() throws -> HolidayNotice {
        guard !periods.isEmpty else {
            throw RulesError(.noticeUnreadable, "notice: no holiday found (expected items such as “元旦：1月1日放假……”)")
        }
        let given = periods.flatMap(\.names)
        if let opening = openingNames {
            for name in given where !opening.names.contains(name) {
                throw RulesError(.noticeUnreadable, "notice: an item gives dates for \(name), which the opening (line \(opening.line)) does not name")
            }
            for name in opening.names where !given.contains(name) {
                throw RulesError(.noticeUnreadable, "notice line \(opening.line): the opening names \(name) but no item gives its dates")
            }
        }
        let rest = Set(periods.flatMap { $0.holidays.map(\.date) })
        for period in periods {
            for day in period.workdays where rest.contains(day.date) {
                throw RulesError(.noticeUnreadable, "notice: \(day.date) is both a rest day and a make-up working day")
            }
        }
        let notice = HolidayNotice(year: year, documentNumber: documentNumber, periods: periods, advisories: advisories)
        // The same checks as loading the file, so that what is written always loads.
        try notice.calendarYear.validate(fileName: "\(year).json")
        return notice
    }
}

/// A day of the Chinese lunar calendar (农历), as a notice writes it: 除夕, 正月初七, 腊月二十八, 八月十五.
private struct Lunar {
    /// 0 for 除夕, the last day of the year, whatever the 12th month's length.
    var month: Int
    var day: Int

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .chinese)
        calendar.timeZone = TimeZone(secondsFromGMT: 8 * 3600) ?? calendar.timeZone
        return calendar
    }()

    static func parse(_ note: String) -> Lunar? {
        var text = Substring(note)
        if text.hasPrefix("农历") { text = text.dropFirst(2) }
        if text == "除夕" { return Lunar(month: 0, day: 0) }
        guard let monthEnd = text.firstIndex(of: "月") else { return nil }
        let monthName = text[..<monthEnd]
        let month: Int?
        switch monthName {
        case "正": month = 1
        case "冬": month = 11
        case "腊": month = 12
        default: month = chineseNumber(monthName)
        }
        let dayName = text[text.index(after: monthEnd)...]
        let day: Int?
        if dayName.hasPrefix("初") {
            day = chineseNumber(dayName.dropFirst()).flatMap { $0 <= 10 ? $0 : nil }
        } else if dayName.hasPrefix("廿") {
            day = chineseNumber(dayName.dropFirst()).flatMap { $0 <= 9 ? 20 + $0 : nil }
        } else {
            day = chineseNumber(dayName).flatMap { (11...30).contains($0) ? $0 : nil }
        }
        guard let month, (1...12).contains(month), let day else { return nil }
        return Lunar(month: month, day: day)
    }

    /// 一 … 九十九 in Chinese numerals (十一, 二十, 二十八, 三十).
    static func chineseNumber(_ text: Substring) -> Int? {
        let digits: [Character: Int] = ["一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9]
        let characters = Array(text)
        switch characters.count {
        case 1:
            if characters[0] == "十" { return 10 }
            return digits[characters[0]]
        case 2:
            if characters[0] == "十" { return digits[characters[1]].map { 10 + $0 } }
            if characters[1] == "十" { return digits[characters[0]].map { $0 * 10 } }
            return nil
        case 3:
            guard characters[1] == "十", let tens = digits[characters[0]], let ones = digits[characters[2]] else { return nil }
            return tens * 10 + ones
        default:
            return nil
        }
    }

    /// Month and day of `date` in the lunar calendar, reckoned in Beijing time; nil in a leap month.
    static func of(_ date: CivilDate) -> (month: Int, day: Int)? {
        let noonInBeijing = Date(timeIntervalSince1970: TimeInterval(date.dayNumber * 86_400 + 4 * 3600))
        let components = calendar.dateComponents([.month, .day, .isLeapMonth], from: noonInBeijing)
        guard components.isLeapMonth != true, let month = components.month, let day = components.day else { return nil }
        return (month, day)
    }

    func matches(_ date: CivilDate) -> Bool {
        if month == 0 {
            guard let next = Lunar.of(date.adding(days: 1)) else { return false }
            return next.month == 1 && next.day == 1
        }
        guard let lunar = Lunar.of(date) else { return false }
        return lunar.month == month && lunar.day == day
    }
}

/// A position in a normalized line.
private struct Cursor {
    let characters: [Character]
    var position = 0

    init(_ characters: [Character]) { self.characters = characters }

    var atEnd: Bool { position >= characters.count }
    var rest: String { String(characters[min(position, characters.count)...]) }

    /// Consumes `literal` when the text continues with it.
    mutating func eat(_ literal: String) -> Bool {
        let expected = Array(literal)
        guard position + expected.count <= characters.count,
              Array(characters[position..<(position + expected.count)]) == expected else { return false }
        position += expected.count
        return true
    }

    /// Consumes up to four ASCII digits.
    mutating func number() -> Int? {
        var value = 0
        var count = 0
        while position < characters.count, count < 4, let digit = characters[position].asciiDigitValue {
            value = value * 10 + digit
            position += 1
            count += 1
        }
        return count > 0 ? value : nil
    }
}

extension Character {
    /// 0 … 9 for an ASCII digit (`isASCIIDigit` is PhoneNumber.swift's).
    fileprivate var asciiDigitValue: Int? {
        guard isASCII, let value = wholeNumberValue else { return nil }
        return value
    }
}

extension CalendarYear {
    /// The year file's text, laid out as `deploy/tools/generate-calendar.py` writes the shipped
    /// files: one day per line, keys in the order year, source, holidays, workdays.
    public func fileContents() -> String {
        func quoted(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case "\u{08}": out += "\\b"
                case "\u{0C}": out += "\\f"
                default:
                    if scalar.value < 0x20 {
                        let hex = String(scalar.value, radix: 16)
                        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }
        var lines = ["{", "  \"year\": \(year),", "  \"source\": \(quoted(source)),"]
        for (key, days) in [("holidays", holidays), ("workdays", workdays)] {
            lines.append("  \"\(key)\": [")
            for (index, day) in days.enumerated() {
                let comma = index < days.count - 1 ? "," : ""
                lines.append("    {\"date\": \(quoted(day.date.description)), \"name\": \(quoted(day.name))}\(comma)")
            }
            lines.append(key == "holidays" ? "  ]," : "  ]")
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }
}
