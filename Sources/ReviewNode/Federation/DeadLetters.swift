import Foundation
import ReviewProtocol
import ReviewRules
public import ReviewStore

/// Operators' hold on messages a peer refused for their content (dead letters), shared by the
/// API, the console and `reviewctl outbox`. Each retry or discard is an audited event.
public enum DeadLetters {
    /// Every dead letter, oldest first.
    public static func list(_ db: StoreTransaction) throws -> [Links.DeadLetter] {
        try NodeStore.deadLetters(db).map(Links.DeadLetter.init)
    }

    /// Messages the peer keeps answering `out-of-order` (it lacks an earlier message of the
    /// case), oldest first; not dead letters: they are retried until set aside.
    public static func waiting(_ db: StoreTransaction) throws -> [Links.DeadLetter] {
        try NodeStore.waitingMessages(db).map(Links.DeadLetter.init)
    }

    /// Sets a waiting message aside: it becomes a dead letter (not sent until retried, or
    /// given up with ``discard(_:id:actor:identity:)``). An audited event.
    /// - Throws: `StoreError.notFound` unless `id` is a waiting message.
    @discardableResult
    public static func setAside(_ db: StoreTransaction, id: String, actor: String) throws -> Links.DeadLetter {
        let message = try NodeStore.setAsideWaitingMessage(db, messageId: id)
        try NodeStore.appendEvent(db, caseId: message.caseId, actor: actor, action: "setAsideWaitingMessage",
                                  payload: ["message": id, "peer": message.peer, "type": message.type.rawValue])
        return Links.DeadLetter(message)
    }

    /// Queues a dead letter again, due now (after the cause was fixed at either end).
    /// - Throws: `StoreError.notFound` unless `id` is a dead letter.
    @discardableResult
    public static func retry(_ db: StoreTransaction, id: String, actor: String) throws -> Links.DeadLetter {
        let message = try NodeStore.retryDeadLetter(db, messageId: id)
        try NodeStore.appendEvent(db, caseId: message.caseId, actor: actor, action: "retryDeadLetter",
                                  payload: ["message": id, "peer": message.peer, "type": message.type.rawValue])
        return Links.DeadLetter(message)
    }

    /// Gives a dead letter up for good; the case's later messages to that peer are renumbered
    /// and re-signed with `identity` so that the peer, which never saw it, applies them.
    /// - Throws: `StoreError.notFound` unless `id` is a dead letter.
    @discardableResult
    public static func discard(_ db: StoreTransaction, id: String, actor: String, identity: NodeIdentity) throws -> Links.DeadLetter {
        let message = try NodeStore.discardDeadLetter(db, messageId: id) { later, sequence in
            try Outbox.resequenced(later, sequence: sequence, identity: identity)
        }
        try NodeStore.appendEvent(db, caseId: message.caseId, actor: actor, action: "discardDeadLetter",
                                  payload: ["message": id, "peer": message.peer, "type": message.type.rawValue, "reason": String((message.lastError ?? "").prefix(300))])
        // A forwarding the city never got: the case is back with the county reviewer, who can
        // fix the cause and forward it again, instead of waiting for the city for ever.
        if message.type == .caseForwarded, let caseId = message.caseId, try NodeStore.withdrawForwarding(db, caseId: caseId) {
            try NodeStore.appendEvent(db, caseId: caseId, actor: actor, action: "forwardingWithdrawn",
                                      payload: ["message": id, "reason": String((message.lastError ?? "").prefix(300))])
        }
        return Links.DeadLetter(message)
    }
}

/// Disabling and enabling users, shared by the API, the console and `reviewctl user`: the
/// change and its audit event in the caller's transaction.
public enum UserAdministration {
    /// - Throws: `StoreError.notFound` when there is no such user.
    @discardableResult
    public static func setDisabled(_ db: StoreTransaction, userId: Int64, _ disabled: Bool, actor: String) throws -> UserRecord {
        let user = try NodeStore.setDisabled(db, userId: userId, disabled)
        try NodeStore.appendEvent(db, caseId: nil, actor: actor, action: disabled ? "disableUser" : "enableUser", payload: ["user": String(userId)])
        return user
    }
}
