public import Foundation
public import ReviewProtocol
public import ReviewStore

/// Link management shared by the operator API and `reviewctl link`.
public enum Links {
    /// This node's card.
    public static func card(configuration: NodeConfiguration, identity: NodeIdentity, baseURL: String? = nil) -> LinkCard {
        LinkCard(nodeId: configuration.nodeId, name: configuration.name, divisionCode: configuration.nodeId, tier: configuration.tier,
                 baseURL: baseURL ?? configuration.baseURL(), publicKey: identity.publicKeyBase64,
                 maxMessageBytes: configuration.maxMessageBytes)
    }

    /// Creates the link described by a peer's card, or updates it (a re-key by hand keeps the
    /// old key valid for `grace`). A county holds one city link; the city holds county links.
    /// - Throws: `StoreError.invalidInput` naming what is wrong with the card.
    @discardableResult
    public static func importCard(_ db: StoreTransaction, _ card: LinkCard, own configuration: NodeConfiguration, grace: TimeInterval = 7 * 86400) throws -> LinkRecord {
        guard card.nodeId != configuration.nodeId else { throw StoreError(.invalidInput, "nodeId: the card is this node's own") }
        guard card.nodeId.count == 6, card.nodeId.allSatisfy(\.isNumber) else { throw StoreError(.invalidInput, "nodeId: '\(card.nodeId)' is not a six-digit division code") }
        guard card.tier != configuration.tier else {
            throw StoreError(.invalidInput, "tier: a \(configuration.tier.rawValue) node links to \(configuration.isCity ? "county" : "city") nodes, not to another \(card.tier.rawValue) node")
        }
        guard let raw = Data(base64Encoded: card.publicKey), raw.count == 32 else { throw StoreError(.invalidInput, "publicKey: not a base64 Ed25519 public key") }
        guard let url = URL(string: card.baseURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw StoreError(.invalidInput, "baseURL: '\(card.baseURL)' is not an http(s) URL")
        }
        // A node's own limit is at least the envelope limit (its configuration refuses less).
        if let limit = card.maxMessageBytes, limit < FederationWire.maxEnvelopeBytes {
            throw StoreError(.invalidInput, "maxMessageBytes: \(limit) is below \(FederationWire.maxEnvelopeBytes), the least a node accepts")
        }
        if !configuration.isCity, let existing = try NodeStore.links(db, tier: Tier.city.rawValue).first, existing.nodeId != card.nodeId {
            throw StoreError(.invalidInput, "nodeId: this county is already linked to city \(existing.nodeId)")
        }
        if var existing = try NodeStore.link(db, card.nodeId) {
            if existing.publicKey != card.publicKey {
                existing.previousPublicKey = existing.publicKey
                existing.previousKeyValidUntil = Date().addingTimeInterval(grace)
                existing.publicKey = card.publicKey
            }
            existing.name = card.name
            existing.baseURL = card.baseURL
            existing.maxMessageBytes = card.maxMessageBytes
            try NodeStore.save(db, link: existing)
            try NodeStore.recordKey(db, nodeId: card.nodeId, publicKey: card.publicKey)
            try NodeStore.appendEvent(db, caseId: nil, actor: "operator", action: "updateLink", payload: ["peer": card.nodeId, "fingerprint": NodeIdentity.fingerprint(ofPublicKey: card.publicKey)])
            return existing
        }
        let link = LinkRecord(card: card)
        try NodeStore.save(db, link: link)
        try NodeStore.recordKey(db, nodeId: card.nodeId, publicKey: card.publicKey)
        try NodeStore.appendEvent(db, caseId: nil, actor: "operator", action: "importLink", payload: ["peer": card.nodeId, "fingerprint": NodeIdentity.fingerprint(ofPublicKey: card.publicKey)])
        return link
    }

