import Foundation
import ReviewProtocol
import ReviewRules
import ReviewStore

/// Who moves a case. It decides the rule that admits the change (a user's role and unit, a
/// peer's ownership of the case), how a move the state machine refuses is answered, and how
/// the event log names the actor.
enum CaseActor: Sendable {
    /// A signed-in user of this node.
    case user(UserRecord)
    /// A peer's verified message (its envelope's header).
    case peer(FederationHeader)
    /// This node's own message `header`, re-learned from `peer` during a resync (issue 17).
    case relearned(FederationHeader, from: String)

    /// The event log's `actor`: `user:<id>:<name>`, `node:<sender>` or `resync:<peer>`.
    var name: String {
        switch self {
        case .user(let user): CaseWorkflow.actor(user)
        case .peer(let header): "node:\(header.sender)"
        case .relearned(_, let peer): "resync:\(peer)"
        }
    }

    /// Added to each event's payload: the id of the message the change came with.
    var eventDetails: [String: String] {
        switch self {
        case .user: [:]
        case .peer(let header): ["message": header.id]
        case .relearned(let header, _): ["message": header.id, "relearned": "true"]
        }
    }
}

/// What a user must be to change (or read) a case; see ``Access``.
enum CaseAccess: Sendable {
    /// Anyone who may read the case (404 otherwise).
    case read
    /// The case's drafting unit (403 for another role).
    case drafter
    /// A reviewer of this node (403 for another role).
    case reviewer
}

/// One change of one case inside the caller's store transaction, the skeleton every case
/// action and every applied peer message shares: load (and admit the actor) → move through
/// ``ReviewStateMachine`` → save → append the event → queue the message to the peer. A failure
/// at any step leaves nothing written (the caller's transaction rolls back).
///
/// A move into a confirmed launch or withdrawal is published when saved (Art 14; on the city
/// only), whoever made it: the city's own drafter, a county's launch confirmation, a resync.
struct CaseTransaction {
    let db: StoreTransaction
    let services: NodeServices
    let actor: CaseActor
    var record: CaseRecord
    /// The state the case had when loaded; nil for a case this transaction stores first.
    let loadedState: CaseState?
    /// Whether a message was queued (the caller wakes the delivery service after the commit).
    private(set) var queued = false
    /// Whether the case was published (the caller wakes the consumers' delivery).
    private(set) var published = false

    var configuration: NodeConfiguration { services.configuration }
    var tier: Tier { configuration.tier }
    var calendar: WorkCalendar { services.calendar }
    var caseId: String { record.id }

    private init(_ db: StoreTransaction, services: NodeServices, actor: CaseActor, record: CaseRecord, loaded: Bool) {
        self.db = db
        self.services = services
        self.actor = actor
        self.record = record
        self.loadedState = loaded ? record.state : nil
    }

    /// Loads `caseId` for `user`, admitted by `access`.
    /// - Throws: 404 for a case that is not here or that the user may not read; 403 for a
    ///   user of the wrong role.
    init(_ db: StoreTransaction, services: NodeServices, caseId: String, user: UserRecord, access: CaseAccess) throws {
        let record = try CaseWorkflow.load(db, caseId)
        switch access {
        case .read: try Access.requireRead(user, record)
        case .drafter: try Access.requireDrafter(user, of: record)
        case .reviewer: try Access.requireReviewer(user, record)
        }
        self.init(db, services: services, actor: .user(user), record: record, loaded: true)
    }

    /// The case a peer's message is about. It must have come from (the city's view) or gone to
    /// (the county's view) the sender, and be a county-level case.
    /// - Throws: the permanent refusals `unknown-case` (404) and `not-your-case` (403).
    init(_ db: StoreTransaction, services: NodeServices, message header: FederationHeader) throws {
        guard let caseId = header.caseId, let record = try NodeStore.caseRecord(db, caseId) else {
            throw FederationReceiver.reject(.notFound, "unknown-case", "no case \(header.caseId ?? "-") here")
        }
        let counterpart = services.configuration.isCity ? record.originNode : (try Outbox.cityLink(db)?.nodeId ?? "")
        guard counterpart == header.sender, record.level == .county else {
            throw FederationReceiver.reject(.forbidden, "not-your-case", "case \(record.id) does not belong to \(header.sender)")
        }
        self.init(db, services: services, actor: .peer(header), record: record, loaded: true)
    }

    /// This node's own case `caseId`, to re-apply the change its own message `header` reported.
    init(_ db: StoreTransaction, services: NodeServices, relearning header: FederationHeader, from peer: String, caseId: String) throws {
        self.init(db, services: services, actor: .relearned(header, from: peer), record: try CaseWorkflow.load(db, caseId), loaded: true)
    }

