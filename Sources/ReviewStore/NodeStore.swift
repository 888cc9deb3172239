import Foundation
public import GRDB

/// The node's SQLite store: one file per node, WAL mode, versioned migrations. It wraps
/// `any DatabaseWriter` (a `DatabasePool` on disk, a `DatabaseQueue` in tests) and exposes
/// one transaction per business operation through ``write(_:)``.
public struct NodeStore: Sendable {
    /// How hard SQLite syncs on commit.
    public enum Durability: String, Codable, Sendable {
        /// `synchronous = FULL`: a committed transaction survives power loss.
        case full
        /// `synchronous = NORMAL`: survives a process crash; may lose the last commits on power loss.
        case normal
    }

    /// The database: only the store's own methods use it (the application database pattern:
    /// every statement is an intent-named method or a named read of ReviewStore).
    let database: any DatabaseWriter

    /// Opens (creating if needed, mode 0600) the store at `path` and migrates it.
    /// - Throws: GRDB's `DatabaseError` when the file cannot be opened or migrated.
    public init(path: String, durability: Durability = .full) throws {
        var configuration = Configuration()
        // Another process (reviewctl) may open the same file.
        configuration.busyMode = .timeout(10)
        // Owner-only (0600) before SQLite creates it with the umask's mode.
        Self.prepareDatabaseFile(at: path)
        let pool = try DatabasePool(path: path, configuration: configuration)
        // DatabasePool sets synchronous = NORMAL during its WAL set-up, after prepareDatabase:
        // set it here, once the pool is open (PLATFORM-NOTES).
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            // The writer's statement journals (what a savepoint or a statement that may abort
            // needs to undo: the pages it changes that existed before it) in memory. They
            // spilled to a temporary file from 64 KiB: while the city applied a burst of
            // forwarded cases (each message of a batch in its own savepoint), `strace` counted
            // 10.7 MB written to such files against 16.3 MB to the WAL in 2 s. Only the writer:
            // the readers' large sorts keep spilling to disk.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        try self.init(writer: pool)
    }

    /// Wraps an open database (tests pass `DatabaseQueue()`), and migrates it.
    public init(writer: any DatabaseWriter) throws {
        self.database = writer
        try Self.migrator.migrate(writer)
    }

    /// One read-write transaction: all of it commits, or none of it.
    public func write<T: Sendable>(_ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await database.write(updates)
    }

    /// A read-only snapshot.
    public func read<T: Sendable>(_ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await database.read(value)
    }

    /// The writer's `PRAGMA synchronous` (0 OFF, 1 NORMAL, 2 FULL), `journal_mode` and
    /// `temp_store` (0 default, 1 file, 2 memory).
    public func pragmas() async throws -> (synchronous: Int, journalMode: String, tempStore: Int) {
        try await database.writeWithoutTransaction { db in
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            let journal = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
            let tempStore = try Int.fetchOne(db, sql: "PRAGMA temp_store") ?? -1
            return (synchronous, journal, tempStore)
        }
    }
}
