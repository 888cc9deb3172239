import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// Art 15 supervision on the city node: how each county's cases (and the city's own) went,
/// over a period, from the city's own records.
///
/// Definitions (the console and the CSV say the same):
/// - received: cases whose receipt at the city (the county's forwarding date; for city cases,
///   the submission date) falls in the period;
/// - first-pass rate: of those with an opinion, the share passed without any supplement round;
/// - working days to the opinion: the review clock's days at the county plus at the city
///   (supplement time not counted, Art 8); median, p90 (nearest rank), and each tier's median;
/// - overdue: clock days used beyond the limit at the opinion, or, still open, past the deadline;
/// - supplement rounds: clock stops (one per supplement notice) at either tier;
/// - late Art 13 applications: adjustments and withdrawals applied for late;
/// - cases with expert sessions: cases on which a 座谈会 or 论证会 was recorded at either tier (Art 6);
/// - deficient elements: findings in supplement notices (the county's, carried with the case,
///   and the city's), counted per element.
struct Supervision: Sendable {
    /// One case as supervision sees it.
    struct Case: Sendable, Hashable {
        var id: String
        var origin: String
        var receivedOn: CivilDate
        var opinionOn: CivilDate?
        var passed: Bool?
        var countyDays: Int?
        var cityDays: Int?
        var limit: Int
        var supplementRounds: Int
        var lateApplication: Bool
        /// Open and past its deadline today.
        var overdueOpen: Bool
        var deficientElements: [Element]
        /// Art 6: at least one 座谈会 or 论证会 was held on the case (at either tier).
        var withExpertSessions = false

        var totalDays: Int? { opinionOn == nil ? nil : (countyDays ?? 0) + (cityDays ?? 0) }
        var overdue: Bool { totalDays.map { $0 > limit } ?? overdueOpen }
    }

    struct Row: Sendable {
        var origin: String
        var name: String
        var received = 0
        var opinions = 0
        var firstPass = 0
        var medianDays: Double?
        var p90Days: Int?
        var medianCountyDays: Double?
        var medianCityDays: Double?
        var overdue = 0
        var supplementRounds = 0
        var lateApplications = 0
        /// Art 6: cases with at least one expert session.
        var expertSessionCases = 0

        var firstPassRate: Double? { opinions == 0 ? nil : Double(firstPass) / Double(opinions) }
        var roundsPerCase: Double? { received == 0 ? nil : Double(supplementRounds) / Double(received) }
    }

    struct Month: Sendable {
        var month: String
        var received: Int
        var opinions: Int
    }

    /// Art 15: a county's own work as its ledger reports it to the city, forwarded or not.
    struct CountyWork: Sendable, Equatable {
        var origin: String
        var name: String
        /// Cases submitted at the county in the period.
        var held = 0
        /// Of those, still at the county: not yet forwarded, withdrawn from review or archived.
        var backlog = 0
        /// Of the backlog, with the county's clock running past its Art 8 deadline today.
        var overdue = 0
        var forwarded = 0
        /// Working days the county's preliminary review took (acceptance to forwarding; supplement
        /// time not counted), median over the forwarded cases.
        var medianPreliminaryDays: Double?
        var supplementRounds = 0
        var materialsRounds = 0
    }

    /// States in which a county case is still at the county.
    static let atCounty: Set<String> = ["submitted", "awaitingMaterials", "accepted", "preliminaryReview", "supplementRequested", "readyToForward"]

    var from: CivilDate
    var to: CivilDate
    var countyWork: [CountyWork] = []
    var rows: [Row]
    var total: Row
    var topElements: [(element: Element, count: Int)]
    var months: [Month]

