import Foundation
import ReviewProtocol
import ReviewRules
import ReviewTesting
import Testing

/// The notices in Tests/Fixtures/holiday-notices are written in the official wording from the
/// published arrangements (国办发明电〔2023〕7号, 〔2024〕12号, 〔2025〕7号); the shipped year files
/// were generated independently from the PyPI package chinesecalendar, so agreement checks both.
@Suite struct HolidayNoticeParserTests {
    static let noticeFolder = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/holiday-notices")

    static func notice(_ year: Int) throws -> String {
        try String(contentsOf: noticeFolder.appendingPathComponent("\(year).txt"), encoding: .utf8)
    }

    static func shipped(_ year: Int) throws -> Data {
        try Data(contentsOf: Fixtures.configDirectory.appendingPathComponent("calendar/\(year).json"))
    }

    @Test(arguments: [
        (2024, "国办发明电〔2023〕7号"),
        (2025, "国办发明电〔2024〕12号"),
        (2026, "国办发明电〔2025〕7号"),
    ])
    func readsThePublishedNoticeIntoTheShippedYearFile(_ year: Int, _ number: String) throws {
        let notice = try HolidayNoticeParser.parse(Self.notice(year), year: year)
        let imported = notice.calendarYear
        let shippedData = try Self.shipped(year)
        let shipped = try CalendarYear.decode(shippedData, fileName: "\(year).json")

        #expect(notice.documentNumber == number)
        #expect(notice.otherYearDays.isEmpty)
        #expect(imported.year == shipped.year)
        #expect(imported.holidays == shipped.holidays)
        #expect(imported.workdays == shipped.workdays)
        #expect(imported.source == "国务院办公厅关于\(year)年部分节假日安排的通知（\(number)）")

        // Byte for byte the shipped layout; only the source line says where the days came from.
        let written = imported.fileContents()
        var expected = CalendarYear(year: shipped.year, source: imported.source, holidays: shipped.holidays, workdays: shipped.workdays)
        #expect(written == expected.fileContents())
        expected.source = shipped.source
        #expect(expected.fileContents() == String(decoding: shippedData, as: UTF8.self))
        #expect(try CalendarYear.decode(Data(written.utf8), fileName: "\(year).json") == imported)
    }

    @Test func halfWidthPunctuationAndOneParagraphReadTheSame() throws {
        let official = try Self.notice(2025)
        var halfWidth = official
        for (full, half) in [("（", "("), ("）", ")"), ("：", ":"), ("，", ","), ("。", ".")] {
            halfWidth = halfWidth.replacingOccurrences(of: full, with: half)
        }
        let items = official.split(separator: "\n").filter { $0.contains("、") && $0.contains("放假") && !$0.contains("现将") }
        let oneParagraph = items.map { $0.trimmingCharacters(in: .whitespaces) }.joined()
        var fullWidthDigits = String.UnicodeScalarView()
        for scalar in official.unicodeScalars {
            fullWidthDigits.append(("0"..."9").contains(scalar) ? Unicode.Scalar(scalar.value - 0x30 + 0xFF10)! : scalar)
        }
        let expected = try HolidayNoticeParser.parse(official, year: 2025).calendarYear
        #expect(try HolidayNoticeParser.parse(halfWidth, year: 2025).calendarYear == expected)
        #expect(try HolidayNoticeParser.parse(oneParagraph, year: 2025).calendarYear.holidays == expected.holidays)
        #expect(try HolidayNoticeParser.parse(String(fullWidthDigits), year: 2025).calendarYear == expected)
    }

    @Test func ignoresAWebPagesFramingButNotAStrayDate() throws {
        let framed = "来源：中国政府网\n【字体：大 中 小】\n发布时间：2025年11月04日 16:00\n" + (try Self.notice(2026)) + "\n【我要纠错】 责任编辑：张三\n"
        #expect(try HolidayNoticeParser.parse(framed, year: 2026) == HolidayNoticeParser.parse(Self.notice(2026), year: 2026))
        let stray = (try Self.notice(2026)) + "\n请于5月6日前报送值班表\n"
        #expect(throws: RulesError.self) { try HolidayNoticeParser.parse(stray, year: 2026) }
    }

    @Test func namesTheMidAutumnDayInsideTheNationalDayPeriodAsTheShippedFilesDo() throws {
        // 2023 (中秋节 on 9月29日 first in the item) and 2020 (中秋节 on 10月1日 itself).
        let y2023 = try HolidayNoticeParser.parse("六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。", year: 2023)
        #expect(y2023.calendarYear.holidays.map(\.name) == ["中秋节"] + Array(repeating: "国庆节", count: 7))
        #expect(y2023.calendarYear.workdays.map(\.name) == ["国庆节", "国庆节"])
        let y2020 = try HolidayNoticeParser.parse("国庆节、中秋节：10月1日至8日放假调休，共8天。9月27日（星期日）、10月10日（星期六）上班。", year: 2020)
        #expect(y2020.calendarYear.holidays.allSatisfy { $0.name == "国庆节" })
    }

    @Test func aPeriodFromTheYearBeforeIsReadButLeftToThatYearsFile() throws {
        let notice = try HolidayNoticeParser.parse("一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。", year: 2023)
        #expect(notice.calendarYear.holidays.map(\.date.description) == ["2023-01-01", "2023-01-02"])
        #expect(notice.otherYearDays.map(\.day.date.description) == ["2022-12-31"])
        #expect(notice.summary().contains("不在2023年、未写入本文件：2022年12月31日（周六）放假（元旦），请核对2022.json。"))
    }