    /// Every key this node and its peers signed with, with its period, as the keyring an
    /// outsider verifies opinions with (`GET /api/v1/federation/keys`, `reviewctl keys export`).
    public static func keyring(_ db: StoreTransaction, ownNodeId: String, ownName: String?, ownTier: Tier?) throws -> Keyring {
        let links = try NodeStore.links(db)
        let names = Dictionary(uniqueKeysWithValues: links.map { ($0.nodeId, $0.name) })
        let tiers = Dictionary(uniqueKeysWithValues: links.map { ($0.nodeId, $0.tier) })
        return Keyring(keys: try NodeStore.keyHistory(db).map { key in
            Keyring.Key(nodeId: key.nodeId, name: key.nodeId == ownNodeId ? ownName : names[key.nodeId],
                        tier: (key.nodeId == ownNodeId ? ownTier : tiers[key.nodeId])?.rawValue, publicKey: key.publicKey,
                        fingerprint: NodeIdentity.fingerprint(ofPublicKey: key.publicKey), validFrom: key.validFrom.formatted(.iso8601),
                        validUntil: key.validUntil?.formatted(.iso8601))
        })
    }

    /// Enables or disables a link; a disabled link neither sends nor accepts messages.
    public static func setEnabled(_ db: StoreTransaction, nodeId: String, enabled: Bool) throws {
        guard var link = try NodeStore.link(db, nodeId) else { throw StoreError(.notFound, "no link to \(nodeId)") }
        link.enabled = enabled
        try NodeStore.save(db, link: link)
        try NodeStore.appendEvent(db, caseId: nil, actor: "operator", action: enabled ? "enableLink" : "disableLink", payload: ["peer": nodeId])
    }

    /// One link's state and queue.
    public struct Status: Codable, Sendable {
        public var nodeId: String
        public var name: String
        public var tier: Tier
        public var baseURL: String
        public var enabled: Bool
        public var fingerprint: String
        /// Messages not yet delivered.
        public var queueDepth: Int
        public var oldestUndelivered: Date?
        public var attempts: Int?
        public var lastError: String?
        public var delivered: Int
        public var lastCheckAt: Date?
        public var lastCheckMilliseconds: Double?
        public var lastChainHead: String?
        /// Messages the peer refused for their content, held back (with their case's later
        /// messages) until an operator retries or discards them.
        public var deadLetters: [DeadLetter]
        /// Messages the peer keeps answering `out-of-order` (it lacks an earlier message of their
        /// case), retried until an operator sets them aside (they then become dead letters).
        public var waitingMessages: [DeadLetter]
        /// The last cross-check of the peer's event log (``ChainAudit``).
        public var lastAuditAt: Date?
        public var lastAuditOK: Bool?
        public var lastAuditProblem: String?
    }

    /// A dead letter as operators see it.
    public struct DeadLetter: Codable, Sendable {
        public var id: String
        public var peer: String
        public var caseId: String?
        public var type: FederationMessageType
        public var attempts: Int
        /// The peer's last answer.
        public var lastError: String?
        public var createdAt: Date
        public var deadAt: Date?

        public init(_ message: OutboxRecord) {
            id = message.id
            peer = message.peer
            caseId = message.caseId
            type = message.type
            attempts = message.attempts
            lastError = message.lastError
            createdAt = message.createdAt
            deadAt = message.deadAt
        }
    }

    public static func status(_ db: StoreTransaction) throws -> [Status] {
        let dead = try NodeStore.deadLetters(db).map(DeadLetter.init)
        let waiting = try NodeStore.waitingMessages(db).map(DeadLetter.init)
        return try NodeStore.linksByNodeId(db).map { link in
            let queue = try NodeStore.queueStats(db, peer: link.nodeId)
            let (head, delivered) = (queue.head, queue.delivered)
            return Status(nodeId: link.nodeId, name: link.name, tier: link.tier, baseURL: link.baseURL, enabled: link.enabled,
                          fingerprint: NodeIdentity.fingerprint(ofPublicKey: link.publicKey), queueDepth: queue.depth,
                          oldestUndelivered: queue.oldest, attempts: head?.attempts, lastError: head?.lastError, delivered: delivered,
                          lastCheckAt: link.lastCheckAt, lastCheckMilliseconds: link.lastCheckMilliseconds, lastChainHead: link.lastChainHead,
                          deadLetters: dead.filter { $0.peer == link.nodeId }, waitingMessages: waiting.filter { $0.peer == link.nodeId },
                          lastAuditAt: link.lastAuditAt, lastAuditOK: link.lastAuditOK, lastAuditProblem: link.lastAuditProblem)
        }
    }
}
