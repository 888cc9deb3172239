import Foundation
import Logging
import ReviewProtocol
import ReviewStore

/// The operator's work on a node, shared by the API and the console: users, dead letters,
/// link checks, chain audits and re-keying. Making one checks the operator role, once, for
/// everything it then does.
struct Administration: Sendable {
    let services: NodeServices
    /// The signed-in operator.
    let operatorUser: UserRecord

    /// - Throws: 403 unless `user` is the operator.
    init(services: NodeServices, operator user: UserRecord) throws {
        try Access.requireRole(user, .operator)
        self.services = services
        self.operatorUser = user
    }

    var actor: String { CaseWorkflow.actor(operatorUser) }

    /// A new user with a fresh token (returned once; only its hash is kept): a console password
    /// when `passwordHash` is given, a token that stops after `expiresAt` when given.
    /// - Throws: 422 (`invalid-input`, the field in `field`, the store's reason in `detail`)
    ///   when the name, role or unit is missing or the role does not exist on this tier.
    func createUser(name: String, role: Role, unit: String?, passwordHash: String? = nil, expiresAt: Date? = nil) async throws -> (UserRecord, String) {
        let isCity = services.configuration.isCity
        let actor = actor
        return try await services.store.write { db in
            do {
                let created = try NodeStore.createUser(db, name: name, role: role, unit: unit, isCityNode: isCity, tokenExpiresAt: expiresAt,
                                                       passwordHash: passwordHash)
                try NodeStore.appendEvent(db, caseId: nil, actor: actor, action: "createUser",
                                          payload: ["user": String(created.0.id ?? 0), "role": role.rawValue])
                return created
            } catch let error as StoreError {
                let field = error.message.components(separatedBy: ":").first
                throw APIError.invalid(field, "用户信息不完整或角色不适用于本节点", detail: error.message)
            }
        }
    }

    /// Disables or enables a user; disabling ends its token and console sessions at once.
    /// - Throws: 422 when the operator would disable itself; 404 (`user-not-found`) for an unknown user.
    func setDisabled(userId: Int64, _ disabled: Bool) async throws -> UserRecord {
        guard userId != operatorUser.id || !disabled else { throw APIError.invalid("userId", "不能停用自己的账号") }
        let actor = actor
        return try await services.store.write { db in
            do {
                return try UserAdministration.setDisabled(db, userId: userId, disabled, actor: actor)
            } catch let error as StoreError where error.code == .notFound {
                throw Self.userNotFound
            }
        }
    }

    static let userNotFound = APIError(.notFound, code: "user-not-found", message: "用户不存在", field: "userId")

    /// A dead letter queued again (`retry`), or given up with the case's later messages
    /// renumbered; the delivery service is woken.
    /// - Throws: 404 (`dead-letter-not-found`) unless `id` is a dead letter.
    func resolveDeadLetter(_ id: String, retry: Bool) async throws -> Links.DeadLetter {
        let (actor, identity) = (actor, services.identity)
        let letter = try await services.store.write { db in
            do {
                return retry ? try DeadLetters.retry(db, id: id, actor: actor) : try DeadLetters.discard(db, id: id, actor: actor, identity: identity)
            } catch let error as StoreError where error.code == .notFound {
                throw APIError(.notFound, code: "dead-letter-not-found", message: "未找到该条被拒收的消息", field: "messageId")
            }
        }
        services.outboxSignal.notify()
        return letter
    }

    /// A message its peer keeps answering `out-of-order` set aside as a dead letter.
    /// - Throws: 404 (`waiting-message-not-found`) unless `id` is such a message.
    func setAsideWaitingMessage(_ id: String) async throws -> Links.DeadLetter {
        let actor = actor
        return try await services.store.write { db in
            do {
                return try DeadLetters.setAside(db, id: id, actor: actor)
            } catch let error as StoreError where error.code == .notFound {
                throw APIError(.notFound, code: "waiting-message-not-found", message: "未找到该条等待对方节点的消息", field: "messageId")
            }
        }
    }

    /// A signed ping round trip to the peer `nodeId` now (``LinkCheck``).
    func checkLink(_ nodeId: String) async throws -> LinkCheck.Result {
        try await LinkCheck(services: services).run(nodeId)
    }

    /// Cross-checks the peer's event log now: does it still hold every chain head it sent?
    func auditLink(_ nodeId: String, logger: Logger) async throws -> ChainAudit.Outcome {
        try await ChainAudit.check(peer: nodeId, services: services, logger: logger)
    }

    /// A new key pair without downtime; peers accept the old one for `grace` seconds.
    func rekey(grace: TimeInterval) async throws -> KeyRotation.Result {
        try await KeyRotation.rotate(services: services, grace: grace)
    }
}