    /// Stores `record` as a new case (its revision, materials and notices are the caller's).
    init(_ db: StoreTransaction, services: NodeServices, inserting record: CaseRecord, by actor: CaseActor) throws {
        try NodeStore.insert(db, case: record)
        self.init(db, services: services, actor: actor, record: record, loaded: false)
    }

    // MARK: The skeleton

    /// Applies `event` through the state machine of this node's tier. A refused move is a
    /// local 409 `illegal-transition` naming the state for a user (and a resync), the
    /// permanent refusal `illegal-transition` for a peer.
    mutating func move(_ event: CaseEvent) throws {
        var machine = ReviewStateMachine(context: .init(kind: record.kind, level: record.level, node: tier), state: record.state)
        do {
            try machine.apply(event)
        } catch let error as RulesError {
            if case .peer = actor { throw FederationReceiver.reject(.conflict, "illegal-transition", error.message) }
            throw APIError(.conflict, code: "illegal-transition",
                           message: "案件当前状态为“\(record.state.chineseName)”,不能执行此操作",
                           detail: error.message, state: record.state.rawValue)
        }
        record.state = machine.state
    }

    /// Stores the changed case and appends `action` to the event log (with the message id for a
    /// peer's or a re-learned change). A move into `launchConfirmed` or `withdrawalConfirmed`
    /// is published here (Art 14, city only), after the event.
    mutating func save(_ action: String, _ payload: [String: String] = [:]) throws {
        try NodeStore.save(db, case: &record)
        try log(action, payload)
        if record.state != loadedState, record.state == .launchConfirmed || record.state == .withdrawalConfirmed {
            try publish()
        }
    }

    /// Appends `action` about this case to the event log without changing the case.
    func log(_ action: String, _ payload: [String: String] = [:]) throws {
        try NodeStore.appendEvent(db, caseId: record.id, actor: actor.name, action: action,
                                  payload: payload.merging(actor.eventDetails) { own, _ in own })
    }

    /// Queues a signed message about this case to `peer` (the outbox, same transaction).
    /// - Throws: 422 `message-too-large` when the peer would refuse it for its size.
    mutating func send<Payload: Codable & Sendable>(_ type: FederationMessageType, to peer: String, _ payload: Payload,
                                                    attachments: [Data] = []) throws {
        try Outbox.enqueue(db, identity: services.identity, sender: configuration.nodeId, peer: peer, type: type, caseId: record.id,
                           payload: payload, attachments: attachments)
        queued = true
    }

    /// The same, with the case's stored material blobs as the attachments (the outbox
    /// references them by digest instead of copying them; see ``Outbox/MaterialAttachment``).
    /// `form` as in ``Outbox/enqueue(_:identity:sender:peer:type:caseId:payload:attachments:form:)``.
    mutating func send<Payload: Codable & Sendable>(_ type: FederationMessageType, to peer: String, _ payload: Payload,
                                                    attachments: [Outbox.MaterialAttachment], form: Data? = nil) throws {
        try Outbox.enqueue(db, identity: services.identity, sender: configuration.nodeId, peer: peer, type: type, caseId: record.id,
                           payload: payload, attachments: attachments, form: form)
        queued = true
    }

    /// County: tells the city that issues (or issued) a forwarded case's opinion; nothing for
    /// the cases the county keeps, nor on the city.
    mutating func tellIssuer<Payload: Codable & Sendable>(_ type: FederationMessageType, _ payload: Payload, attachments: [Data] = []) throws {
        guard tier == .county, record.forwardedOn != nil, let city = try Outbox.cityLink(db) else { return }
        try send(type, to: city.nodeId, payload, attachments: attachments)
    }

    /// Art 14: at the city, the confirmed launch, adjustment or withdrawal is signed into the
    /// feed and every covering consumer's queue.
    private mutating func publish() throws {
        guard configuration.isCity else { return }
        let identity = services.identity
        try NodeStore.recordPublication(db, case: record, publisher: configuration.nodeId, signerPublicKey: identity.publicKeyBase64) {
            try identity.sign($0)
        }
        published = true
    }
}

extension CaseWorkflow {
    /// Runs one local action on case `caseId`: loads it for `user` (admitted by `access`), lets
    /// `body` change it through the ``CaseTransaction``, all in one store transaction; after the
    /// commit wakes the delivery service when a message was queued, and the consumers' delivery
    /// when the case was published.
    func change<T: Sendable>(_ caseId: String, by user: UserRecord, _ access: CaseAccess,
                             _ body: @escaping @Sendable (inout CaseTransaction) throws -> T) async throws -> T {
        let services = self.services
        let (result, queued, published) = try await services.store.write { db in
            var change = try CaseTransaction(db, services: services, caseId: caseId, user: user, access: access)
            let result = try body(&change)
            return (result, change.queued, change.published)
        }
        if queued { services.outboxSignal.notify() }
        if published { services.publicationSignal.notify() }
        return result
    }
}
