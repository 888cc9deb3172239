import Foundation
import HTTPTypes
import Hummingbird
import ReviewStore

/// `/api/v1/ledger` (pages) and `/api/v1/ledger.csv` (the whole ledger, streamed): Art 11.
struct LedgerRoutes: RouteTable {
    let services: NodeServices
    static let mount = ""

    static let table: [(HTTPRequest.Method, String, Handler)] = [
        (.get, "ledger", { $0.page }),
        (.get, "ledger.csv", { $0.csv }),
    ]

    /// A page of the ledger (`limit` 1–1000, default 50), filtered like the case list, in
    /// (submittedOn, id) order: after the `after` cursor (keyset, the way to page deep), or at
    /// `offset` (kept for existing clients).
    func page(_ request: Request, context: NodeRequestContext) async throws -> Response {
        let ledger = try LedgerReads(services: services, reader: try context.requireUser())
        let filter = try CaseFilter(request)
        let limit = try request.pageLimit(default: 50)
        let offset = try request.pageOffset()
        let after = try request.ledgerCursor()
        if after != nil, offset != 0 { throw APIError.invalid("offset", "after 与 offset 不能同时使用") }
        return try HTTPBody.json(try await ledger.page(filter, limit: limit, offset: offset, after: after))
    }

    /// The whole ledger (filtered) as CSV, streamed.
    func csv(_ request: Request, context: NodeRequestContext) async throws -> Response {
        try LedgerReads(services: services, reader: try context.requireUser()).csvDownload(try CaseFilter(request))
    }
}

extension LedgerReads {
    /// `ledger.csv` as a streamed download, as both the API and the console send it.
    func csvDownload(_ filter: CaseFilter) -> Response {
        HTTPBody.streamed(contentType: "text/csv; charset=utf-8", fileName: "ledger.csv") { write in try await self.csv(filter, into: write) }
    }
}
