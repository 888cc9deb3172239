public import Foundation
public import GRDB
public import ReviewProtocol

/// A link to a peer node, created by importing its link card.
public struct LinkRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "link"

    public var nodeId: String
    public var name: String
    public var divisionCode: String
    public var tier: Tier
    public var baseURL: String
    /// Ed25519 public key, base64.
    public var publicKey: String
    /// After a re-key: the old key, accepted until `previousKeyValidUntil`.
    public var previousPublicKey: String?
    public var previousKeyValidUntil: Date?
    public var enabled: Bool
    public var createdAt: Date
    public var lastCheckAt: Date?
    public var lastCheckMilliseconds: Double?
    /// The latest event-chain head the peer reported in a message.
    public var lastChainHead: String?

    public init(card: LinkCard, createdAt: Date = Date()) {
        nodeId = card.nodeId
        name = card.name
        divisionCode = card.divisionCode
        tier = card.tier
        baseURL = card.baseURL
        publicKey = card.publicKey
        previousPublicKey = nil
        previousKeyValidUntil = nil
        enabled = true
        self.createdAt = createdAt
        lastCheckAt = nil
        lastCheckMilliseconds = nil
        lastChainHead = nil
    }
}

/// A message waiting for delivery, written in the same transaction as the state change that
/// causes it. `body` is the envelope's JSON, sent as is, with `signature` over it.
public struct OutboxRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "outbox"

    public var id: String
    public var peer: String
    public var caseId: String?
    public var caseSequence: Int
    public var type: FederationMessageType
    public var body: Data
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastError: String?
    public var deliveredAt: Date?
    public var signature: Data?

    public init(id: String, peer: String, caseId: String?, caseSequence: Int, type: FederationMessageType, body: Data, signature: Data, createdAt: Date) {
        self.id = id
        self.peer = peer
        self.caseId = caseId
        self.caseSequence = caseSequence
        self.type = type
        self.body = body
        self.createdAt = createdAt
        self.attempts = 0
        self.nextAttemptAt = createdAt
        self.lastError = nil
        self.deliveredAt = nil
        self.signature = signature
    }
}

/// A message received and applied; a redelivery is answered with `result` and no second effect.
public struct InboxRecord: Codable, Sendable, Hashable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "inbox"

    public var id: String
    public var sender: String
    public var receivedAt: Date
    public var result: Data
    public var caseId: String?
    public var sequence: Int?
    public var type: FederationMessageType?
    public var chainHead: String?

    public init(id: String, sender: String, receivedAt: Date, result: Data, caseId: String?, sequence: Int?, type: FederationMessageType?, chainHead: String?) {
        self.id = id
        self.sender = sender
        self.receivedAt = receivedAt
        self.result = result
        self.caseId = caseId
        self.sequence = sequence
        self.type = type
        self.chainHead = chainHead
    }
}
