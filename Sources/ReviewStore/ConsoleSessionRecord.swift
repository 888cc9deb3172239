public import Foundation
public import GRDB

/// A signed-in browser. The cookie carries 256 random bits; only their SHA-256 is stored,
/// with the CSRF token every form of the session must echo.
public struct ConsoleSessionRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "consoleSession"

    public var idHash: String
    public var userId: Int64
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(idHash: String, userId: Int64, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.idHash = idHash
        self.userId = userId
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

extension NodeStore {
    /// Starts a session for `user`; returns the record and the cookie value (shown only now).
    public static func createSession(_ db: Database, userId: Int64, lifetime: TimeInterval, now: Date = Date()) throws -> (ConsoleSessionRecord, String) {
        let cookie = UserRecord.newToken()
        let session = ConsoleSessionRecord(idHash: UserRecord.hash(token: cookie), userId: userId,
                                           csrfToken: UserRecord.newToken(), createdAt: now, expiresAt: now.addingTimeInterval(lifetime))
        try session.insert(db)
        // Expired sessions go whenever a new one starts.
        try ConsoleSessionRecord.filter(ConsoleSessionRecord.Columns.expiresAt < now).deleteAll(db)
        return (session, cookie)
    }

    /// The live session for a cookie value and its enabled user, if any.
    public static func session(_ db: Database, cookie: String, now: Date = Date()) throws -> (ConsoleSessionRecord, UserRecord)? {
        guard let session = try ConsoleSessionRecord.fetchOne(db, key: UserRecord.hash(token: cookie)), session.expiresAt > now,
              let user = try UserRecord.fetchOne(db, key: session.userId), !user.disabled
        else { return nil }
        return (session, user)
    }
}
