import ReviewProtocol
import Testing

@Suite struct CivilDateTests {
    @Test(arguments: ["2024-02-29", "2000-02-29", "2026-12-31", "0001-01-01"])
    func parsesValidDates(_ text: String) throws {
        let date = try #require(CivilDate(iso: text))
        #expect(date.description == text)
    }

    @Test(arguments: ["2023-02-29", "1900-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-1-01", "2024/01/01", "20240101", "2024-01-01T00:00", "２０２４-01-01", ""])
    func rejectsMalformedDates(_ text: String) {
        #expect(CivilDate(iso: text) == nil)
    }

    @Test func dayNumberRoundTripsAndWeekdaysAreRight() throws {
        #expect(try #require(CivilDate(iso: "1970-01-01")).dayNumber == 0)
        #expect(try #require(CivilDate(iso: "1970-01-01")).isoWeekday == 4)  // Thursday
        #expect(try #require(CivilDate(iso: "2024-09-29")).isoWeekday == 7)  // Sunday
        #expect(try #require(CivilDate(iso: "2026-11-29")).isoWeekday == 7)
        #expect(try #require(CivilDate(iso: "1969-12-31")).dayNumber == -1)
        var date = try #require(CivilDate(iso: "1999-12-25"))
        for _ in 0..<3000 {
            let next = date.adding(days: 1)
            #expect(next.dayNumber == date.dayNumber + 1)
            #expect(CivilDate(iso: next.description) == next)
            #expect(next.isoWeekday == date.isoWeekday % 7 + 1)
            date = next
        }
        #expect(date.description == "2008-03-12")
    }

    @Test func codesAsISOString() throws {
        let date = try #require(CivilDate(iso: "2026-03-01"))
        let data = try JSONEncoder().encode([date])
        #expect(String(decoding: data, as: UTF8.self) == "[\"2026-03-01\"]")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([CivilDate].self, from: Data("[\"2026-3-1\"]".utf8)) }
    }
}

import Foundation
