import Foundation
import ReviewProtocol
import ReviewStore

/// The Art 11 ledger (台帐) as the API and the console read it: pages (keyset or offset) and
/// the whole ledger as CSV, streamed. Making one checks that the reader may see the ledger
/// (reviewers and supervisors), once, for every read it then does.
struct LedgerReads: Sendable {
    let services: NodeServices

    /// - Throws: 403 unless `user` is a reviewer or the supervisor.
    init(services: NodeServices, reader user: UserRecord) throws {
        try Access.requireOversight(user)
        self.services = services
    }

    struct Page: Codable {
        /// How many cases the filter selects; only on a page read without `after` (counting
        /// is not repeated for every keyset page).
        var total: Int?
        var offset: Int
        var limit: Int
        var entries: [LedgerEntry]
        /// The `after` cursor for the next page; absent on the last page.
        var next: String?
    }

    /// A page of `limit` entries in (submittedOn, id) order: after the `after` cursor (keyset,
    /// the way to page deep), or at `offset` (with the total).
    func page(_ filter: CaseFilter, limit: Int, offset: Int = 0, after: LedgerEntry.Cursor? = nil) async throws -> Page {
        // One more than the page: whether a next page exists.
        let total: Int?
        let entries: [LedgerEntry]
        if let after {
            total = nil
            entries = LedgerEntry.entries(try await services.store.ledger(filter, limit: limit + 1, after: (after.submittedOn, after.id)))
        } else {
            let (count, rows) = try await services.store.ledger(filter, limit: limit + 1, offset: offset)
            total = count
            entries = LedgerEntry.entries(rows)
        }
        let shown = Array(entries.prefix(limit))
        return Page(total: total, offset: offset, limit: limit, entries: shown, next: entries.count > limit ? shown.last?.cursor.text : nil)
    }

    /// Cases per chunk of the CSV export.
    static let csvChunk = 500

    /// The whole ledger (filtered) as CSV (UTF-8, header first), handed to `write` in chunks of
    /// ``csvChunk`` cases, each read in its own snapshot: memory stays flat whatever the
    /// ledger's size (a case changed during the export shows as it was when its chunk was read).
    func csv(_ filter: CaseFilter, into write: (Data) async throws -> Void) async throws {
        let store = services.store
        let chunk = Self.csvChunk
        try await write(LedgerEntry.csvHeader)
        var after: LedgerEntry.Cursor?
        while true {
            let rows = if let after { try await store.ledger(filter, limit: chunk, after: (after.submittedOn, after.id)) }
                else { try await store.ledger(filter, limit: chunk).rows }
            let entries = LedgerEntry.entries(rows)
            if !entries.isEmpty { try await write(LedgerEntry.csvRows(entries)) }
            guard entries.count == chunk, let last = entries.last else { break }
            after = last.cursor
        }
    }
}
