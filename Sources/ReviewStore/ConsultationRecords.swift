public import Foundation
public import GRDB
public import ReviewProtocol

/// A 上线意见征询 on the drafter's node: the draft it is about and the record so far
/// (``ConsultationSummary`` JSON, which is also what travels with the case).
public struct ConsultationRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "consultation"

    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let unit = Column(CodingKeys.unit)
        public static let caseId = Column(CodingKeys.caseId)
        public static let openedOn = Column(CodingKeys.openedOn)
    }

    /// `<node>-ZX-<year>-<sequence>`.
    public var id: String
    /// The drafting unit that opened it.
    public var unit: String
    public var createdBy: Int64?
    /// The element form (``CaseForm`` JSON) the departments are asked about.
    public var form: Data
    /// The draft document (a blob the unit uploaded), when one was given.
    public var draftSha256: String?
    public var openedOn: CivilDate
    /// The case submitted with it, once submitted.
    public var caseId: String?
    /// ``ConsultationSummary`` JSON.
    public var summary: Data
    public var updatedAt: Date

    public init(id: String, unit: String, createdBy: Int64?, form: Data, draftSha256: String?, openedOn: CivilDate, summary: Data) {
        self.id = id
        self.unit = unit
        self.createdBy = createdBy
        self.form = form
        self.draftSha256 = draftSha256
        self.openedOn = openedOn
        self.summary = summary
        self.updatedAt = Date()
    }

    public func decodedSummary() throws -> ConsultationSummary { try JSONDecoder().decode(ConsultationSummary.self, from: summary) }
    public func decodedForm() throws -> CaseForm { try JSONDecoder().decode(CaseForm.self, from: form) }
}

