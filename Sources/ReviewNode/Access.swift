import ReviewProtocol
import ReviewStore

/// Who may do what on a node (issue 3 §3). A drafter sees and acts only on its own unit's
/// cases; reviewers act on every case of their node; the supervisor reads everything; the
/// operator manages users and sees no case content.
enum Access {
    /// Whether `user` may read `record`. A case the user may not read is answered 404, so
    /// that its existence does not leak.
    static func canRead(_ user: UserRecord, _ record: CaseRecord) -> Bool {
        switch user.role {
        case .drafter: record.draftingUnit == user.unit
        case .countyReviewer, .cityReviewer, .supervisor: true
        case .operator, .platform, .consultee: false
        }
    }

    /// Throws 404 unless `user` may read `record`.
    static func requireRead(_ user: UserRecord, _ record: CaseRecord) throws {
        guard canRead(user, record) else { throw APIError.caseNotFound }
    }

    /// Throws 403 unless `user` is the case's drafter.
    static func requireDrafter(_ user: UserRecord, of record: CaseRecord) throws {
        try requireRead(user, record)
        guard user.role == .drafter else { throw APIError.forbidden("only the drafting unit may do this") }
    }

    /// Throws 403 unless `user` is a reviewer of this node.
    static func requireReviewer(_ user: UserRecord, _ record: CaseRecord? = nil) throws {
        if let record { try requireRead(user, record) }
        guard user.role.isReviewer else { throw APIError.forbidden("only a reviewer of this node may do this") }
    }

    /// Throws 403 unless `user` may list cases and read the ledger (reviewers, supervisor).
    static func requireOversight(_ user: UserRecord) throws {
        guard user.role.isReviewer || user.role == .supervisor else {
            throw APIError.forbidden("only reviewers and supervisors may read the ledger")
        }
    }

    static func requireRole(_ user: UserRecord, _ roles: Role...) throws {
        guard roles.contains(user.role) else {
            throw APIError.forbidden("requires role \(roles.map(\.rawValue).joined(separator: " or "))")
        }
    }
}
