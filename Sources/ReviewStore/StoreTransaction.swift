public import Foundation
public import GRDB
import ReviewRules

/// The open transaction a `NodeStore.write` or `read` closure receives. Code outside
/// ReviewStore names it to pass it on to the store's transaction-scoped methods
/// (`NodeStore.appendEvent(db, …)`); it does not import GRDB, so it runs no SQL of its own.
public typealias StoreTransaction = Database

extension NodeStore {
    /// A case's notices, in the order they were issued.
    public static func notices(_ db: StoreTransaction, caseId: String) throws -> [NoticeRecord] {
        try NoticeRecord.filter(NoticeRecord.Columns.caseId == caseId).order(NoticeRecord.Columns.id).fetchAll(db)
    }

    /// A case's events, oldest first.
    public static func events(_ db: StoreTransaction, caseId: String) throws -> [EventRecord] {
        try EventRecord.filter(EventRecord.Columns.caseId == caseId).order(EventRecord.Columns.seq).fetchAll(db)
    }

    /// The bytes of the material blob with digest `sha256`, if stored.
    public static func materialBytes(_ db: StoreTransaction, sha256: String) throws -> Data? {
        try MaterialBlobRecord.fetchOne(db, key: sha256)?.content
    }

    /// A forwarding the city never got (its message given up): the case goes back to the county
    /// reviewer, ready to forward again. False when the case is not waiting as forwarded.
    public static func withdrawForwarding(_ db: StoreTransaction, caseId: String, at date: Date = Date()) throws -> Bool {
        guard var record = try CaseRecord.fetchOne(db, key: caseId), record.state == .forwarded else { return false }
        record.state = .readyToForward
        record.forwardedOn = nil
        record.updatedAt = date
        try record.update(db)
        return true
    }
}
