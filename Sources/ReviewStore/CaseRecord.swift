public import Foundation
public import GRDB
public import ReviewProtocol
public import ReviewRules

/// One review case as a node holds it. The element form lives in ``RevisionRecord``s; this
/// row carries the state, the dates and the clock.
public struct CaseRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "reviewCase"

    /// `<origin node>-<year>-<sequence>`, e.g. `220183-2026-0007`: unique across the federation.
    public var id: String
    public var kind: CaseKind
    public var level: PolicyLevel
    public var state: CaseState
    public var title: String
    public var documentNumber: String?
    public var draftingUnit: String
    public var divisionCode: String
    /// The node that received the drafter's application.
    public var originNode: String
    public var submittedBy: Int64?
    public var submittedOn: CivilDate
    /// Acceptance (受理): the Art 8 clock starts the day after.
    public var acceptedOn: CivilDate?
    public var clockStops: [ReviewClock.Stop]
    public var clockLimit: Int
    /// The review deadline; nil before acceptance, while stopped, or when a calendar year is missing.
    public var dueOn: CivilDate?
    /// Art 13: when an adjustment or withdrawal takes effect.
    public var effectiveDate: CivilDate?
    /// Art 13: applied for later than 5 working days before `effectiveDate`.
    public var lateApplication: Bool
    public var currentRevision: Int
    /// Art 5: the date the drafter has to supply missing materials by.
    public var materialsDueOn: CivilDate?
    public var preliminaryConclusion: String?
    public var opinionIssuedOn: CivilDate?
    /// Art 9: 5 working days after the opinion.
    public var revisionDueOn: CivilDate?
    public var revisedOn: CivilDate?
    public var disagreement: String?
    public var coordination: String?
    /// Art 10.
    public var launchDate: CivilDate?
    public var launchConfirmedOn: CivilDate?
    public var createdAt: Date
    public var updatedAt: Date
    /// Art 13: for an adjustment or withdrawal, the case its policy was launched (or last
    /// adjusted) under.
    public var originalCaseId: String? = nil
    /// County: when the case went to the city. City: when the county forwarded it.
    public var forwardedOn: CivilDate? = nil
    /// County: the city's case number, once the city confirmed receipt.
    public var cityCaseNumber: String? = nil
    public var cityReceivedOn: CivilDate? = nil
    /// Working days of the review clock used at each tier (Art 15 supervision).
    public var countyWorkdays: Int? = nil
    public var cityWorkdays: Int? = nil

    /// The review clock as recorded.
    public var clock: ReviewClock? {
        acceptedOn.map { ReviewClock(accepted: $0, limit: clockLimit, stops: clockStops) }
    }

    public init(id: String, kind: CaseKind, level: PolicyLevel, state: CaseState, title: String, documentNumber: String?, draftingUnit: String, divisionCode: String, originNode: String, submittedBy: Int64?, submittedOn: CivilDate, acceptedOn: CivilDate?, clockStops: [ReviewClock.Stop], clockLimit: Int, dueOn: CivilDate?, effectiveDate: CivilDate?, lateApplication: Bool, currentRevision: Int, materialsDueOn: CivilDate?, preliminaryConclusion: String?, opinionIssuedOn: CivilDate?, revisionDueOn: CivilDate?, revisedOn: CivilDate?, disagreement: String?, coordination: String?, launchDate: CivilDate?, launchConfirmedOn: CivilDate?, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.kind = kind
        self.level = level
        self.state = state
        self.title = title
        self.documentNumber = documentNumber
        self.draftingUnit = draftingUnit
        self.divisionCode = divisionCode
        self.originNode = originNode
        self.submittedBy = submittedBy
        self.submittedOn = submittedOn
        self.acceptedOn = acceptedOn
        self.clockStops = clockStops
        self.clockLimit = clockLimit
        self.dueOn = dueOn
        self.effectiveDate = effectiveDate
        self.lateApplication = lateApplication
        self.currentRevision = currentRevision
        self.materialsDueOn = materialsDueOn
        self.preliminaryConclusion = preliminaryConclusion
        self.opinionIssuedOn = opinionIssuedOn
        self.revisionDueOn = revisionDueOn
        self.revisedOn = revisedOn
        self.disagreement = disagreement
        self.coordination = coordination
        self.launchDate = launchDate
        self.launchConfirmedOn = launchConfirmedOn
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A case as it is first stored on a node: what the submission (or the forwarding county)
    /// tells; every later date, conclusion and note empty. `createdAt` and `updatedAt` are `now`.
    /// The clock, when given, is the forwarding county's (acceptance date, stops, limit in
    /// working days).
    public init(id: String, kind: CaseKind, level: PolicyLevel, state: CaseState, title: String, documentNumber: String?,
                draftingUnit: String, divisionCode: String, originNode: String, submittedBy: Int64? = nil, submittedOn: CivilDate,
                effectiveDate: CivilDate?, lateApplication: Bool, currentRevision: Int = 1, acceptedOn: CivilDate? = nil,
                clockStops: [ReviewClock.Stop] = [], clockLimit: Int = ReviewClock.statutoryLimit, preliminaryConclusion: String? = nil,
                now: Date = Date()) {
        self.init(id: id, kind: kind, level: level, state: state, title: title, documentNumber: documentNumber, draftingUnit: draftingUnit,
                  divisionCode: divisionCode, originNode: originNode, submittedBy: submittedBy, submittedOn: submittedOn, acceptedOn: acceptedOn,
                  clockStops: clockStops, clockLimit: clockLimit, dueOn: nil, effectiveDate: effectiveDate, lateApplication: lateApplication,
                  currentRevision: currentRevision, materialsDueOn: nil, preliminaryConclusion: preliminaryConclusion, opinionIssuedOn: nil,
                  revisionDueOn: nil, revisedOn: nil, disagreement: nil, coordination: nil, launchDate: nil, launchConfirmedOn: nil,
                  createdAt: now, updatedAt: now)
    }
}