    @Test func theSummaryReadsLikeTheNotice() throws {
        let y2026 = try HolidayNoticeParser.parse(Self.notice(2026), year: 2026).summary()
        #expect(y2026.hasPrefix("国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）\n"))
        #expect(y2026.contains("\n春节：2月15日（周日）至2月23日（周一）放假，共9天；2月14日（周六）、2月28日（周六）上班。\n"))
        #expect(y2026.contains("\n合计：2026年放假33天，调休上班6天。"))
        let y2025 = try HolidayNoticeParser.parse(Self.notice(2025), year: 2025).summary()
        #expect(y2025.contains("国庆节、中秋节：10月1日（周三）至10月8日（周三）放假，共8天（其中10月6日记为中秋节）；9月28日（周日）、10月11日（周六）上班。"))
        let y2024 = try HolidayNoticeParser.parse(Self.notice(2024), year: 2024).summary()
        #expect(y2024.contains("提示（不计入日历）：鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息"))
    }

    // MARK: Refusals

    /// The 2026 notice with `original` replaced by `changed` must be refused with a message
    /// containing `expected`.
    @Test(arguments: [
        // A weekday note that is not the date's.
        ("1月1日（周四）至3日", "1月1日（周五）至3日", "2026-01-01 is a Thursday, not 周五"),
        // 共N天 that disagrees with the range.
        ("共9天", "共8天", "says 8 days but 2026-02-15 to 2026-02-23 is 9"),
        // A sentence the parser does not know.
        ("5月9日（周六）上班。", "5月9日（周六）上班。具体安排另行通知。", "劳动节: cannot read “具体安排另行通知”"),
        // A date that does not exist.
        ("2月28日（周六）上班", "2月30日（周六）上班", "“2月30日” is not a date"),
        // A make-up day on a weekday.
        ("5月9日（周六）上班", "5月8日（周五）上班", "make-up working day 2026-05-08 is a Friday"),
        // A lunar note that is not the date's.
        ("农历腊月二十八", "农历除夕", "2026-02-15 is not 农历除夕"),
        // A note of no known kind.
        ("（农历正月初七、周一）", "（农历正月初七、大年）", "cannot read the note “（大年）”"),
        // 放假N天 that disagrees.
        ("6月19日（周五）至21日（周日）放假，共3天", "6月19日（周五）至21日（周日）放假2天", "says 2 days"),
        // 不调休 with make-up days.
        ("5月1日（周五）至5日（周二）放假调休，共5天", "5月1日（周五）至5日（周二）放假，共5天，不调休", "says 不调休 but gives make-up working days"),
        // A range that ends before it starts.
        ("10月1日（周四）至7日（周三）", "10月7日（周三）至1日（周四）", "the range ends before it starts"),
        // 与周末连休 beside no weekend.
        ("六、中秋节：9月25日（周五）至27日（周日）放假，共3天。", "六、中秋节：9月23日（周三）放假，与周末连休。", "next to no weekend"),
        // An item the opening does not name, and one it names missing.
        ("六、中秋节：", "六、重阳节：", "gives dates for 重阳节"),
        ("　　五、端午节：6月19日（周五）至21日（周日）放假，共3天。\n", "", "names 端午节 but no item gives its dates"),
        // A line outside the items that speaks of rest days.
        ("国务院办公厅\n", "另外5月6日照常调休\n", "cannot read “另外5月6日照常调休”"),
        // The same date twice.
        ("9月20日（周日）、10月10日（周六）上班", "9月20日（周日）、10月4日（周日）上班", "2026-10-04 is given twice"),
        // Another year in the title.
        ("关于2026年部分", "关于2025年部分", "the title is for 2025, not 2026"),
    ])
    func refusesWhatItCannotReadFully(_ original: String, _ changed: String, _ expected: String) throws {
        let text = try Self.notice(2026)
        #expect(text.contains(original))
        let altered = text.replacingOccurrences(of: original, with: changed)
        let error = #expect(throws: RulesError.self) { try HolidayNoticeParser.parse(altered, year: 2026) }
        #expect(error?.code == .noticeUnreadable)
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        #expect(error?.message.hasPrefix("notice") == true)
        #expect(error?.message.contains("\n") == false)
    }

    @Test func refusesANoticeOfAnotherYear() throws {
        let error = #expect(throws: RulesError.self) { try HolidayNoticeParser.parse(Self.notice(2026), year: 2027) }
        #expect(error?.message == "notice line 1: the title is for 2026, not 2027: “国务院办公厅关于2026年部分节假日安排的通知”")
        // Without its title and opening, the weekday notes give the year away.
        let items = try Self.notice(2026).split(separator: "\n").filter { $0.contains("放假") && !$0.contains("现将") }.joined(separator: "\n")
        let itemsError = #expect(throws: RulesError.self) { try HolidayNoticeParser.parse(items, year: 2027) }
        #expect(itemsError?.message.contains("2027-01-01 is a Friday, not 周四") == true)
        // An opening of another year.
        let opening = try Self.notice(2026).replacingOccurrences(of: "现将2026年", with: "现将2027年")
        #expect(throws: RulesError.self) { try HolidayNoticeParser.parse(opening, year: 2026) }
    }

    @Test func refusesTextWithNoHoliday() {
        let error = #expect(throws: RulesError.self) { try HolidayNoticeParser.parse("国务院办公厅\n", year: 2027) }
        #expect(error?.code == .noticeUnreadable)
    }
}
