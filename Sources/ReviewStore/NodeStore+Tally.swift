public import Foundation
public import GRDB

/// Cached totals (migration `v16-case-tally`): how many cases the node holds, overall and per
/// year of submission, kept by triggers in the same transaction as every insert, delete or
/// change of submission year, so that the ledger's first page reads its total in one seek
/// instead of counting 100,000 rows. Exact, not an estimate.
extension NodeStore {
    static func registerCaseTallyMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v16-case-tally") { db in
            try db.create(table: "caseTally") { t in
                t.primaryKey("key", .text)
                t.column("n", .integer).notNull()
            }
            try db.execute(sql: """
                INSERT INTO caseTally(key, n) SELECT 'all', COUNT(*) FROM reviewCase;
                INSERT INTO caseTally(key, n) SELECT 'year:' || substr(submittedOn, 1, 4), COUNT(*) FROM reviewCase GROUP BY substr(submittedOn, 1, 4);
                CREATE TRIGGER caseTallyInsert AFTER INSERT ON reviewCase BEGIN
                  INSERT INTO caseTally(key, n) VALUES ('all', 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
                  INSERT INTO caseTally(key, n) VALUES ('year:' || substr(NEW.submittedOn, 1, 4), 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
                END;
                CREATE TRIGGER caseTallyDelete AFTER DELETE ON reviewCase BEGIN
                  UPDATE caseTally SET n = n - 1 WHERE key IN ('all', 'year:' || substr(OLD.submittedOn, 1, 4));
                END;
                CREATE TRIGGER caseTallyMove AFTER UPDATE OF submittedOn ON reviewCase
                WHEN substr(OLD.submittedOn, 1, 4) IS NOT substr(NEW.submittedOn, 1, 4) BEGIN
                  UPDATE caseTally SET n = n - 1 WHERE key = 'year:' || substr(OLD.submittedOn, 1, 4);
                  INSERT INTO caseTally(key, n) VALUES ('year:' || substr(NEW.submittedOn, 1, 4), 1) ON CONFLICT(key) DO UPDATE SET n = n + 1;
                END;
                """)
        }
    }

    /// How many cases `filter` selects: from the tally (one seek) when it names at most a
    /// year; counted (an index range or a scan) when it names a state, kind or unit.
    public static func caseCount(_ db: Database, _ filter: CaseFilter) throws -> Int {
        guard filter.state == nil, filter.kind == nil, filter.unit == nil else {
            return try CaseRecord.all().filtered(by: filter).fetchCount(db)
        }
        let key = filter.year.map { "year:\($0)" } ?? "all"
        return try Int.fetchOne(db, sql: "SELECT n FROM caseTally WHERE key = ?", arguments: [key]) ?? 0
    }
}