/// One revision of a case's element form. Revision 1 is the submission; each resubmission or
/// Art 9 revision adds one.
public struct RevisionRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "caseRevision"

    public var caseId: String
    public var revision: Int
    /// The canonical JSON of the ``CaseForm``.
    public var form: Data
    public var createdOn: CivilDate
    public var createdBy: Int64?

    public func decodedForm() throws -> CaseForm {
        try JSONDecoder().decode(CaseForm.self, from: form)
    }

    public init(caseId: String, revision: Int, form: Data, createdOn: CivilDate, createdBy: Int64?) {
        self.caseId = caseId
        self.revision = revision
        self.form = form
        self.createdOn = createdOn
        self.createdBy = createdBy
    }
}

/// A material's bytes, kept byte-exact and addressed by their SHA-256.
public struct MaterialBlobRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "materialBlob"

    public var sha256: String
    public var bytes: Int
    public var content: Data
    public var uploadedBy: Int64?
    public var createdAt: Date

    public init(sha256: String, bytes: Int, content: Data, uploadedBy: Int64?, createdAt: Date) {
        self.sha256 = sha256
        self.bytes = bytes
        self.content = content
        self.uploadedBy = uploadedBy
        self.createdAt = createdAt
    }
}

/// A material attached to a case.
public struct CaseMaterialRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "caseMaterial"

    public var caseId: String
    public var kind: MaterialKind
    public var title: String?
    public var fileName: String?
    public var sha256: String
    public var bytes: Int
    public var addedOn: CivilDate

    public var reference: MaterialRef {
        MaterialRef(kind: kind, title: title, fileName: fileName, sha256: sha256, bytes: bytes)
    }

    public init(caseId: String, kind: MaterialKind, title: String?, fileName: String?, sha256: String, bytes: Int, addedOn: CivilDate) {
        self.caseId = caseId
        self.kind = kind
        self.title = title
        self.fileName = fileName
        self.sha256 = sha256
        self.bytes = bytes
        self.addedOn = addedOn
    }
}

/// A notice to the drafter: the Art 5 materials notice or an Art 8 supplement notice.
public struct NoticeRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "notice"

    public enum NoticeType: String, Codable, Sendable {
        case materials
        case supplement
    }

    public var id: Int64?
    public var caseId: String
    public var type: NoticeType
    /// 1, 2, … per case and type.
    public var round: Int
    public var issuedBy: Tier
    public var issuedOn: CivilDate
    public var supplyBy: CivilDate?
    /// The revision of the form the notice was issued against.
    public var revision: Int
    /// ``MaterialsNotice`` or ``SupplementNotice`` JSON.
    public var body: Data
    public var answeredOn: CivilDate?

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    public init(id: Int64?, caseId: String, type: NoticeType, round: Int, issuedBy: Tier, issuedOn: CivilDate, supplyBy: CivilDate?, revision: Int, body: Data, answeredOn: CivilDate?) {
        self.id = id
        self.caseId = caseId
        self.type = type
        self.round = round
        self.issuedBy = issuedBy
        self.issuedOn = issuedOn
        self.supplyBy = supplyBy
        self.revision = revision
        self.body = body
        self.answeredOn = answeredOn
    }
}

