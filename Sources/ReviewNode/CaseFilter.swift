import Foundation
import Hummingbird
import ReviewProtocol
import ReviewRules
import ReviewStore

/// Reading ``CaseFilter`` (ReviewStore) from a request's query string, and writing it back
/// into links.
extension CaseFilter {
    /// From `year`, `state`, `kind` and `unit`; a value that is not one of the known ones is
    /// 422 naming the parameter, and so is an empty or repeated one (``Request/strictQuery(_:)``).
    ///
    /// `console`: the console's filter form sends an empty value for 全部 (all), so there an
    /// empty value is no filter; a repeated one is a 422 naming no field (nobody typed it), and
    /// messages name the choices in Chinese (上线审查…), never the API's codes.
    /// - Throws: 422 as above.
    init(_ request: Request, console: Bool = false) throws {
        self.init()
        func read(_ name: String) throws -> String? {
            guard console else { return try request.strictQuery(name) }
            guard request.uri.queryParameters.getAll(name).count <= 1 else { throw ConsoleView.badFilter }
            return request.query(name)
        }
        year = try read("year").map { value -> Int in
            guard let year = WholeNumber.int(value), (2000...2100).contains(year) else { throw APIError.invalid("year", "年份无效,应为2000至2100之间的四位年份") }
            return year
        }
        state = try read("state").map { value -> CaseState in
            guard let state = CaseState(rawValue: value) else {
                throw console ? APIError.invalid("state", "未知的案件状态,请从状态列表中选择")
                              : APIError.invalid("state", "未知的案件状态“\(value)”", detail: "state is one of " + CaseState.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return state
        }
        kind = try read("kind").map { value -> CaseKind in
            guard let kind = CaseKind(rawValue: value) else {
                let names = CaseKind.allCases.map(\.chineseName)
                throw console ? APIError.invalid("kind", "未知的申请类型,应为" + names.dropLast().joined(separator: "、") + "或" + names.last!)
                              : APIError.invalid("kind", "未知的申请类型“\(value)”,应为 launch、adjustment 或 withdrawal")
            }
            return kind
        }
        unit = try read("unit")
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