    /// The figures for `cases` (already limited to the period) with `origins` (node id → name) in order.
    init(cases: [Case], origins: [(String, String)], from: CivilDate, to: CivilDate) {
        self.from = from
        self.to = to
        var names = origins
        for origin in Set(cases.map(\.origin)).subtracting(origins.map(\.0)).sorted() { names.append((origin, origin)) }
        rows = names.map { origin, name in Self.row(origin: origin, name: name, cases.filter { $0.origin == origin }) }
        total = Self.row(origin: "", name: "合计", cases)
        var counts: [Element: Int] = [:]
        for element in cases.flatMap(\.deficientElements) { counts[element, default: 0] += 1 }
        let order = Dictionary(uniqueKeysWithValues: Element.allCases.enumerated().map { ($1, $0) })
        topElements = counts.sorted { ($0.value, order[$1.key]!) > ($1.value, order[$0.key]!) }.prefix(10).map { ($0.key, $0.value) }
        var months: [Month] = []
        var cursor = (from.year, from.month)
        while (cursor.0, cursor.1) <= (to.year, to.month) {
            let inMonth = { (date: CivilDate?) in date.map { $0.year == cursor.0 && $0.month == cursor.1 } ?? false }
            months.append(Month(month: String(format: "%04d-%02d", cursor.0, cursor.1),
                                received: cases.filter { inMonth($0.receivedOn) }.count,
                                opinions: cases.filter { inMonth($0.opinionOn) }.count))
            cursor = cursor.1 == 12 ? (cursor.0 + 1, 1) : (cursor.0, cursor.1 + 1)
        }
        self.months = months
    }

    static func row(origin: String, name: String, _ cases: [Case]) -> Row {
        var row = Row(origin: origin, name: name)
        row.received = cases.count
        let decided = cases.filter { $0.opinionOn != nil }
        row.opinions = decided.count
        row.firstPass = decided.filter { $0.passed == true && $0.supplementRounds == 0 }.count
        row.medianDays = median(decided.compactMap(\.totalDays))
        row.p90Days = percentile(decided.compactMap(\.totalDays), 0.9)
        row.medianCountyDays = median(decided.map { $0.countyDays ?? 0 })
        row.medianCityDays = median(decided.map { $0.cityDays ?? 0 })
        row.overdue = cases.filter(\.overdue).count
        row.supplementRounds = cases.map(\.supplementRounds).reduce(0, +)
        row.lateApplications = cases.filter(\.lateApplication).count
        row.expertSessionCases = cases.filter(\.withExpertSessions).count
        return row
    }

