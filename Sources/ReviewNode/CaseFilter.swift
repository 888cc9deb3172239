import Foundation
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// Reading ``CaseFilter`` (ReviewStore) from a request's query string, and writing it back
/// into links.
extension CaseFilter {
    /// From `year`, `state`, `kind` and `unit`; a value that is not one of the known ones is
    /// 422 naming the parameter.
    init(_ request: Request) throws {
        self.init()
        year = try request.query("year").map { value -> Int in
            guard let year = PagingQuery.digits(value), (2000...2100).contains(year) else { throw APIError.invalid("year", "年份无效") }
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

    /// The filter as a query string, for links that keep it (`year=2026&state=forwarded`).
    var queryString: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let pairs: [(String, String?)] = [("year", year.map(String.init)), ("state", state?.rawValue), ("kind", kind?.rawValue), ("unit", unit)]
        return pairs.compactMap { name, value in value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0)" } }
            .joined(separator: "&")
    }
}