/// The 标准化审查意见书 of a case.
public struct OpinionRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "opinion"

    public var caseId: String
    public var number: String
    public var year: Int
    public var sequence: Int
    public var outcome: OpinionOutcome
    /// ``ReviewOpinion`` JSON: the exact bytes the signature covers.
    public var body: Data
    public var issuedOn: CivilDate
    /// Ed25519 signature of `body` by the issuing city node's key.
    public var signature: Data? = nil
    /// That key (base64), so that the opinion stays verifiable after a re-key.
    public var signerPublicKey: String? = nil
    /// The case revision the opinion judged (nil for opinions stored before this was kept).
    public var revision: Int? = nil

    public func decoded() throws -> ReviewOpinion {
        try JSONDecoder().decode(ReviewOpinion.self, from: body)
    }

    public init(caseId: String, number: String, year: Int, sequence: Int, outcome: OpinionOutcome, body: Data, issuedOn: CivilDate) {
        self.caseId = caseId
        self.number = number
        self.year = year
        self.sequence = sequence
        self.outcome = outcome
        self.body = body
        self.issuedOn = issuedOn
    }
}

extension NodeStore {
    /// Stores an uploaded material byte-exact (once per digest) and records that `unit`
    /// uploaded it: a blob belongs to the units that uploaded it.
    public static func storeUpload(_ db: Database, _ blob: MaterialBlobRecord, unit: String) throws {
        try blob.insert(db, onConflict: .ignore)
        try db.execute(sql: "INSERT OR IGNORE INTO materialUpload(sha256, unit, uploadedBy, uploadedAt) VALUES (?, ?, ?, ?)",
                       arguments: [blob.sha256, unit, blob.uploadedBy, blob.createdAt])
    }

    /// The size in bytes of the blob `sha256` if drafting unit `unit` may attach it: the unit
    /// uploaded it, or it is already a material of one of the unit's cases. Nil otherwise, as if
    /// it did not exist, so that knowing another unit's digest reveals nothing.
    public static func attachableBlobBytes(_ db: Database, sha256: String, unit: String) throws -> Int? {
        try Int.fetchOne(db, sql: """
            SELECT b.bytes FROM materialBlob b WHERE b.sha256 = ?1 AND (
              EXISTS (SELECT 1 FROM materialUpload u WHERE u.sha256 = ?1 AND u.unit = ?2)
              OR EXISTS (SELECT 1 FROM caseMaterial m JOIN reviewCase c ON c.id = m.caseId WHERE m.sha256 = ?1 AND c.draftingUnit = ?2))
            """, arguments: [sha256, unit])
    }
}

extension NodeStore {
    /// Moves the case's current opinion, if any, to the superseded opinions (kept with its
    /// number and signature) so that a re-review's new opinion can take its place. Returns its number.
    @discardableResult
    public static func supersedeOpinion(_ db: Database, caseId: String, on date: CivilDate) throws -> String? {
        guard let current = try OpinionRecord.fetchOne(db, key: caseId) else { return nil }
        try db.execute(sql: """
            INSERT INTO supersededOpinion(caseId, number, year, sequence, outcome, body, issuedOn, signature, signerPublicKey, revision, supersededOn)
            SELECT caseId, number, year, sequence, outcome, body, issuedOn, signature, signerPublicKey, revision, ? FROM opinion WHERE caseId = ?
            """, arguments: [date.description, caseId])
        try OpinionRecord.deleteOne(db, key: caseId)
        return current.number
    }

    /// The opinions a re-review superseded, oldest first (their signed bytes).
    public static func supersededOpinions(_ db: Database, caseId: String) throws -> [Data] {
        try Data.fetchAll(db, sql: "SELECT body FROM supersededOpinion WHERE caseId = ? ORDER BY year, sequence", arguments: [caseId])
    }
}

extension NodeStore {
    /// Art 13: the adjustments and withdrawals that name `caseId` as their policy's case, oldest first.
    public static func laterCases(_ db: Database, of caseId: String) throws -> [String] {
        try String.fetchAll(db, sql: "SELECT id FROM reviewCase WHERE originalCaseId = ? ORDER BY submittedOn, id", arguments: [caseId])
    }
}