extension NodeStore {
    /// The next consultation id of `nodeId` in `year`: `<node>-ZX-<year>-<4-digit sequence>`.
    public static func nextConsultationId(_ db: Database, nodeId: String, year: Int) throws -> String {
        let key = "consultationSequence.\(year)"
        let next = (try Int.fetchOne(db, sql: "SELECT CAST(value AS INTEGER) FROM nodeMeta WHERE key = ?", arguments: [key]) ?? 0) + 1
        try db.execute(sql: "INSERT INTO nodeMeta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, String(next)])
        return String(format: "%@-ZX-%04d-%04d", nodeId, year, next)
    }

    /// Stores a new consultation and indexes the departments it asks.
    public static func openConsultation(_ db: Database, _ record: ConsultationRecord, departments: [String]) throws {
        try record.insert(db)
        for department in departments {
            try db.execute(sql: "INSERT INTO consultationDepartment(consultationId, department) VALUES (?, ?)", arguments: [record.id, department])
        }
    }

    /// Replaces the consultation's record (its summary, case link).
    public static func saveConsultation(_ db: Database, _ record: ConsultationRecord) throws {
        var record = record
        record.updatedAt = Date()
        try record.update(db)
    }

    public static func consultation(_ db: Database, id: String) throws -> ConsultationRecord? {
        try ConsultationRecord.fetchOne(db, key: id)
    }

    /// A unit's consultations, newest first.
    public static func consultations(_ db: Database, unit: String) throws -> [ConsultationRecord] {
        try ConsultationRecord.filter(ConsultationRecord.Columns.unit == unit).order(ConsultationRecord.Columns.openedOn.desc, ConsultationRecord.Columns.id.desc).fetchAll(db)
    }

    /// The consultations that ask `department`, newest first.
    public static func consultations(_ db: Database, askingDepartment department: String) throws -> [ConsultationRecord] {
        try ConsultationRecord.fetchAll(db, sql: """
            SELECT c.* FROM consultation c JOIN consultationDepartment d ON d.consultationId = c.id
            WHERE d.department = ? ORDER BY c.openedOn DESC, c.id DESC
            """, arguments: [department])
    }

    /// Whether an enabled consultee account is bound to `department` on this node.
    public static func hasConsultee(_ db: Database, department: String) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM user WHERE role = 'consultee' AND unit = ? AND disabled = 0)", arguments: [department]) ?? false
    }

    /// The size in bytes of blob `sha256` if `unit` uploaded it (nil otherwise, as if it did not exist).
    public static func uploadedBlobBytes(_ db: Database, sha256: String, unit: String) throws -> Int? {
        try Int.fetchOne(db, sql: """
            SELECT b.bytes FROM materialBlob b JOIN materialUpload u ON u.sha256 = b.sha256 WHERE b.sha256 = ? AND u.unit = ?
            """, arguments: [sha256, unit])
    }

    /// The departments with an enabled consultee account on this node, by name.
    public static func consulteeDepartments(_ db: Database) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT DISTINCT unit FROM user WHERE role = 'consultee' AND disabled = 0 AND unit IS NOT NULL ORDER BY unit")
    }

    /// The bytes of blob `sha256`, whoever uploaded it.
    public static func blobContent(_ db: Database, sha256: String) throws -> Data? {
        try MaterialBlobRecord.fetchOne(db, key: sha256)?.content
    }

    /// The consultation that travels with `caseId` (``ConsultationSummary`` JSON), on either tier.
    public static func caseConsultation(_ db: Database, caseId: String) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT summary FROM caseConsultation WHERE caseId = ?"), arguments: [caseId])
    }

    /// Records the consultation `summary` (JSON) as `caseId`'s.
    public static func setCaseConsultation(_ db: Database, caseId: String, summary: Data) throws {
        try db.execute(sql: "INSERT INTO caseConsultation(caseId, summary) VALUES (?, ?) ON CONFLICT(caseId) DO UPDATE SET summary = excluded.summary",
                       arguments: [caseId, summary])
    }

    /// Art 6: adds an expert session (``ExpertSession`` JSON, whose number is `number`) to `caseId`.
    public static func addExpertSession(_ db: Database, caseId: String, number: Int, body: Data) throws {
        try db.execute(sql: "INSERT INTO expertSession(caseId, number, body) VALUES (?, ?, ?)", arguments: [caseId, number, body])
    }

    /// The next session number on `caseId` (1 for the first).
    public static func nextExpertSessionNumber(_ db: Database, caseId: String) throws -> Int {
        (try Int.fetchOne(db, sql: "SELECT MAX(number) FROM expertSession WHERE caseId = ?", arguments: [caseId]) ?? 0) + 1
    }

    /// Art 6: `caseId`'s expert sessions (JSON), in number order.
    public static func expertSessions(_ db: Database, caseId: String) throws -> [Data] {
        try Data.fetchAll(db, sql: "SELECT body FROM expertSession WHERE caseId = ? ORDER BY number", arguments: [caseId])
    }

    /// Art 15: the ids of the cases with at least one expert session.
    public static func casesWithExpertSessions(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT DISTINCT caseId FROM expertSession"))
    }
}

extension NodeStore {
    static func registerConsultationMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v13-consultation") { db in
            // 上线意见征询 on the drafter's node (issue 18).
            try db.create(table: "consultation") { t in
                t.primaryKey("id", .text)
                t.column("unit", .text).notNull().indexed()
                t.column("createdBy", .integer)
                t.column("form", .blob).notNull()
                t.column("draftSha256", .text)
                t.column("openedOn", .text).notNull()
                t.column("caseId", .text).indexed()
                t.column("summary", .blob).notNull()
                t.column("updatedAt", .datetime).notNull()
            }
            try db.create(table: "consultationDepartment") { t in
                t.column("consultationId", .text).notNull().references("consultation", onDelete: .cascade)
                t.column("department", .text).notNull().indexed()
                t.primaryKey(["consultationId", "department"])
            }
            // The consultation a case carries, on both tiers.
            try db.create(table: "caseConsultation") { t in
                t.primaryKey("caseId", .text)
                t.column("summary", .blob).notNull()
            }
            // Art 6 sessions, on the tier that held them and, once forwarded, at the city.
            try db.create(table: "expertSession") { t in
                t.column("caseId", .text).notNull()
                t.column("number", .integer).notNull()
                t.column("body", .blob).notNull()
                t.primaryKey(["caseId", "number"])
            }
        }
    }
}
