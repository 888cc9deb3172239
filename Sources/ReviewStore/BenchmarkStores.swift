public import Foundation
import GRDB
public import ReviewProtocol
public import ReviewRules

/// The databases review-bench measures against that are not a node's: the baselines' minimal
/// stores (each one table in its own WAL file with the nodes' FULL sync), so that review-bench
/// holds no SQL of its own.
public struct BaselineStore: Sendable {
    private let pool: DatabasePool

    /// Opens (creating) the file at `path` with the nodes' settings: WAL, `synchronous = FULL`.
    /// - Throws: GRDB's `DatabaseError` when the file cannot be opened.
    public init(path: String) async throws {
        pool = try DatabasePool(path: path)
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try await pool.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS ingest (id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL)")
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, body BLOB NOT NULL, signature BLOB NOT NULL, deliveredAt REAL)
                """)
        }
    }

    /// The transport ceiling's receiver: commits `body` (one transaction).
    public func ingest(_ body: Data) async throws {
        try await pool.write { db in try db.execute(sql: "INSERT INTO ingest (body) VALUES (?)", arguments: [body]) }
    }

    /// The naive sender: queues a message with its body in the row (one transaction); returns its id.
    public func enqueue(body: Data, signature: Data) async throws -> Int64 {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO outbox (body, signature) VALUES (?, ?)", arguments: [body, signature])
            return db.lastInsertedRowID
        }
    }

    /// The naive sender: reads a queued message back (body, signature).
    /// - Throws: `StoreError.notFound` when there is no message `id`.
    public func message(_ id: Int64) async throws -> (body: Data, signature: Data) {
        try await pool.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT body, signature FROM outbox WHERE id = ?", arguments: [id]) else {
                throw StoreError(.notFound, "no naive outbox message \(id)")
            }
            return (row["body"], row["signature"])
        }
    }

    /// The naive sender: marks a message delivered, rewriting its row as a straightforward outbox does (one transaction).
    public func markDelivered(_ id: Int64) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE outbox SET deliveredAt = ? WHERE id = ?", arguments: [Date().timeIntervalSince1970, id])
        }
    }
}

/// A read-only look into a running node's database file (review-bench watches its nodes this way).
public struct NodeInspector: Sendable {
    private let queue: DatabaseQueue

    /// Opens the node file at `path` read-only (waits up to 5 s for the node's writes).
    /// - Throws: GRDB's `DatabaseError` when the file cannot be opened.
    public init(path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(5)
        queue = try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Messages in the outbox not delivered yet.
    public func undeliveredCount() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE deliveredAt IS NULL") ?? 0 }
    }

    /// Cases the node holds, from the tally (`v16-case-tally`): one seek, so that polling it
    /// costs the machine under test next to nothing (counting the inbox by type scanned it).
    public func caseTotal() throws -> Int {
        try queue.read { db in try NodeStore.caseCount(db, CaseFilter()) }
    }

    /// Messages of `type` in the inbox.
    public func inboxCount(type: FederationMessageType) throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inbox WHERE type = ?", arguments: [type.rawValue]) ?? 0 }
    }

    /// Cases in `state`.
    public func caseCount(state: CaseState) throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM reviewCase WHERE state = ?", arguments: [state.rawValue]) ?? 0 }
    }

    /// Queued messages of `type`: id → (case id, when it was queued).
    public func queued(type: FederationMessageType) throws -> [String: (caseId: String?, createdAt: Date)] {
        try queue.read { db in
            var result: [String: (caseId: String?, createdAt: Date)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, caseId, createdAt FROM outbox WHERE type = ?", arguments: [type.rawValue]) {
                result[row["id"]] = (row["caseId"], row["createdAt"])
            }
            return result
        }
    }

    /// Received messages of `type`: id → when they were received.
    public func received(type: FederationMessageType) throws -> [String: Date] {
        try queue.read { db in
            var result: [String: Date] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT id, receivedAt FROM inbox WHERE type = ?", arguments: [type.rawValue]) {
                result[row["id"]] = row["receivedAt"]
            }
            return result
        }
    }
}

extension NodeStore {
    /// Benchmark seeding (review-bench's ledger phase): writes `count` county cases straight
    /// into this database, in transactions of 5,000 — each with one revision (`form`), the
    /// given materials (their blobs stored once), every third a supplement notice, every second
    /// a passed opinion — spread over seven years and four drafting units. Not for a node in use.
    public func seedBenchmarkLedger(count: Int, form: Data, materials: [(MaterialRef, Data)]) throws {
        try database.write { db in
            for (reference, content) in materials {
                try MaterialBlobRecord(sha256: reference.sha256 ?? "", bytes: content.count, content: content, uploadedBy: nil, createdAt: Date())
                    .insert(db, onConflict: .ignore)
            }
        }
        let batch = 5000
        var written = 0
        while written < count {
            let first = written
            let end = min(count, written + batch)
            try database.write { db in
                let insertCase = try db.makeStatement(sql: """
                    INSERT INTO reviewCase (id, kind, level, state, title, documentNumber, draftingUnit, divisionCode, originNode, submittedOn,
                        acceptedOn, clockStops, clockLimit, dueOn, lateApplication, currentRevision, createdAt, updatedAt, opinionIssuedOn)
                    VALUES (?, 'launch', 'county', ?, ?, ?, ?, '220183', '220183', ?, ?, '[]', 10, ?, 0, 1, ?, ?, ?)
                    """)
                let insertRevision = try db.makeStatement(sql: "INSERT INTO caseRevision (caseId, revision, form, createdOn) VALUES (?, 1, ?, ?)")
                let insertMaterial = try db.makeStatement(sql: "INSERT INTO caseMaterial (caseId, kind, title, fileName, sha256, bytes, addedOn) VALUES (?, ?, ?, ?, ?, ?, ?)")
                let insertNotice = try db.makeStatement(sql: """
                    INSERT INTO notice (caseId, type, round, issuedBy, issuedOn, revision, body) VALUES (?, 'supplement', 1, 'county', ?, 1, ?)
                    """)
                let insertOpinion = try db.makeStatement(sql: """
                    INSERT INTO opinion (caseId, number, year, sequence, outcome, body, issuedOn) VALUES (?, ?, ?, ?, 'passed', ?, ?)
                    """)
                let now = Date()
                let encoder = JSONEncoder()
                let units = ["德惠市科学技术局", "德惠市财政局", "德惠市商务局", "德惠市人力资源和社会保障局"]
                for n in first..<end {
                    let year = 2020 + n % 7
                    guard let date = CivilDate(year: year, month: 1 + n % 12, day: 1 + n % 28) else { continue }
                    let day = date.description
                    let id = "220183-\(year)-\(String(format: "%06d", n))"
                    try insertCase.execute(arguments: [id, n % 2 == 0 ? "opinionPassed" : "preliminaryReview", "德惠市惠企政策第\(n)号", "德府办发〔\(year)〕\(n % 500)号",
                                                       units[n % units.count], day, day, day, now, now, n % 2 == 0 ? day : nil])
                    try insertRevision.execute(arguments: [id, form, day])
                    for (reference, _) in materials {
                        try insertMaterial.execute(arguments: [id, reference.kind.rawValue, reference.title, reference.fileName, reference.sha256, reference.bytes, day])
                    }
                    // Bodies the case page and the API decode, as real ones would be.
                    if n % 3 == 0 {
                        let notice = SupplementNotice(issuedBy: .county, round: 1, findings: [], issuedOn: date, supplyBy: nil)
                        try insertNotice.execute(arguments: [id, day, try encoder.encode(notice)])
                    }
                    if n % 2 == 0 {
                        let number = OpinionNumber(prefix: "长政数标审", year: year, sequence: n)
                        let opinion = ReviewOpinion(number: number, outcome: .passed, policyTitle: "德惠市惠企政策第\(n)号", draftingUnit: units[n % units.count],
                                                    requiredChanges: [], remarks: nil, issuedOn: date, issuerNode: "220100")
                        try insertOpinion.execute(arguments: [id, number.description, year, n, try encoder.encode(opinion), day])
                    }
                }
            }
            written = end
        }
    }
}

extension NodeStore {
    /// Writes the WAL back into the database file and truncates it (`PRAGMA wal_checkpoint(TRUNCATE)`):
    /// review-bench calls it after a bulk fill, so that the samples after it measure the
    /// per-message cost rather than the write-back of the fill's hundred megabytes.
    /// - Throws: GRDB's `DatabaseError` when the checkpoint fails.
    public func checkpointForBenchmark() async throws {
        try await database.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
    }
}
