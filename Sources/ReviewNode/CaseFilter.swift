import Foundation
import GRDB
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// The filters the case list, the ledger and the console share: year of submission, state,
/// kind and drafting unit, read from the query string.
struct CaseFilter: Sendable {
    var year: Int?
    var state: CaseState?
    var kind: CaseKind?
    var unit: String?

    init(year: Int? = nil, state: CaseState? = nil, kind: CaseKind? = nil, unit: String? = nil) {
        self.year = year
        self.state = state
        self.kind = kind
        self.unit = unit
    }

    /// From `year`, `state`, `kind` and `unit`; a value that is not one of the known ones is
    /// 422 naming the parameter.
    init(_ request: Request) throws {
        year = try request.query("year").map { value -> Int in
            guard let year = Int(value), (2000...2100).contains(year) else { throw APIError.invalid("year", "年份无效") }
            return year
        }
        state = try request.query("state").map { value -> CaseState in
            guard let state = CaseState(rawValue: value) else { throw APIError.invalid("state", "未知的案件状态“\(value)”") }
            return state
        }
        kind = try request.query("kind").map { value -> CaseKind in
            guard let kind = CaseKind(rawValue: value) else { throw APIError.invalid("kind", "未知的申请类型“\(value)”,应为 launch、adjustment 或 withdrawal") }
            return kind
        }
        unit = request.query("unit")
    }

    func apply(_ query: QueryInterfaceRequest<CaseRecord>) -> QueryInterfaceRequest<CaseRecord> {
        var query = query
        if let year { query = query.filter(Self.submitted(in: year)) }
        if let state { query = query.filter(Column("state") == state.rawValue) }
        if let kind { query = query.filter(Column("kind") == kind.rawValue) }
        if let unit { query = query.filter(Column("draftingUnit") == unit) }
        return query
    }

    /// Cases submitted in `year`: a range on the indexed column, not a LIKE.
    static func submitted(in year: Int) -> SQLExpression {
        Column("submittedOn") >= "\(year)-01-01" && Column("submittedOn") <= "\(year)-12-31"
    }

    /// The filter as a query string, for links that keep it (`year=2026&state=forwarded`).
    var queryString: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let pairs: [(String, String?)] = [("year", year.map(String.init)), ("state", state?.rawValue), ("kind", kind?.rawValue), ("unit", unit)]
        return pairs.compactMap { name, value in value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0)" } }
            .joined(separator: "&")
    }
}
