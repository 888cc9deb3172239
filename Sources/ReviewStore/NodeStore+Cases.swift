public import Foundation
public import GRDB
public import ReviewProtocol
import ReviewRules

/// The case's rows inside the caller's transaction: what the workflow's load → check →
/// transition → save → event steps read and write.
extension NodeStore {
    /// The case `id`, if this node holds it.
    public static func caseRecord(_ db: StoreTransaction, _ id: String) throws -> CaseRecord? {
        try CaseRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM reviewCase WHERE id = ?"), arguments: [id])
    }

    /// Whether this node holds case `id` (one index seek, nothing decoded).
    public static func caseExists(_ db: StoreTransaction, _ id: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM reviewCase WHERE id = ?)"), arguments: [id]) ?? false
    }

    /// Stores a new case.
    public static func insert(_ db: StoreTransaction, case record: CaseRecord) throws {
        try record.insert(db)
    }

    /// Stores the case's changed row, stamping `updatedAt`.
    public static func save(_ db: StoreTransaction, case record: inout CaseRecord, at date: Date = Date()) throws {
        record.updatedAt = date
        try record.update(db)
    }

    /// Revision `revision` of the case's form, if stored.
    public static func revision(_ db: StoreTransaction, caseId: String, _ revision: Int) throws -> RevisionRecord? {
        try RevisionRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM caseRevision WHERE caseId = ? AND revision = ?"), arguments: [caseId, revision])
    }

    /// Stores a revision of a case's form.
    public static func insert(_ db: StoreTransaction, revision: RevisionRecord) throws {
        try revision.insert(db)
    }

    /// The revision numbers the case holds, in order.
    public static func revisionNumbers(_ db: StoreTransaction, caseId: String) throws -> [Int] {
        try Int.fetchAll(db, sql: "SELECT revision FROM caseRevision WHERE caseId = ? ORDER BY revision", arguments: [caseId])
    }

    /// The case's materials, in the order they were added (then by kind).
    public static func caseMaterials(_ db: StoreTransaction, caseId: String) throws -> [CaseMaterialRecord] {
        try CaseMaterialRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM caseMaterial WHERE caseId = ? ORDER BY addedOn, kind"), arguments: [caseId])
    }

    /// The size in bytes of the stored blob with digest `sha256`, if any.
    public static func blobBytes(_ db: StoreTransaction, sha256: String) throws -> Int? {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT bytes FROM materialBlob WHERE sha256 = ?"), arguments: [sha256])
    }

    /// Attaches a material to its case; one the case already has is left as it is.
    public static func attach(_ db: StoreTransaction, material: CaseMaterialRecord) throws {
        try material.insert(db, onConflict: .ignore)
    }

    /// The next number of the counter `key` in `nodeMeta` (1 for a new one), stored at once.
    public static func nextCounterValue(_ db: StoreTransaction, key: String) throws -> Int {
        let next = (try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM nodeMeta WHERE key = ?", arguments: [key]) ?? 0) + 1
        try db.execute(sql: "INSERT INTO nodeMeta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, String(next)])
        return next
    }

    /// The round the case's next notice of `type` gets: 1, 2, ….
    public static func nextNoticeRound(_ db: StoreTransaction, caseId: String, type: NoticeRecord.NoticeType) throws -> Int {
        (try Int.fetchOne(db, sql: "SELECT MAX(round) FROM notice WHERE caseId = ? AND type = ?", arguments: [caseId, type.rawValue]) ?? 0) + 1
    }

    /// Stores a notice; `notice.id` is set.
    public static func insert(_ db: StoreTransaction, notice: inout NoticeRecord) throws {
        try notice.insert(db)
    }

    /// Marks the case's open notices of `type` answered on `date`.
    public static func answerNotices(_ db: StoreTransaction, caseId: String, type: NoticeRecord.NoticeType, on date: CivilDate) throws {
        try db.execute(sql: "UPDATE notice SET answeredOn = ? WHERE caseId = ? AND type = ? AND answeredOn IS NULL",
                       arguments: [date.description, caseId, type.rawValue])
    }

    /// The last supplement notice `tier` issued on the case (the one-shot rule compares with it).
    public static func lastSupplementNotice(_ db: StoreTransaction, caseId: String, issuedBy tier: Tier) throws -> NoticeRecord? {
        try NoticeRecord
            .filter(NoticeRecord.Columns.caseId == caseId && NoticeRecord.Columns.type == NoticeRecord.NoticeType.supplement.rawValue
                    && NoticeRecord.Columns.issuedBy == tier.rawValue)
            .order(NoticeRecord.Columns.round.desc).fetchOne(db)
    }

    /// The case's supplement notices in the order they were issued.
    public static func supplementNotices(_ db: StoreTransaction, caseId: String) throws -> [NoticeRecord] {
        try NoticeRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM notice WHERE caseId = ? AND type = ? ORDER BY id"),
                                  arguments: [caseId, NoticeRecord.NoticeType.supplement.rawValue])
    }

    /// The sequence number of the next opinion of `year` (counting superseded ones).
    public static func nextOpinionSequence(_ db: StoreTransaction, year: Int) throws -> Int {
        (try Int.fetchOne(db, sql: """
            SELECT MAX(sequence) FROM (SELECT sequence FROM opinion WHERE year = ?1 UNION ALL SELECT sequence FROM supersededOpinion WHERE year = ?1)
            """, arguments: [year]) ?? 0) + 1
    }

    /// Stores an opinion.
    public static func insert(_ db: StoreTransaction, opinion: OpinionRecord) throws {
        try opinion.insert(db)
    }
}
