import HummingbirdBcrypt
public import ReviewStore

/// Console passwords: bcrypt (cost 12), at least 10 characters. Setting one signs the user's
/// browsers out.
public enum ConsolePassword {
    public static let minimumLength = 10
    static let cost: UInt8 = 12

    public static func hash(_ password: String) -> String {
        Bcrypt.hash(password, cost: cost)
    }

    static func verify(_ password: String, _ hash: String) -> Bool {
        Bcrypt.verify(password, hash: hash)
    }

    /// Sets the password of user `id` and ends its sessions.
    /// - Throws: `StoreError.invalidInput` for a short password, `.notFound` for an unknown user.
    public static func set(_ db: StoreTransaction, userId: Int64, password: String) throws {
        guard password.count >= minimumLength else {
            throw StoreError(.invalidInput, "password: at least \(minimumLength) characters")
        }
        try NodeStore.setPasswordHash(db, userId: userId, hash: hash(password), actor: "reviewctl")
    }
}
