import Hummingbird
import ReviewProtocol
import ReviewStore

// Paging parameters are read exactly, the same way for the API and the console: a number is
// plain ASCII digits (``WholeNumber``: no sign, no spaces, no leading zero, never overflowing),
// a cursor is exactly the text the node wrote.

extension Request {
    /// The `limit` query parameter, 1…`maximum`; `fallback` when absent.
    /// - Throws: 422 (`limit`) for anything else (empty or repeated too).
    func pageLimit(default fallback: Int, maximum: Int = 1000) throws -> Int {
        try strictQuery("limit").map { value -> Int in
            guard let limit = WholeNumber.int(value), (1...maximum).contains(limit) else { throw APIError.invalid("limit", "每页条数应为1至\(maximum)") }
            return limit
        } ?? fallback
    }

    /// The `offset` query parameter (rows to skip, 0 or more); 0 when absent.
    /// - Throws: 422 (`offset`) for anything but one non-negative integer.
    func pageOffset() throws -> Int {
        try strictQuery("offset").map { value -> Int in
            guard let offset = WholeNumber.int(value) else { throw APIError.invalid("offset", "偏移量应为非负整数") }
            return offset
        } ?? 0
    }

    /// The ledger's `after` keyset cursor (`YYYY-MM-DD:caseId`, a page's `next`), exactly.
    /// - Throws: 422 (`after`) for anything else.
    func ledgerCursor() throws -> LedgerEntry.Cursor? {
        try strictQuery("after").map { value -> LedgerEntry.Cursor in
            guard let cursor = LedgerEntry.Cursor(value) else { throw APIError.invalid("after", "翻页位置无效", detail: "after is YYYY-MM-DD:caseId, the previous page's next") }
            return cursor
        }
    }

    /// The case list's `after` keyset cursor: a case id (a page's `next`), exactly.
    /// - Throws: 422 (`after`) for anything else.
    func caseListCursor() throws -> String? {
        try strictQuery("after").map { value -> String in
            guard CaseIdentifier.isWellFormed(value) else { throw APIError.invalid("after", "翻页位置无效", detail: "after is the previous page's next (a case id)") }
            return value
        }
    }
}

/// The shape of a case id: `<node>-<year>-<sequence>` (``CaseWorkflow/nextCaseId``), a
/// six-digit node (division code), a four-digit year and a sequence of 1–6 digits.
enum CaseIdentifier {
    /// Whether `text` is shaped like a case id (it need not exist).
    static func isWellFormed(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        func digits(_ part: Substring, _ counts: ClosedRange<Int>) -> Bool {
            counts.contains(part.utf8.count) && part.utf8.allSatisfy { (0x30...0x39).contains($0) }
        }
        return parts.count == 3 && digits(parts[0], 6...6) && digits(parts[1], 4...4) && digits(parts[2], 1...6)
    }
}