    static func median(_ values: [Int]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? Double(sorted[middle]) : Double(sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Nearest-rank percentile.
    static func percentile(_ values: [Int], _ p: Double) -> Int? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[max(rank, 1) - 1]
    }

    /// Reads the city's records for the period.
    static func load(_ db: StoreTransaction, from: CivilDate, to: CivilDate, calendar: WorkCalendar, today: CivilDate,
                     ownNode: String, ownName: String) throws -> Supervision {
        let (start, end) = (from.description, to.description)
        let rows = try NodeStore.supervisionRows(db, from: start, to: end)
        let (records, opinions) = (rows.cases, rows.opinions)
        var elements: [String: [Element]] = [:]
        let decoder = JSONDecoder()
        for notice in rows.supplementNotices {
            let body = try decoder.decode(SupplementNotice.self, from: notice.body)
            elements[notice.caseId, default: []] += body.findings.compactMap(\.element)
        }
        let withSessions = try NodeStore.casesWithExpertSessions(db)
        let cases = records.map { record in
            var entry = Case(id: record.id, origin: record.originNode, receivedOn: record.forwardedOn ?? record.submittedOn,
                 opinionOn: opinions[record.id]?.issuedOn, passed: opinions[record.id].map { $0.outcome == .passed },
                 countyDays: record.countyWorkdays, cityDays: record.cityWorkdays, limit: record.clockLimit,
                 supplementRounds: record.clockStops.count, lateApplication: record.lateApplication,
                 overdueOpen: CaseSummary(record, calendar: calendar, today: today).overdue,
                 deficientElements: elements[record.id] ?? [])
            entry.withExpertSessions = withSessions.contains(record.id)
            return entry
        }
        var origins = try NodeStore.links(db, tier: Tier.county.rawValue).map { ($0.nodeId, $0.name) }
        let counties = origins
        origins.append((ownNode, ownName + "(市本级)"))
        var report = Supervision(cases: cases, origins: origins, from: from, to: to)
        let entries = try NodeStore.countyEntries(db, from: start, to: end).compactMap { row in
            (try? decoder.decode(CountyCaseEntry.self, from: row.entry)).map { (row.origin, $0) }
        }
        report.countyWork = counties.map { origin, name in
            countyWork(origin: origin, name: name, entries.filter { $0.0 == origin }.map(\.1), calendar: calendar, today: today)
        }
        return report
    }

    static func countyWork(origin: String, name: String, _ entries: [CountyCaseEntry], calendar: WorkCalendar, today: CivilDate) -> CountyWork {
        var work = CountyWork(origin: origin, name: name)
        work.held = entries.count
        let open = entries.filter { atCounty.contains($0.state) }
        work.backlog = open.count
        work.overdue = open.filter { entry in entry.dueOn.map { today > $0 } ?? false }.count
        let forwarded = entries.filter { $0.forwardedOn != nil }
        work.forwarded = forwarded.count
        work.medianPreliminaryDays = median(forwarded.compactMap { entry in
            guard let clock = entry.clock, let on = entry.forwardedOn else { return nil }
            return try? ReviewClock(accepted: clock.acceptedOn, limit: clock.limit,
                                    stops: clock.stops.map { ReviewClock.Stop(stopped: $0.stopped, resumed: $0.resumed) })
                .workdaysUsed(through: on, calendar: calendar)
        })
        work.supplementRounds = entries.map(\.supplementRounds).reduce(0, +)
        work.materialsRounds = entries.map(\.materialsRounds).reduce(0, +)
        return work
    }

    static func format(_ value: Double?, digits: Int = 1) -> String {
        value.map { String(format: "%.\(digits)f", $0) } ?? "—"
    }

    static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.1f%%", $0 * 100) } ?? "—"
    }

    /// The CSV export: one line per county and the total, then the deficient elements.
    var csv: Data {
        let header = ["单位", "节点", "收案数", "出具意见书数", "一次通过数", "一次通过率", "用时中位数(工作日)", "用时P90(工作日)",
                      "县级用时中位数", "市级用时中位数", "超期案件数", "补正轮次", "平均补正轮次", "逾期申请(第十三条)", "召开座谈会论证会案件数(第六条)"]
        var lines = ["统计期间,\(from),\(to)", header.joined(separator: ",")]
        for row in rows + [total] {
            lines.append([row.name, row.origin, String(row.received), String(row.opinions), String(row.firstPass), Self.percent(row.firstPassRate),
                          Self.format(row.medianDays), row.p90Days.map(String.init) ?? "—", Self.format(row.medianCountyDays),
                          Self.format(row.medianCityDays), String(row.overdue), String(row.supplementRounds),
                          Self.format(row.roundsPerCase, digits: 2), String(row.lateApplications), String(row.expertSessionCases)]
                .map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ","))
        }
        lines.append("")
        lines.append("问题最多的要素,次数")
        for (element, count) in topElements { lines.append("\(element.chineseName),\(count)") }
        lines.append("")
        lines.append("月份,收案数,出具意见书数")
        for month in months { lines.append("\(month.month),\(month.received),\(month.opinions)") }
        lines.append("")
        lines.append("县级初审情况(县级节点报送的台帐,含未报送市级的案件)")
        lines.append("单位,节点,受理申请数,县级在办,县级超期,已报送市级,初审用时中位数(工作日),县级补正轮次,材料补正轮次")
        for work in countyWork {
            lines.append([work.name, work.origin, String(work.held), String(work.backlog), String(work.overdue), String(work.forwarded),
                          Self.format(work.medianPreliminaryDays), String(work.supplementRounds), String(work.materialsRounds)]
                .map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ","))
        }
        return Data([0xEF, 0xBB, 0xBF]) + Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }
}
