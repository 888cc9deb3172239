public import Foundation
public import GRDB
public import Crypto

/// A person with an API token. Only the token's SHA-256 is stored; the token itself is shown
/// once, when the user is created.
public struct UserRecord: Codable, Sendable, Hashable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "user"

    public var id: Int64?
    public var name: String
    public var role: Role
    /// The drafting unit, for drafters (e.g. 德惠市科学技术局), or the consulted department, for
    /// consultees (e.g. 德惠市司法局); nil for the other roles.
    public var unit: String?
    public var tokenHash: String
    public var createdAt: Date
    public var disabled: Bool
    /// bcrypt hash of the console password, when one was set (`reviewctl user password`).
    public var passwordHash: String? = nil
    /// After this instant the API token no longer signs in (nil: it never expires).
    public var tokenExpiresAt: Date? = nil

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    /// SHA-256 of a token, lower-case hex. Tokens carry 256 random bits, so a fast hash is enough.
    public static func hash(token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }

    /// A new random token: `prt_` and 43 base64url characters (256 bits).
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "prt_" + base64
    }
}

extension NodeStore {
    /// Creates a user and returns it with its token (shown only now); `passwordHash` (bcrypt)
    /// lets it sign in to the console with a password too.
    /// - Throws: `StoreError.invalidInput` for a drafter without a unit, an empty name, or a
    ///   role that does not exist on this tier of node.
    public static func createUser(_ db: Database, name: String, role: Role, unit: String?, isCityNode: Bool,
                                  tokenExpiresAt: Date? = nil, passwordHash: String? = nil) throws -> (UserRecord, String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        let unit = unit?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw StoreError(.invalidInput, "name: must not be empty") }
        guard role.exists(onCityNode: isCityNode) else {
            throw StoreError(.invalidInput, "role: \(role.rawValue) does not exist on a \(isCityNode ? "city" : "county") node")
        }
        if role == .drafter, (unit ?? "").isEmpty {
            throw StoreError(.invalidInput, "unit: a drafter belongs to one drafting unit; give --unit")
        }
        if role == .consultee, (unit ?? "").isEmpty {
            throw StoreError(.invalidInput, "unit: a consultee is bound to one consulted department; give --unit")
        }
        let token = UserRecord.newToken()
        var user = UserRecord(
            id: nil, name: name, role: role, unit: role == .drafter || role == .consultee ? unit : nil,
            tokenHash: UserRecord.hash(token: token), createdAt: Date(), disabled: false)
        user.tokenExpiresAt = tokenExpiresAt
        user.passwordHash = passwordHash
        try user.insert(db)
        return (user, token)
    }

    /// The enabled user holding `token`, if any and not expired at `now`.
    /// Every request asks: one statement prepared once per connection (the query interface
    /// would build its SQL each time).
    public static func user(_ db: Database, token: String, now: Date = Date()) throws -> UserRecord? {
        let statement = try db.cachedStatement(sql: """
            SELECT * FROM "\(UserRecord.databaseTableName)" WHERE tokenHash = ? AND disabled = 0 AND (tokenExpiresAt IS NULL OR tokenExpiresAt > ?)
            """)
        return try UserRecord.fetchOne(statement, arguments: [UserRecord.hash(token: token), now])
    }

    /// Disables or re-enables a user. Disabling takes effect at once: the token stops
    /// working and the user's console sessions end.
    /// - Throws: `StoreError.notFound` when there is no such user.
    @discardableResult
    public static func setDisabled(_ db: Database, userId: Int64, _ disabled: Bool) throws -> UserRecord {
        guard var user = try UserRecord.fetchOne(db, key: userId) else { throw StoreError(.notFound, "user \(userId) does not exist") }
        user.disabled = disabled
        try user.update(db)
        if disabled { try ConsoleSessionRecord.filter(ConsoleSessionRecord.Columns.userId == userId).deleteAll(db) }
        return user
    }
}

extension Digest {
    /// Lower-case hex.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(Self.byteCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
