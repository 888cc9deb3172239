import Hummingbird
import ReviewStore

extension Request {
    /// The `limit` query parameter, 1…`maximum`; `fallback` when absent.
    /// - Throws: 422 (`limit`) for anything else.
    func pageLimit(default fallback: Int, maximum: Int = 1000) throws -> Int {
        try query("limit").map { value -> Int in
            guard let limit = Int(value), (1...maximum).contains(limit) else { throw APIError.invalid("limit", "每页条数应为1至\(maximum)") }
            return limit
        } ?? fallback
    }
}
